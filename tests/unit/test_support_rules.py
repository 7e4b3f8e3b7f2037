"""The pure rules of statements of support, as tables: the distance a group may choose, the area's words, emails."""

from datetime import UTC, datetime

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


# [U] retention of unconfirmed signatures: N days back from now, worked by hand on the calendar.
@pytest.mark.parametrize(("now", "days", "cutoff"), [
    pytest.param(datetime(2026, 3, 31, 12, 0, tzinfo=UTC), 30, datetime(2026, 3, 1, 12, 0, tzinfo=UTC),
                 id="default_30_days_across_february_end"),
    pytest.param(datetime(2026, 3, 1, 0, 0, tzinfo=UTC), 30, datetime(2026, 1, 30, 0, 0, tzinfo=UTC),
                 id="30_days_back_over_28_day_february"),
    pytest.param(datetime(2028, 3, 1, 9, 30, tzinfo=UTC), 14, datetime(2028, 2, 16, 9, 30, tzinfo=UTC),
                 id="14_days_leap_february"),
    pytest.param(datetime(2026, 12, 31, 23, 59, tzinfo=UTC), 365, datetime(2025, 12, 31, 23, 59, tzinfo=UTC),
                 id="a_year"),
])
def test_unconfirmed_cutoff(now, days, cutoff):
    assert support.unconfirmed_cutoff(now, days) == cutoff


@pytest.mark.parametrize("days", [0, 1, 13])
def test_retention_shorter_than_the_confirmation_link_is_refused(days):
    # The link works 14 days: a shorter retention would delete a row whose link still works.
    with pytest.raises(ValueError, match="at least the confirmation link's life"):
        support.unconfirmed_cutoff(datetime(2026, 3, 31, tzinfo=UTC), days)
