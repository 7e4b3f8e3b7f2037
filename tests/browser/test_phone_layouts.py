"""Issue 13 item 7: pages on a phone (390 px) and a desktop (1280 px): no sideways scrolling on the results
page, results as a summary list on a phone, filters folded away, the map above the fold, and no serious or
critical axe-core violation on the home, results, asset, map, case (public and officer's), nomination and
import (upload and preview) pages."""

import pytest

from registry import db
from tests.browser.test_import_page import EXTRACT as COUNCIL_FILE
from registry.uktime import today_uk
from tests.browser.test_acv_flow import sign_in_as
from tests.browser.test_map import serious_accessibility_violations
from tests.integration.workflow_world import build, list_asset, purge

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def world(app):
    with app.app_context():
        w = build()
        db.session.commit()
        w.case_id = list_asset(w, today_uk()).id
        db.session.commit()
        w.rep_email = w.rep.email
        db.session.remove()
    yield w
    with app.app_context():
        purge(w)
        db.session.remove()


def page_width(page) -> int:
    return page.evaluate("Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)")


def test_results_page_fits_a_phone_as_a_summary_list(page):
    page.set_viewport_size(PHONE)
    page.goto("/search?q=LS1+1UR")
    assert page.locator("#results-list .govuk-summary-list__row").count() > 0
    assert page.locator("#results-list").is_visible() and not page.locator("#results").is_visible()
    assert page_width(page) <= 390
    # The filters are folded away: the first result is on the first screen.
    assert page.locator("#search-filters").get_attribute("open") is None
    first = page.locator("#results-list .govuk-summary-list__row").first.bounding_box()
    assert first["y"] < PHONE["height"]


def test_results_page_is_a_table_on_a_desktop(page):
    page.set_viewport_size(DESKTOP)
    page.goto("/search?q=LS1+1UR")
    assert page.locator("#results").is_visible() and not page.locator("#results-list").is_visible()


def test_map_is_above_the_fold_on_a_phone(page):
    page.set_viewport_size(PHONE)
    page.goto("/map")
    page.wait_for_selector(".leaflet-container", timeout=15_000)
    box = page.locator(".leaflet-container").first.bounding_box()
    assert box["y"] < PHONE["height"] - 100  # at least 100 px of map on the first screen
    assert page_width(page) <= 390


def test_signed_in_navigation_does_not_wrap_on_a_desktop(page, world):
    page.set_viewport_size(DESKTOP)
    sign_in_as(page, world.rep_email)
    page.goto("/search")
    tops = page.evaluate("[...document.querySelectorAll('.govuk-service-navigation__item')]"
                         ".map(e => Math.round(e.getBoundingClientRect().top))")
    assert len(tops) == 8 and len(set(tops)) == 1


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["1280", "390"])
@pytest.mark.parametrize("which", ["home", "results", "asset", "map", "case", "nomination", "import",
                                   "import_preview", "officer_case"])
def test_no_serious_accessibility_violations(page, world, size, which):
    page.set_viewport_size(size)
    if which == "nomination":
        sign_in_as(page, world.rep_email)
    if which in ("import", "import_preview", "officer_case"):
        sign_in_as(page, world.officer.email)
    path = {"home": "/", "results": "/search?q=LS1+1UR", "asset": f"/assets/{world.asset.id}", "map": "/map",
            "case": f"/cases/{world.case_id}", "nomination": f"/assets/{world.asset.id}/nominate",
            "import": "/imports", "import_preview": "/imports", "officer_case": f"/cases/{world.case_id}"}[which]
    response = page.goto(path)
    assert response.status == 200, path
    if which == "import_preview":  # the preview of an uploaded file, with its detected columns and problems
        page.set_input_files("#file", str(COUNCIL_FILE))
        page.get_by_role("button", name="Upload and preview").click()
        page.wait_for_url("**/imports/*")
        assert page.locator('[data-count="rows"]').count() == 1
    if which == "map":
        page.wait_for_selector(".leaflet-container", timeout=15_000)
    if which == "nomination":
        page.wait_for_selector("#footprint-place")  # the drawing map's place finder and buttons, built by script
    assert serious_accessibility_violations(page) == []
    if size is PHONE and which in ("home", "results", "asset", "case"):
        assert page_width(page) <= 390, path
