"""The map by keyboard alone (issue 13 item 5), in headless Chromium with every other host blocked:
a marker reached by Tab opens its popup with Enter, the next Tab is the popup's link, Escape closes the
popup and puts focus back on the marker; a footprint is reached by Tab and opens its popup with Enter;
status letters in markers and key; axe-core on /map finds no serious or critical violation; a site boundary
given by keyboard (typed corners, the asset's footprint, or drawn with the arrow keys after choosing a
postcode) is saved, shown again on the draft and on the case page."""

import json
import math
from urllib.parse import urlparse

import pytest
from pyproj import Transformer
from sqlalchemy import text

from registry import db
from tests.browser.test_acv_flow import sign_in_as, world  # noqa: F401  (world is a fixture)
from tests.browser.test_map import FIND_MAP, serious_accessibility_violations

pytestmark = pytest.mark.browser

ACTIVE = "(() => { const a = document.activeElement; return a ? a.className.baseVal ?? a.className : '' })()"


@pytest.fixture
def only_this_host(page, live_server):
    own = urlparse(live_server.url).netloc
    blocked = []

    def route(r):
        if urlparse(r.request.url).netloc == own:
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    yield blocked
    assert blocked == []


def tab_until(page, selector, limit=80):
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"document.activeElement && document.activeElement.matches({selector!r})"):
            return True
    return False


def first_asset(app, with_footprint=False):
    where = "AND footprint IS NOT NULL" if with_footprint else "AND authority_code = 'E08000035'"
    with app.app_context():
        row = db.session.execute(text(
            f"SELECT ST_X(point), ST_Y(point), name FROM asset WHERE NOT withheld {where} ORDER BY id LIMIT 1")).one()
        db.session.remove()
    return row


def test_marker_popup_by_keyboard_and_escape_back(page, app, only_this_host):
    lon, lat, name = first_asset(app)
    page.goto("/map")
    page.wait_for_selector(".app-cluster", timeout=15_000)
    page.evaluate(f"window[{FIND_MAP}].setView([{lat}, {lon}], 18)")
    page.locator(".app-marker").first.wait_for(timeout=15_000)

    page.locator(".leaflet-container").focus()
    assert tab_until(page, ".app-marker")
    marker_title = page.evaluate("document.activeElement.getAttribute('title')")
    page.keyboard.press("Enter")
    page.locator(".app-map-popup").wait_for(timeout=5_000)
    # One Tab: the popup's link, which names the asset the marker is for.
    page.keyboard.press("Tab")
    assert page.evaluate("!!document.activeElement.closest('.app-map-popup')")
    assert page.evaluate("document.activeElement.tagName") == "A"
    assert page.evaluate("document.activeElement.getAttribute('href')").startswith("/assets/")
    assert page.evaluate("document.activeElement.textContent").strip() == marker_title
    # Escape: popup closed, focus back on the same marker.
    page.keyboard.press("Escape")
    page.locator(".app-map-popup").wait_for(state="detached", timeout=2_000)  # Leaflet fades it out
    assert page.evaluate("document.activeElement.classList.contains('app-marker')")
    assert page.evaluate("document.activeElement.getAttribute('title')") == marker_title
    assert page.console_errors == []


def test_footprint_is_reachable_by_tab_and_opens_its_popup(page, app, only_this_host):
    lon, lat, name = first_asset(app, with_footprint=True)
    page.goto("/map")
    page.wait_for_selector(".app-cluster", timeout=15_000)
    page.evaluate(f"window[{FIND_MAP}].setView([{lat}, {lon}], 18)")
    page.wait_for_selector("path.app-footprint[tabindex='0']", state="attached", timeout=15_000)

    page.locator(".leaflet-container").focus()
    assert tab_until(page, "path.app-footprint")
    label = page.evaluate("document.activeElement.getAttribute('aria-label')")
    assert label.startswith("Footprint of ")
    page.keyboard.press("Enter")
    popup = page.locator(".app-map-popup")
    popup.wait_for(timeout=5_000)
    assert popup.locator("a").first.get_attribute("href").startswith("/assets/")
    page.keyboard.press("Escape")
    popup.wait_for(state="detached", timeout=2_000)
    assert page.evaluate("document.activeElement.matches('path.app-footprint')")


