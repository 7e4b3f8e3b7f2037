"""The clawback calculator and the obligations register in headless Chromium: a worked example, no
console errors, no other hosts, no serious accessibility violations."""

import pytest

from tests.browser.test_map import foreign_requests, serious_accessibility_violations

pytestmark = pytest.mark.browser


def test_calculator_works_out_the_stepped_taper_example(page, live_server):
    page.goto("/clawback")
    page.get_by_label("Stepped taper").check()
    for field, (day, month, year) in {"start_date": ("1", "4", "2020"), "end_date": ("31", "3", "2025"),
                                      "trigger_date": ("15", "6", "2022")}.items():
        page.fill(f"#{field}-day", day)
        page.fill(f"#{field}-month", month)
        page.fill(f"#{field}-year", year)
    page.fill("#principal", "100,000")
    page.fill("#taper", "100, 80, 60, 40, 20")
    page.get_by_role("button", name="Calculate").click()
    assert "£60,000.00" in page.locator("#result").inner_text()
    assert "Taper for year 3: 60%" in page.locator("#steps").inner_text()
    assert serious_accessibility_violations(page) == []
    assert page.console_errors == []
    assert foreign_requests(page, live_server) == []


def test_calculator_errors_link_to_their_field(page):
    page.goto("/clawback?calculate=1&method=full")
    summary = page.locator(".govuk-error-summary")
    assert "Enter the start date" in summary.inner_text()
    summary.locator("a").first.click()
    assert page.evaluate("document.activeElement.id") == "start_date-day"
    assert serious_accessibility_violations(page) == []


def test_obligations_register_is_accessible(page):
    page.goto("/transfers/obligations")
    assert page.locator("h1").inner_text() == "Live clawback obligations"
    assert serious_accessibility_violations(page) == []
    assert page.console_errors == []
