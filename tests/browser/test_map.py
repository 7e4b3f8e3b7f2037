"""The map page in real headless Chromium: clusters, popups, no errors, no other hosts."""

from urllib.parse import urlparse

import pytest
from sqlalchemy import text

from registry import db

pytestmark = pytest.mark.browser

FIND_MAP = "Object.keys(window).filter(k => k.startsWith('map_') && window[k] && window[k].setView)[0]"


def foreign_requests(page, live_server):
    own = urlparse(live_server.url).netloc
    return [u for u in page.requested_urls if urlparse(u).scheme in ("http", "https") and urlparse(u).netloc != own]


def test_map_shows_clusters_opens_a_popup_and_stays_on_this_host(page, live_server, app):
    page.goto("/map")
    page.wait_for_selector(".app-cluster", timeout=15_000)
    counts = [int(t.replace(",", "")) for t in page.locator(".app-cluster__count").all_inner_texts()]
    assert counts and sum(counts) > 0

    with app.app_context():
        lon, lat, name = db.session.execute(text(
            "SELECT ST_X(point), ST_Y(point), name FROM asset WHERE NOT withheld AND authority_code = 'E08000035' "
            "ORDER BY id LIMIT 1")).one()
        db.session.remove()
    page.evaluate(f"window[{FIND_MAP}].setView([{lat}, {lon}], 18)")
    marker = page.locator(".app-marker").first
    marker.wait_for(timeout=15_000)
    marker.click()
    popup = page.locator(".app-map-popup")
    popup.wait_for(timeout=5_000)
    link = popup.locator("a").first
    assert link.get_attribute("href").startswith("/assets/")
    assert link.inner_text().strip()

    assert page.console_errors == []
    assert foreign_requests(page, live_server) == []
    # The assets came from the register's vector tiles (through Leaflet.VectorGrid), not the JSON endpoint.
    assert any("/tiles/assets/" in u for u in page.requested_urls)
    assert not any("/api/map/clusters" in u for u in page.requested_urls)


def test_asset_page_map_and_list_work_without_errors(page, live_server, app):
    with app.app_context():
        asset_id = db.session.execute(text(
            "SELECT id FROM asset WHERE footprint IS NOT NULL AND NOT withheld ORDER BY id LIMIT 1")).scalar_one()
        db.session.remove()
    page.goto(f"/assets/{asset_id}")
    page.wait_for_selector(".leaflet-interactive", timeout=10_000)  # the footprint polygon
    page.goto("/search?q=LS1+1UR")
    assert page.locator("#results tbody tr").count() > 0
    assert page.console_errors == []
    assert foreign_requests(page, live_server) == []


AXE = __import__("pathlib").Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def serious_accessibility_violations(page) -> list[str]:
    page.evaluate(AXE.read_text())  # through DevTools, so the page's CSP need not allow it
    return page.evaluate("axe.run(document, {resultTypes: ['violations']}).then(r => r.violations"
                         ".filter(v => ['serious', 'critical'].includes(v.impact)).map(v => v.id))")


@pytest.mark.parametrize("path", ["/", "/search?q=LS1+1UR", "/search?q=x&type=castle", "/authorities/E08000035",
                                  "/api?f=html"])
def test_pages_have_no_serious_accessibility_violations(page, path):
    page.goto(path)
    assert serious_accessibility_violations(page) == []


def test_map_page_has_no_accessibility_violations(page, live_server):
    page.goto("/map")
    page.wait_for_selector(".app-cluster", timeout=15_000)
    assert serious_accessibility_violations(page) == []


def test_map_draws_its_own_base_map_with_every_other_host_blocked(page, live_server):
    import mapbox_vector_tile

    own = urlparse(live_server.url).netloc
    blocked = []

    def only_this_host(route):
        if urlparse(route.request.url).netloc == own:
            route.continue_()
        else:
            blocked.append(route.request.url)
            route.abort()

    page.route("**/*", only_this_host)
    base_tiles = []
    page.on("response", lambda r: "/tiles/base/" in r.url and base_tiles.append(r))
    page.goto("/map")
    page.wait_for_selector(".app-cluster", timeout=15_000)  # the assets
    page.wait_for_selector(".leaflet-tile-pane svg path", state="attached", timeout=15_000)  # the land, drawn
    answered = [r for r in base_tiles if r.status == 200]
    assert answered
    # The map asked for them and drew them; fetch the same tiles again to read what they held.
    layers = [mapbox_vector_tile.decode(page.request.get(r.url).body()) for r in answered]
    assert any(tile.get("land", {}).get("features") for tile in layers)
    assert blocked == []
    assert page.console_errors == []


def test_static_files_come_fingerprinted_and_compressed(page, live_server):
    page.goto("/map")
    scripts = page.eval_on_selector_all("script[src], link[rel=stylesheet]",
                                        "els => els.map(e => e.getAttribute('src') || e.getAttribute('href'))")
    import re

    assert scripts and all(re.search(r"\.[0-9a-f]{12}\.(js|css)$", s) for s in scripts if s.startswith("/static/"))
