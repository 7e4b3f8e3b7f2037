"""Everyday council names from ONS names: the rules and the exceptions, as a table."""

import pytest

from registry.errors import InvalidInput
from registry.place_names import council_aliases, council_display_name, normalise, place_kind
from registry.places import detect_boundary_fields, kind_of_code

# (GSS code, ONS name, the name the council uses on its own website and letters)
DISPLAY_NAMES = [
    ("E08000035", "Leeds", "Leeds City Council"),
    ("E06000023", "Bristol, City of", "Bristol City Council"),
    ("S12000036", "City of Edinburgh", "City of Edinburgh Council"),
    ("S12000049", "Glasgow City", "Glasgow City Council"),
    ("S12000033", "Aberdeen City", "Aberdeen City Council"),
    ("E08000003", "Manchester", "Manchester City Council"),
    ("E07000148", "Norwich", "Norwich City Council"),
    ("E09000007", "Camden", "Camden Council"),
    ("E08000009", "Trafford", "Trafford Council"),
    ("E06000010", "Kingston upon Hull, City of", "Hull City Council"),
    ("E06000019", "Herefordshire, County of", "Herefordshire Council"),
    ("E09000001", "City of London", "City of London Corporation"),
    ("E09000033", "Westminster", "Westminster City Council"),
    ("E09000020", "Kensington and Chelsea", "Royal Borough of Kensington and Chelsea"),
    ("S12000017", "Highland", "The Highland Council"),
    ("S12000013", "Na h-Eileanan Siar", "Comhairle nan Eilean Siar"),
    ("W06000015", "Cardiff", "Cardiff Council"),
    ("W06000011", "Swansea", "Swansea Council"),
    ("W06000022", "Newport", "Newport City Council"),
    ("N09000003", "Belfast", "Belfast City Council"),
    ("E07000078", "Cheltenham", "Cheltenham Council"),
    ("E06000065", "North Yorkshire", "North Yorkshire Council"),
]


@pytest.mark.parametrize(("code", "ons_name", "expected"), DISPLAY_NAMES)
def test_council_display_name(code, ons_name, expected):
    assert council_display_name(code, ons_name) == expected


@pytest.mark.parametrize(("code", "ons_name", "typed"), [
    ("S12000036", "City of Edinburgh", "edinburgh"),
    ("E06000023", "Bristol, City of", "bristol"),
    ("E06000023", "Bristol, City of", "bristol city council"),
    ("E08000035", "Leeds", "leeds city council"),
    ("E08000035", "Leeds", "leeds"),
    ("S12000049", "Glasgow City", "glasgow"),
    ("S12000017", "Highland", "highland council"),
])
def test_everyday_names_find_the_council(code, ons_name, typed):
    assert typed in council_aliases(code, ons_name)


def test_aliases_do_not_invent_other_places():
    assert council_aliases("E08000035", "Leeds") == {"leeds", "leeds city council"}


@pytest.mark.parametrize(("raw", "expected"), [
    ("Headingley & Hyde Park", "headingley and hyde park"),
    ("  St. Helens ", "st helens"),
    ("Ynys Môn", "ynys mon"),
    ("King's Lynn", "kings lynn"),
    ("Stoke-on-Trent", "stoke on trent"),
])
def test_normalise(raw, expected):
    assert normalise(raw) == expected


@pytest.mark.parametrize(("population", "kind"), [
    (None, "locality"), (0, "locality"), (650, "hamlet"), (1_000, "village"), (9_999, "village"),
    (10_000, "town"), (89_060, "town"), (100_000, "city"), (536_280, "city"),
])
def test_place_kind_from_population(population, kind):
    assert place_kind(population) == kind


# ---------------------------------------------------------------- boundary file properties


@pytest.mark.parametrize(("fields", "kind", "expected"), [
    (["FID", "WD23CD", "WD23NM", "WD23NMW", "LAD23CD"], None, ("ward", "WD23CD", "WD23NM")),
    (["wd19cd", "wd19nm"], None, ("ward", "wd19cd", "wd19nm")),
    (["WD13CD", "WD13NM"], None, ("ward", "WD13CD", "WD13NM")),
    (["PAR23CD", "PAR23NM", "PAR23NMW"], None, ("parish", "PAR23CD", "PAR23NM")),
    (["PARNCP23CD", "PARNCP23NM"], None, ("parish", "PARNCP23CD", "PARNCP23NM")),
    (["LAD23CD", "LAD23NM", "BNG_E"], None, ("district", "LAD23CD", "LAD23NM")),
    (["CTYUA23CD", "CTYUA23NM"], None, ("district", "CTYUA23CD", "CTYUA23NM")),
    (["area_code", "area_name"], None, (None, "area_code", "area_name")),
    (["area_code", "area_name"], "parish", ("parish", "area_code", "area_name")),
    (["code", "name"], "ward", ("ward", "code", "name")),
])
def test_boundary_properties_are_recognised(fields, kind, expected):
    assert detect_boundary_fields(fields, kind) == expected


def test_unknown_properties_are_named_in_the_message():
    with pytest.raises(InvalidInput) as caught:
        detect_boundary_fields(["colour", "size"])
    assert "found colour, size" in caught.value.detail


@pytest.mark.parametrize(("code", "kind"), [
    ("E05011397", "ward"), ("W05000879", "ward"), ("S13002532", "ward"), ("E04000203", "parish"),
    ("W04000863", "parish"), ("E08000035", "district"), ("S12000036", "district"), ("E10000023", None),
])
def test_kind_of_code(code, kind):
    assert kind_of_code(code) == kind
