"""An asset named <img src=x onerror=alert(1)> is shown as text everywhere, in real Chromium.

The live server cannot see a test transaction, so the asset is created with
the domain functions, committed, and deleted afterwards.
"""

from urllib.parse import quote

import pytest
import shapely
from sqlalchemy import text

from registry import assets, db

pytestmark = pytest.mark.browser

PAYLOAD = "<img src=x onerror=alert(1)>"


@pytest.fixture()
def xss_asset(app):
    with app.app_context():
        code, lon, lat = db.session.execute(text(
            "SELECT authority_code, ST_X(point), ST_Y(point) FROM asset WHERE NOT withheld ORDER BY id LIMIT 1"
        )).one()
        # A little apart from the demo assets, so at street zoom it is alone on the map.
        point = shapely.Point(lon + 0.004, lat + 0.003)
        record = assets.validate_record({"authority_code": code, "reference": "XSS-BROWSER-TEST", "name": PAYLOAD,
                                         "asset_type": "community_centre", "description": PAYLOAD,
                                         "surplus_status": "surplus"}, point=point)
        asset_id = assets.create(record)
        postcode = db.session.execute(text(
            "SELECT postcode FROM postcode ORDER BY point <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326) LIMIT 1"
        ), {"lon": point.x, "lat": point.y}).scalar()
        db.session.commit()
        db.session.remove()
    yield {"id": asset_id, "lon": point.x, "lat": point.y, "postcode": postcode}
    with app.app_context():
        assets.delete(asset_id)
        db.session.commit()
        db.session.remove()


@pytest.fixture()
def dialogs(page):
    seen = []

    def on_dialog(dialog):
        seen.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.add_init_script("window.__xss = 0; window.alert = function () { window.__xss += 1 };")
    return seen


def assert_no_script_ran(page, dialogs):
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.evaluate("window.__xss") == 0
    assert page.locator("img[src='x']").count() == 0


def test_list_pages_show_the_name_as_text(page, xss_asset, dialogs):
    bbox = f"{xss_asset['lon'] - 0.001},{xss_asset['lat'] - 0.001},{xss_asset['lon'] + 0.001},{xss_asset['lat'] + 0.001}"
    page.goto(f"/api/collections/assets/items?f=html&bbox={bbox}")
    assert page.get_by_text(PAYLOAD, exact=True).count() >= 1
    assert_no_script_ran(page, dialogs)

    page.goto("/search?q=" + quote(PAYLOAD))
    assert_no_script_ran(page, dialogs)
    page.goto(f"/search?q={quote(xss_asset['postcode'])}&radius=1000")
    assert_no_script_ran(page, dialogs)
    assert page.get_by_text(PAYLOAD, exact=True).count() >= 1


def test_asset_page_and_its_map_popup_show_the_name_as_text(page, xss_asset, dialogs):
    page.goto(f"/assets/{xss_asset['id']}")
    assert page.locator("h1").inner_text() == PAYLOAD
    assert_no_script_ran(page, dialogs)
    page.locator(".leaflet-interactive").first.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert PAYLOAD in popup.inner_text()
    assert_no_script_ran(page, dialogs)


def test_map_popup_shows_the_name_as_text(page, xss_asset, dialogs):
    page.goto("/map")
    page.wait_for_function("() => Object.keys(window).some(k => k.startsWith('map_'))")
    page.evaluate(
        """([lat, lon]) => {
            const name = Object.keys(window).find(k => k.startsWith('map_') && window[k] && window[k].setView);
            window[name].setView([lat, lon], 18);
        }""",
        [xss_asset["lat"], xss_asset["lon"]],
    )
    marker = page.locator(".leaflet-marker-icon, path.leaflet-interactive")
    marker.first.wait_for(timeout=10_000)
    page.wait_for_timeout(500)
    marker.first.click(force=True)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert PAYLOAD in popup.inner_text()
    assert_no_script_ran(page, dialogs)
    csp_errors = [e for e in page.console_errors if "Content Security Policy" in e]
    assert csp_errors == []


@pytest.mark.parametrize("path", ["/", "/search?q=LS1", "/map", "/sign-in", "/sign-up", "/api/collections/assets/items?f=html"])
def test_pages_run_under_the_csp_without_violations(page, path):
    response = page.goto(path)
    csp = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0]
    page.wait_for_timeout(500)
    assert [e for e in page.console_errors if "Content Security Policy" in e or "Refused" in e] == []


def test_asset_page_runs_under_the_csp(page, xss_asset):
    page.goto(f"/assets/{xss_asset['id']}")
    page.wait_for_timeout(500)
    assert [e for e in page.console_errors if "Content Security Policy" in e or "Refused" in e] == []
