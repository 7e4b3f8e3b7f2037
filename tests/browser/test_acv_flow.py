"""A group nominates land, an officer checks it, a decision-maker lists it, and the public map shows it listed.

Runs against the live server in headless Chromium, with committed data that
the test removes afterwards.
"""

import math
import re

import mapbox_vector_tile
import pytest
from sqlalchemy import text

from registry import db
from tests.browser.test_map import serious_accessibility_violations
from tests.integration.workflow_world import PASSWORD, build, purge

pytestmark = pytest.mark.browser


@pytest.fixture()
def world(app):
    with app.app_context():
        w = build()
        db.session.commit()
        lon, lat = db.session.execute(text("SELECT ST_X(point), ST_Y(point) FROM asset WHERE id = :id"),
                                      {"id": w.asset.id}).one()
        w.lon, w.lat = lon, lat
        emails = {"rep": w.rep.email, "officer": w.officer.email, "decision_maker": w.decision_maker.email}
        w.emails = emails
        db.session.remove()
    yield w
    with app.app_context():
        purge(w)
        db.session.remove()


@pytest.fixture()
def new_browser(browser, live_server, page):
    """Another person's browser: a context of its own (cookies, HTTP cache), its console errors on `page`'s list.

    Use it whenever the test changes who is at the keyboard. Clearing one context's cookies is not enough:
    the page that was showing still has requests on the way (the base map fetches its tiles after the load
    event, Chromium asks for the favicon), every answer to a signed-in request sends the session cookie
    again (a permanent session is refreshed on each request), and one arriving after `clear_cookies()`
    signs the old user back in.
    """
    contexts = []

    def open_one():
        context = browser.new_context(base_url=live_server.url)
        contexts.append(context)
        fresh = context.new_page()
        fresh.console_errors = page.console_errors
        fresh.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
        fresh.on("pageerror", lambda e: page.console_errors.append(str(e)))
        return fresh

    yield open_one
    for context in contexts:
        context.close()


def sign_in_as(page, email):
    """Sign `page` in as `email`, after leaving the page it showed (its late answers could set the old cookie).

    Not airtight for a change of person in one context (the favicon's answer can still arrive late): a test
    that then relies on who is signed in, or on nobody being signed in, uses `new_browser`.
    """
    page.goto("about:blank")  # the previous page's tile fetches are cancelled, not left to answer later
    page.context.clear_cookies()
    page.goto("/sign-in")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_load_state()
    assert "/sign-in" not in page.url, page.content()[:2000]


def take_step(page, label, action, fields=None):
    summary = page.locator(f"#step-{action}").locator("xpath=ancestor::details")
    if summary.get_attribute("open") is None:
        summary.locator("summary").click()
    for selector, value in (fields or {}).items():
        page.fill(selector, value)
    page.locator(f"#step-{action} button[type=submit]").click()
    page.wait_for_load_state()
    if page.locator("#publication-preview").count():  # published text is shown before it is saved
        page.locator(f"#step-{action} button[type=submit]").click()
        page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").count() == 0, page.locator(".govuk-error-summary").inner_text()


