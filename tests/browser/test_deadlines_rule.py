"""/deadlines in headless Chromium: an officer sees the rule each deadline used (issue 11 item 3)."""

import pytest

from tests.browser.test_map import serious_accessibility_violations

pytestmark = pytest.mark.browser


def test_the_tribunal_deadline_shows_its_words_citation_carry_and_verification(page):
    page.goto("/deadlines")
    page.select_option("#event", "acv-review-decision-sent")
    page.fill("#date-day", "31")
    page.fill("#date-month", "1")
    page.fill("#date-year", "2026")
    page.click("button:has-text('Calculate deadlines')")
    row = page.locator("#rule-acv_tribunal_appeal_due")
    # within 28 days of Sat 31 Jan 2026: Sat 28 Feb, carried to Mon 2 Mar 2026 (next working day)
    assert row.locator("time").get_attribute("datetime") == "2026-03-02"
    text = row.inner_text()
    assert "within 28 days of the date on which notice" in text
    assert "SI 2009/1976 r.22(1)(b)" in text
    assert "carried from 28 February 2026" in text
    assert row.locator("[data-verified]").inner_text() == "Not verified: configurable"
    assert serious_accessibility_violations(page) == []


def test_a_verified_period_is_marked_verified(page):
    page.goto("/deadlines?event=acv-disposal-notice-received&date-day=1&date-month=6&date-year=2026")
    row = page.locator("#rule-acv_interim_moratorium_end")
    assert row.locator("time").get_attribute("datetime") == "2026-07-12"
    assert row.locator("[data-verified]").inner_text() == "Verified"
    assert "six weeks beginning with the date of receipt" in row.inner_text()
