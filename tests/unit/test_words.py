"""Issue 13: dates, councils' rules and codes said in words (registry/web/templating.py), and boundary errors."""

from datetime import UTC, date, datetime

import pytest

from registry import footprints
from registry.web.templating import date_words, regime_words


@pytest.mark.parametrize("value, words", [
    (date(2027, 1, 25), "25 January 2027"),
    ("2026-12-02", "2 December 2026"),
    (date(2028, 2, 29), "29 February 2028"),
    # 23:30 UTC on 30 June is 00:30 on 1 July in British Summer Time.
    (datetime(2026, 6, 30, 23, 30, tzinfo=UTC), "1 July 2026"),
    # In winter UK time is UTC: still 31 December.
    (datetime(2026, 12, 31, 23, 30, tzinfo=UTC), "31 December 2026"),
    ("2026-03-29T00:30:00+00:00", "29 March 2026"),
    (None, ""),
    ("not a date", "not a date"),
])
def test_dates_in_words(value, words):
    assert date_words(value) == words


@pytest.mark.parametrize("code, words", [
    ("LA2011", "Localism Act 2011 rules"),
    ("CESA2015", "Community Empowerment (Scotland) Act 2015 rules"),
    ("LRSA2003", "Land Reform (Scotland) Act 2003, Parts 2 and 3A rules"),
    ("EDCEA2026", "English Devolution and Community Empowerment Act 2026 rules"),
])
def test_rules_in_words_not_codes(code, words):
    assert regime_words(code) == words


@pytest.mark.parametrize("reason, crs, words", [
    ("Self-intersection[-1.545 53.805]", footprints.WGS84,
     "The boundary crosses itself near latitude 53.80500, longitude -1.54500: draw it again so its edges do not cross."),
    ("Self-intersection[430050 433050]", footprints.BNG,
     "The boundary crosses itself near easting 430050, northing 433050: draw it again so its edges do not cross."),
    ("Ring Self-intersection[1 2]", footprints.WGS84,
     "The boundary crosses itself near latitude 2.00000, longitude 1.00000: draw it again so its edges do not cross."),
])
def test_boundary_errors_in_plain_words(reason, crs, words):
    assert footprints.invalid_shape_words(reason, crs=crs) == words