def test_group_nominates_officer_lists_public_map_shows_listed(page, world, new_browser):
    # the group's representative starts from the asset page, in their own browser
    sign_in_as(page, world.emails["rep"])
    page.goto(f"/assets/{world.asset.id}")
    link = page.locator("#nominate-asset")
    if link.count():  # the asset page includes templates/cases/_asset_actions.html
        link.click()
    else:
        page.goto(f"/assets/{world.asset.id}/nominate")
    page.fill("#land_description", "The green and its pavilion, bounded by the lane.")
    page.fill("#owners_known", "Not known")
    page.click("#save-draft")
    page.wait_for_selector("#draft-saved")
    case_id = int(re.search(r"/cases/(\d+)/edit", page.url).group(1))
    # back to the draft later: complete it and send it
    page.goto("/cases")
    page.click(f"a[href='/cases/{case_id}/edit']")
    page.fill("#community_value_reasons", "Football every Saturday and the summer fair.")
    # draw the site boundary on the map: it fills the GeoJSON box
    page.get_by_role("button", name="Start drawing").click()
    box = page.locator(".leaflet-container").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    for dx, dy in ((-30, -20), (30, -20), (30, 20), (-30, 20)):
        page.mouse.click(cx + dx, cy + dy)
    page.get_by_role("button", name="Use this boundary").click()
    assert '"Polygon"' in page.locator("#site_geojson").input_value()
    page.click("#send-nomination")
    page.wait_for_selector(".govuk-panel--confirmation")
    assert page.locator("#case-state").get_attribute("data-state") == "submitted"

    # the officer checks it and records the owner notice, in their own browser
    page = new_browser()
    sign_in_as(page, world.emails["officer"])
    page.goto("/cases")
    page.click(f"#caseload a[href='/cases/{case_id}']")
    take_step(page, "Start checking the nomination", "begin_validation")
    assert "All checks passed" in page.locator("#validation-checks").inner_text()
    take_step(page, "Accept", "accept_nomination", {
        "#accept_nomination-owner_notified_on-day": "2", "#accept_nomination-owner_notified_on-month": "6",
        "#accept_nomination-owner_notified_on-year": "2026"})
    assert page.locator("#case-state").get_attribute("data-state") == "owner_notified"

    # the decision-maker lists it, in their own browser; they see the private details
    page = new_browser()
    sign_in_as(page, world.emails["decision_maker"])
    page.goto(f"/cases/{case_id}")
    take_step(page, "List", "list", {"#list-reasons": "Its use furthers the social wellbeing of the community."})
    assert page.locator("#case-state").get_attribute("data-state") == "listed"
    private_details = page.locator("xpath=//h2[normalize-space()='Private details']/following-sibling::dl[1]")
    assert "Not known" in private_details.inner_text()

    # the public sees it listed: on the map, the case page, the asset page and the register, in a browser
    # nobody has signed in with
    page = new_browser()
    page.goto("/map")
    page.wait_for_selector(".app-cluster, .app-marker", timeout=15_000)
    find_map = "Object.keys(window).filter(k => k.startsWith('map_') && window[k] && window[k].setView)[0]"
    # The map reads the register's vector tiles (zoom 18 views read z16 tiles).
    n = 2**16
    tx = int((world.lon + 180) / 360 * n)
    ty = int((1 - math.log(math.tan(math.radians(world.lat)) + 1 / math.cos(math.radians(world.lat))) / math.pi)
             / 2 * n)
    with page.expect_response(lambda r: f"/tiles/assets/16/{tx}/{ty}.mvt" in r.url, timeout=15_000):
        page.evaluate(f"window[{find_map}].setView([{world.lat}, {world.lon}], 18)")
    tile = mapbox_vector_tile.decode(page.request.get(f"/tiles/assets/16/{tx}/{ty}.mvt").body())
    mine = next(f for f in tile["assets"]["features"] if f["properties"]["id"] == world.asset.id)
    assert mine["properties"]["status"] == "listed"
    assert "listed" in mine["properties"]["statuses"].split(",")

    page.goto(f"/cases/{case_id}")
    assert page.locator("#case-state").get_attribute("data-state") == "listed"
    public = page.content()
    # private details stay private: the owners the group named, the section and the officer's checks
    assert "Not known" not in public
    assert "Private details" not in public
    assert page.locator("#validation-checks").count() == 0
    assert serious_accessibility_violations(page) == []
    page.goto("/registers/assets-of-community-value")
    assert page.locator(f"#register tr[data-case='{case_id}']").count() == 1
    assert page.console_errors == []


@pytest.mark.parametrize("path", [
    "/deadlines", "/deadlines?event=acv-disposal-notice-received&date-day=1&date-month=6&date-year=2026",
    "/deadlines?event=acv-disposal-notice-received&date-day=31&date-month=2&date-year=2026",
    "/registers", "/registers/assets-of-community-value", "/registers/unsuccessful-nominations",
    "/registers/right-to-challenge-decisions",
])
def test_workflow_pages_have_no_serious_accessibility_violations(page, path):
    page.goto(path)
    assert serious_accessibility_violations(page) == []


def test_officer_case_page_with_its_forms_is_accessible(page, world, app):
    from datetime import date

    from registry import accounts
    from tests.integration.workflow_world import nominate

    with app.app_context():
        world.rep = accounts.get(world.rep.id)  # attached to this session, with its memberships
        case_id = nominate(world, date.today()).id
        db.session.commit()
        db.session.remove()
    sign_in_as(page, world.emails["officer"])
    page.goto(f"/cases/{case_id}")
    assert page.locator("#step-begin_validation").count() == 1
    assert serious_accessibility_violations(page) == []
