"""The pure rules of statements of support, as tables: the distance a group may choose, the area's words, emails."""

import pytest

from registry import support_statements as support
from registry.errors import InvalidInput


@pytest.mark.parametrize(("raw", "metres"), [("100", 100), ("800", 800), (" 1,500 ", 1500), ("50000", 50000),
                                             (2000, 2000)])
def test_distances_accepted(raw, metres):
    assert support.parse_distance_m(raw) == metres


@pytest.mark.parametrize("raw", ["", None, "99", "50001", "0", "-5", "1.5", "800m", "eight hundred"])
def test_distances_refused_naming_the_field(raw):
    with pytest.raises(InvalidInput) as refused:
        support.parse_distance_m(raw)
    assert refused.value.field == "distance_m"


@pytest.mark.parametrize(("kind", "name", "distance", "words"), [
    ("ward", "Headingley & Hyde Park", None, "Headingley & Hyde Park ward"),
    ("parish", "Otley", None, "Otley parish"),
    ("distance", "the site", 800, "within 800 metres of the site"),
    ("distance", "the site", 12000, "within 12,000 metres of the site"),
])
def test_area_words(kind, name, distance, words):
    assert support.area_words(kind, name, distance) == words


@pytest.mark.parametrize(("typed", "stored"), [
    ("Ann@Example.org", "ann@example.org"),
    ("  ANN@example.ORG ", "ann@example.org"),
    ("ann+local@example.org", "ann+local@example.org"),  # a sub-address is another mailbox: kept
])
def test_one_form_per_mailbox(typed, stored):
    assert support.normalise_email(typed) == stored


@pytest.mark.parametrize("typed", ["", "ann", "@example.org", "ann@"])
def test_emails_refused(typed):
    with pytest.raises(InvalidInput):
        support.normalise_email(typed)
