"""Place names on the app's own base map, drawn in the browser as text (VectorGrid draws none), in headless
Chromium with every other host blocked: the gazetteer's names appear where the gazetteer puts them, as DOM
text a screen reader can read, and none is drawn over another."""

import pytest
from sqlalchemy import text

from registry import db
from tests.browser.test_map import FIND_MAP
from tests.browser.test_map_keyboard import only_this_host, wait_until  # noqa: F401  (a fixture)

pytestmark = pytest.mark.browser

VISIBLE_LABELS = """(() => [...document.querySelectorAll('.app-place-label')]
    .filter(e => getComputedStyle(e.parentNode).visibility !== 'hidden')
    .map(e => { const r = e.getBoundingClientRect();
                return {text: e.textContent, x: (r.left + r.right) / 2, y: (r.top + r.bottom) / 2,
                        left: r.left, right: r.right, top: r.top, bottom: r.bottom} }))()"""


def gazetteer_point(app, name):
    with app.app_context():
        row = db.session.execute(text("SELECT ST_X(point), ST_Y(point) FROM place WHERE name = :n "
                                      "AND source = 'geonames' ORDER BY kind_rank LIMIT 1"), {"n": name}).one()
        db.session.remove()
    return row


@pytest.mark.parametrize("name, zoom", [("Leeds", 11), ("Horsforth", 12)])
def test_place_names_are_drawn_as_text_where_the_gazetteer_puts_them(page, app, only_this_host, name, zoom):  # noqa: F811
    lon, lat = gazetteer_point(app, name)
    page.goto("/map")
    page.wait_for_selector(".leaflet-container")
    page.evaluate(f"window[{FIND_MAP}].setView([{lat}, {lon}], {zoom}, {{animate: false}})")
    wait_until(page, f"[...document.querySelectorAll('.app-place-label')].some(e => e.textContent === {name!r})",
               timeout_ms=15_000)
    page.wait_for_timeout(300)  # the decluttering pass runs on the next frame
    labels = page.evaluate(VISIBLE_LABELS)
    mine = [label for label in labels if label["text"] == name]
    assert len(mine) == 1, [label["text"] for label in labels]
    # Where the map puts the gazetteer's point on screen: the label is centred on it.
    box = page.locator(".leaflet-container").bounding_box()
    point = page.evaluate(f"(() => {{ const p = window[{FIND_MAP}].latLngToContainerPoint([{lat}, {lon}]); "
                          f"return [p.x, p.y] }})()")
    assert mine[0]["x"] == pytest.approx(box["x"] + point[0], abs=2)
    assert mine[0]["y"] == pytest.approx(box["y"] + point[1], abs=2)
    # Readable text in the page, not pixels: the accessible tree has it.
    assert page.get_by_text(name, exact=True).count() >= 1
    # No two shown labels overlap.
    overlaps = [(a["text"], b["text"]) for i, a in enumerate(labels) for b in labels[i + 1:]
                if a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]]
    assert overlaps == []
    assert page.console_errors == []