def test_status_has_a_letter_and_distinct_colours_and_map_passes_axe(page, app, only_this_host):
    page.goto("/map")
    page.wait_for_selector(".app-cluster", timeout=15_000)
    letters = page.eval_on_selector_all(
        ".app-map-legend .app-status-symbol",
        "els => els.map(e => getComputedStyle(e, '::after').content)")
    # The key of /map (templates/map.html): operational, under review, surplus, available for transfer,
    # nominated, listed, in moratorium, under consideration, transferred, disposed.
    assert letters == ['"O"', '"R"', '"S"', '"A"', '"N"', '"L"', '"M"', '"C"', '"T"', '"D"']
    colours = page.evaluate("""(() => ['under_review', 'under_consideration'].map(s => {
        const e = document.createElement('span'); e.className = 'app-status app-status-symbol app-status--' + s;
        document.body.appendChild(e); const c = getComputedStyle(e).backgroundColor; e.remove(); return c; }))()""")
    # GOV.UK yellow shade-50 #806f00 and brown darkened 15% #846141 (tests/unit/test_map_contrast.py checks
    # them against the ring and base map), no longer both #bfa600.
    assert colours == ["rgb(128, 111, 0)", "rgb(132, 97, 65)"]
    decoration = page.eval_on_selector(".leaflet-control-attribution a",
                                       "a => getComputedStyle(a).textDecorationLine")
    assert "underline" in decoration
    assert serious_accessibility_violations(page) == []


def test_a_boundary_typed_as_corners_is_saved_and_shown_on_the_case_page(page, app, world):  # noqa: F811
    sign_in_as(page, world.emails["rep"])
    page.goto(f"/assets/{world.asset.id}/nominate")
    page.fill("#land_description", "The green and its pavilion, bounded by the lane.")
    page.fill("#owners_known", "Not known")
    page.fill("#community_value_reasons", "Football every Saturday and the summer fair.")
    lon, lat = round(world.lon, 5), round(world.lat, 5)
    corners = [(lon - 0.0005, lat - 0.0003), (lon + 0.0005, lat - 0.0003), (lon + 0.0005, lat + 0.0003),
               (lon - 0.0005, lat + 0.0003)]
    # Typed, as a keyboard user would (no mouse on the map).
    page.locator("#site_geojson").focus()
    page.keyboard.type("\n".join(f"{x:.5f}, {y:.5f}" for x, y in corners))
    page.click("#send-nomination")
    page.wait_for_selector(".govuk-panel--confirmation")
    with app.app_context():
        case_id = db.session.execute(text(
            'SELECT max(id) FROM "case" WHERE asset_id = :a'), {"a": world.asset.id}).scalar_one()
        bounds = db.session.execute(text(
            'SELECT ST_XMin(site), ST_YMin(site), ST_XMax(site), ST_YMax(site), ST_NPoints(site) '
            'FROM "case" WHERE id = :id'), {"id": case_id}).one()
        db.session.remove()
    assert bounds[:4] == pytest.approx((lon - 0.0005, lat - 0.0003, lon + 0.0005, lat + 0.0003), abs=1e-7)
    assert bounds[4] == 5  # four corners, closed

    page.goto(f"/cases/{case_id}")
    page.wait_for_selector("#site-boundary")
    page.wait_for_selector(".leaflet-overlay-pane path.leaflet-interactive", state="attached", timeout=10_000)
    assert page.console_errors == []


