"""/rights in headless Chromium: a listed asset through its moratorium, and a postcode (issue 15 item 1).

Dates by hand: notice received 1 June 2026; "the six weeks beginning with" it end on 12 July 2026; the
protected period, "18 months beginning with", ends on 30 November 2027.
"""

from datetime import date

import pytest

from registry import db
from registry.workflow import engine
from tests.browser.test_map import serious_accessibility_violations
from tests.integration.workflow_world import build, list_asset, purge

pytestmark = pytest.mark.browser


@pytest.fixture()
def world(app):
    with app.app_context():
        w = build()
        listed = list_asset(w, date(2026, 3, 2))
        engine.open_case("moratorium", "receive_notice", w.officer,
                         {"notice_received_on": "2026-06-01", "disposal_type": "freehold_sale"}, date(2026, 6, 1),
                         authority_code=listed.authority_code, asset_id=listed.asset_id,
                         parent_case_id=listed.id, title=listed.title)
        db.session.commit()
        yield w
        purge(w)


def test_rights_on_a_listed_asset_then_another_day(page, world):
    page.goto(f"/rights?asset={world.asset.id}&date=2026-06-01")
    bid = page.locator("#right-acv_request_to_bid")
    assert bid.get_attribute("data-status") == "open"
    assert bid.get_attribute("data-until") == "2026-07-12"
    assert "until 12 July 2026" in bid.inner_text()
    assert "Who may use it" in bid.inner_text()
    assert serious_accessibility_violations(page) == []
    assert page.input_value("#date-day") == "1" and page.input_value("#date-year") == "2026"  # from the link
    page.fill("#date-day", "1")
    page.fill("#date-month", "12")
    page.fill("#date-year", "2026")
    page.click("button:has-text('Show the rights')")
    closed = page.locator("#right-acv_request_to_bid")
    assert closed.get_attribute("data-status") == "closed"
    assert "protected period until 30 November 2027" in closed.inner_text()
    assert page.console_errors == []


def test_rights_for_a_postcode_and_a_bad_date(page):
    page.goto("/rights")
    page.fill("#postcode", "LS1 1UR")
    page.click("button:has-text('Show the rights')")
    assert page.locator("#right-right_to_challenge").get_attribute("data-status") == "open"
    page.goto("/rights?postcode=LS1%201UR&date=tomorrow")
    assert page.locator(".govuk-error-summary").count() == 1
    assert serious_accessibility_violations(page) == []
