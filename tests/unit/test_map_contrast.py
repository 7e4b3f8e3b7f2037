"""Non-text contrast of the map's status colours (WCAG 2.2 SC 1.4.11: at least 3:1 against what is next to them).

The colours are read from what the browser is given: the compiled stylesheet (registry/static/css/app.css,
built from app.scss by bin/build-assets) and the base map's styles in static/js/base-map.js. Contrast is
WCAG's own definition, written out here from the spec (relative luminance of sRGB, (L1 + 0.05) / (L2 + 0.05)),
and checked first against ratios published elsewhere.

What is next to what:
- a marker's status colour sits inside a white ring (app.scss .app-marker), a cluster's segments on a white
  disc (.app-cluster): status colour against white;
- a footprint's outline is drawn straight on the base map: status colour against the land fill and the sea;
- the status letter inside a marker is white text: 4.5:1 (SC 1.4.3).
"""

import re
from itertools import combinations
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CSS = ROOT / "registry" / "static" / "css" / "app.css"
BASE_MAP_JS = ROOT / "registry" / "static" / "js" / "base-map.js"
WHITE = "#ffffff"

# The statuses on the map's key (templates/map.html): each must look different from every other.
MAP_KEY = ["operational", "under_review", "surplus", "available_for_transfer", "nominated", "listed",
           "in_moratorium", "under_consideration", "transferred", "disposed"]


def channel(value_0_255: int) -> float:
    """WCAG 2.2 'relative luminance': each sRGB channel linearised."""
    c = value_0_255 / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour.lstrip("#")[i:i + 2], 16) for i in (0, 2, 4))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast(a: str, b: str) -> float:
    lighter, darker = sorted((luminance(a), luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


@pytest.mark.parametrize("a, b, published", [
    ("#000000", "#ffffff", 21.0),   # the spec's maximum
    ("#767676", "#ffffff", 4.54),   # the lightest grey passing AA on white (WebAIM)
    ("#949494", "#ffffff", 3.03),   # the lightest grey passing 3:1 on white (WebAIM)
    ("#1d70b8", "#ffffff", 5.17),   # GOV.UK link blue on white (GOV.UK Design System)
])
def test_the_formula_agrees_with_published_ratios(a, b, published):
    assert contrast(a, b) == pytest.approx(published, abs=0.01)


def status_colours() -> dict[str, str]:
    css = CSS.read_text(encoding="utf-8")
    found = dict(re.findall(r"\.app-status--([a-z_]+)\{--app-status-colour:\s*(#[0-9a-f]{6})", css))
    assert len(found) >= len(MAP_KEY), f"status colours not found in {CSS}: run bin/build-assets"
    return found


def base_map_fills() -> dict[str, str]:
    css = CSS.read_text(encoding="utf-8")
    sea = re.search(r"\.app-map--own-base\{background-color:\s*(#[0-9a-f]{6})", css).group(1)
    land = re.search(r"land:\s*\{[^}]*fillColor:\s*'(#[0-9a-f]{6})'", BASE_MAP_JS.read_text()).group(1)
    return {"land": land, "sea": sea}


@pytest.mark.parametrize("status", MAP_KEY + ["full_moratorium", "not_listed", "removed"])
def test_each_status_colour_stands_out_at_3_to_1_from_the_ring_and_the_base_map(status):
    colour = status_colours()[status]
    against = {"white ring or disc": WHITE, **base_map_fills()}
    too_low = {name: round(contrast(colour, other), 2) for name, other in against.items()
               if contrast(colour, other) < 3}
    assert too_low == {}, f"{status} {colour}"


@pytest.mark.parametrize("status", MAP_KEY)
def test_the_white_status_letter_is_readable_on_its_marker(status):
    assert contrast(status_colours()[status], WHITE) >= 4.5


def test_every_status_on_the_key_has_its_own_colour():
    colours = status_colours()
    same = [(a, b) for a, b in combinations(MAP_KEY, 2) if colours[a] == colours[b]]
    assert same == []


def test_the_plain_footprint_outline_stands_out_from_the_base_map():
    css = CSS.read_text(encoding="utf-8")
    stroke = re.search(r"path\.app-footprint--plain\{[^}]*stroke:\s*(#[0-9a-f]{6})", css).group(1)
    assert min(contrast(stroke, fill) for fill in base_map_fills().values()) >= 3


def tag_colours() -> dict[str, tuple[str, str]]:
    """STATUS_TAG_COLOURS of templates/_macros.html -> (text, background) as app.css draws the tag."""
    macros = (ROOT / "templates" / "_macros.html").read_text(encoding="utf-8")
    table = re.search(r"STATUS_TAG_COLOURS = \{(.*?)\}", macros, re.S).group(1)
    css = CSS.read_text(encoding="utf-8")

    def drawn(selector: str) -> tuple[str, str]:
        rules = re.findall(re.escape(selector) + r"\{([^}]*)\}", css)
        declared = dict(re.findall(r"(color|background-color):\s*(#[0-9a-f]{6})", ";".join(rules)))
        return declared["color"], declared["background-color"]

    return {status: drawn(".govuk-tag" if not colour else f".{colour}" if colour.startswith("app-")
                          else f".govuk-tag--{colour}")
            for status, colour in re.findall(r'"([a-z_]+)":\s*"([a-z-]*)"', table)}


def test_under_review_and_under_consideration_tags_differ_and_each_tag_is_readable():
    tags = tag_colours()
    assert tags["under_review"] != tags["under_consideration"]
    assert tags["under_review"] == ("#7a3c1c", "#ffee80")  # GOV.UK's yellow tag
    unreadable = {status: round(contrast(*pair), 2) for status, pair in tags.items() if contrast(*pair) < 4.5}
    assert unreadable == {}