def test_the_assets_footprint_button_gives_the_boundary_by_keyboard(page, app, world):  # noqa: F811
    with app.app_context():
        db.session.execute(text(
            "UPDATE asset SET footprint = ST_Multi(ST_MakeEnvelope(ST_X(point) - 0.0004, ST_Y(point) - 0.0002, "
            "ST_X(point) + 0.0004, ST_Y(point) + 0.0002, 4326)) WHERE id = :id"), {"id": world.asset.id})
        db.session.commit()
        db.session.remove()
    sign_in_as(page, world.emails["rep"])
    page.goto(f"/assets/{world.asset.id}/nominate")
    page.fill("#land_description", "The green and its pavilion, bounded by the lane.")
    page.fill("#owners_known", "Not known")
    page.fill("#community_value_reasons", "Football every Saturday and the summer fair.")
    page.locator("#use-asset-footprint").focus()
    page.keyboard.press("Enter")
    assert '"MultiPolygon"' in page.locator("#site_geojson").input_value()
    page.click("#send-nomination")
    page.wait_for_selector(".govuk-panel--confirmation")
    with app.app_context():
        distance = db.session.execute(text(
            'SELECT ST_HausdorffDistance(c.site, a.footprint) FROM "case" c JOIN asset a ON a.id = c.asset_id '
            "WHERE c.id = (SELECT max(id) FROM \"case\" WHERE asset_id = :a)"), {"a": world.asset.id}).scalar_one()
        db.session.remove()
    assert distance < 1e-6


def fill_nomination(page):
    page.fill("#land_description", "The green and its pavilion, bounded by the lane.")
    page.fill("#owners_known", "Not known")
    page.fill("#community_value_reasons", "Football every Saturday and the summer fair.")


