"""Everyday council names from ONS names: the rules and the exceptions, as a table."""

import pytest

from registry.place_names import council_aliases, council_display_name, normalise, place_kind

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
