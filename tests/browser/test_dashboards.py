"""The dashboards and the Scottish reports in headless Chromium: no serious or critical axe-core violation,
every chart has its table twin, and nothing is asked of another host."""

import pytest

from tests.browser.test_map import foreign_requests, serious_accessibility_violations


@pytest.mark.parametrize("path", ["/dashboard", "/authorities/E08000035/dashboard",
                                  "/authorities/S12000036/dashboard", "/authorities/S12000036/land-register",
                                  "/authorities/S12000036/asset-transfer-report/2026",
                                  "/authorities/S12000036/asset-transfer-report/2026/print"])
def test_dashboard_and_report_pages_are_accessible(page, live_server, path):
    page.goto(path)
    assert page.locator("h1").count() == 1
    assert serious_accessibility_violations(page) == []
    assert page.console_errors == []
    assert foreign_requests(page, live_server) == []


def test_every_chart_has_a_table_twin(page, live_server):
    page.goto("/dashboard")
    charts = page.locator("figure.dashboard-chart svg[role=img]")
    assert charts.count() >= 1  # the demo register has assets (and no cases until someone makes one)
    # each chart is followed, in its section, by the table of the same figures
    assert page.locator("figure.dashboard-chart + table.govuk-table").count() == charts.count()
    assert page.locator("#table-assets-by-status tbody tr").count() > 0
    # the figures of the assets chart are the table's, in the chart's accessible name
    title = page.locator("#chart-assets-svg-title").text_content()
    for row in page.locator("#table-assets-by-status tbody tr").all():
        label, count = (c.text_content() for c in row.locator("td").all())
        assert f"{label} {count}" in title