def wait_until(page, expression, timeout_ms=5_000):
    """Polls with evaluate (wait_for_function evaluates a string, which the page's CSP refuses)."""
    for _ in range(timeout_ms // 50):
        if page.evaluate(expression):
            return
        page.wait_for_timeout(50)
    raise AssertionError(f"never true: {expression}")


def wait_for_pan_to_end(page):
    wait_until(page, f"!(window[{FIND_MAP}]._panAnim && window[{FIND_MAP}]._panAnim._inProgress)")
    page.wait_for_timeout(50)


def test_a_boundary_drawn_with_the_arrow_keys_after_choosing_a_postcode_is_saved_and_shown(page, app, world):  # noqa: F811
    with app.app_context():  # the postcode nearest the asset, and where the directory puts it
        postcode, pc_lon, pc_lat = db.session.execute(text(
            "SELECT postcode, ST_X(point), ST_Y(point) FROM postcode "
            "ORDER BY point <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) LIMIT 1"),
            {"lon": world.lon, "lat": world.lat}).one()
        db.session.remove()
    sign_in_as(page, world.emails["rep"])
    page.goto(f"/assets/{world.asset.id}/nominate")
    fill_nomination(page)

    # Choose a postcode: Enter in the box centres the map there (and does not send the form).
    page.locator("#footprint-place").focus()
    page.keyboard.type(postcode.lower())
    page.keyboard.press("Enter")
    wait_until(page, f"window[{FIND_MAP}].getZoom() === 17")
    wait_for_pan_to_end(page)
    assert "/nominate" in page.url
    assert postcode in page.locator("#footprint-draw-status").inner_text()
    centre = page.evaluate(f"(() => {{ const c = window[{FIND_MAP}].getCenter(); return [c.lng, c.lat] }})()")
    assert centre == pytest.approx((pc_lon, pc_lat), abs=1e-6)

    # Keyboard only: Start drawing (focus moves to the map), Enter at each corner, arrows in between.
    assert tab_until(page, "#footprint-draw-start")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.classList.contains('leaflet-container')")
    page.locator(".app-draw-cross").wait_for()
    wait_for_pan_to_end(page)
    # Tabbing past a marker on the way to "Start drawing" may pan the map to show it (Leaflet's
    # autoPanOnFocus, which can start after the focus): the corners are measured from where the cross
    # rests when drawing starts, once the centre has stopped moving.
    centre_js = f"(() => {{ const c = window[{FIND_MAP}].getCenter(); return [c.lng, c.lat] }})()"
    start_lon, start_lat = page.evaluate(centre_js)
    for _ in range(50):
        page.wait_for_timeout(200)
        now = page.evaluate(centre_js)
        if now == [start_lon, start_lat]:
            break
        start_lon, start_lat = now
    assert page.evaluate(f"window[{FIND_MAP}].getZoom()") == 17
    for keys in ([], ["ArrowRight", "ArrowRight"], ["ArrowDown", "ArrowDown"], ["ArrowLeft", "ArrowLeft"],
                 ["ArrowUp"]):
        for key in keys:
            page.keyboard.press(key)
            wait_for_pan_to_end(page)
        page.keyboard.press("Enter")
    status = page.locator("#footprint-draw-status")
    assert "5 corners so far" in status.inner_text()
    page.keyboard.press("Backspace")  # the fifth corner, half-way up the west side, was a slip
    assert "Last corner removed. 4 corners so far." in status.inner_text()
    assert tab_until(page, "#footprint-draw-finish")
    page.keyboard.press("Enter")
    assert '"Polygon"' in page.locator("#site_geojson").input_value()

    # Saved as a draft: the boundary is drawn again on the draft's map.
    page.click("#save-draft")
    page.wait_for_selector("#draft-saved")
    page.wait_for_selector("path.app-footprint-given", state="attached", timeout=10_000)
    page.click("#send-nomination")
    page.wait_for_selector(".govuk-panel--confirmation")

    # Where the corners should be, worked out apart from Leaflet: one arrow press pans 80 screen pixels
    # (Leaflet's keyboardPanDelta), and at zoom 17 a pixel is 2πR / (256 × 2^17) metres of Web Mercator.
    to_mercator = Transformer.from_crs(4326, 3857, always_xy=True)
    to_wgs84 = Transformer.from_crs(3857, 4326, always_xy=True)
    x0, y0 = to_mercator.transform(start_lon, start_lat)
    step = 80 * 2 * math.pi * 6378137 / (256 * 2**17)
    expected = [(x0 + dx * step, y0 + dy * step) for dx, dy in ((0, 0), (2, 0), (2, -2), (0, -2))]
    pixel_m = step / 80  # Leaflet keeps the map's pixel origin whole: a centre after a pan is within a pixel
    with app.app_context():
        case_id = db.session.execute(text('SELECT max(id) FROM "case" WHERE asset_id = :a'),
                                     {"a": world.asset.id}).scalar_one()
        ring = json.loads(db.session.execute(text(
            'SELECT ST_AsGeoJSON(ST_ExteriorRing(ST_GeometryN(site, 1))) FROM "case" WHERE id = :id'),
            {"id": case_id}).scalar_one())["coordinates"]
        db.session.remove()
    assert len(ring) == 5 and ring[0] == ring[-1]
    stored = [to_mercator.transform(lon, lat) for lon, lat in ring[:-1]]
    for x, y in expected:
        assert min(math.hypot(x - sx, y - sy) for sx, sy in stored) < pixel_m, (to_wgs84.transform(x, y), ring)

    # The officer's (and everyone's) case page shows it.
    # Leave the map page first: a tile answered after the cookies are cleared would bring back the old session.
    page.goto("about:blank")
    sign_in_as(page, world.emails["officer"])
    page.goto(f"/cases/{case_id}")
    page.wait_for_selector("#site-boundary")
    page.wait_for_selector(".leaflet-overlay-pane path.leaflet-interactive", state="attached", timeout=10_000)
    assert page.console_errors == []


def test_an_unknown_postcode_is_said_to_be_unknown_beside_the_drawing_map(page, world):  # noqa: F811
    sign_in_as(page, world.emails["rep"])
    page.goto(f"/assets/{world.asset.id}/nominate")
    page.fill("#footprint-place", "ZZ9 9ZZ")
    page.click("#footprint-place-go")
    status = page.locator("#footprint-draw-status")
    status.filter(has_text="not a postcode we know").wait_for(timeout=5_000)
    assert "/nominate" in page.url
