"""The one reader of a GOV.UK date input posted as three boxes (registry/web/forms.py: date_from_boxes)."""

import pytest
from werkzeug.datastructures import MultiDict

from registry.web.forms import date_from_boxes


@pytest.mark.parametrize("boxes, expected", [
    ({"d-day": "1", "d-month": "6", "d-year": "2026"}, "2026-06-01"),
    ({"d-day": " 09 ", "d-month": "03", "d-year": "2027"}, "2027-03-09"),
    ({"d-day": "31", "d-month": "2", "d-year": "2026"}, "2026-02-31"),  # not real: the engine's parser says so
    ({"d-day": "", "d-month": "", "d-year": ""}, None),
    ({}, None),
    ({"other-day": "1", "other-month": "1", "other-year": "2026"}, None),  # another field's boxes
], ids=["plain", "spaces_and_zeros", "unreal_date_passed_on", "all_empty", "absent", "another_field"])
def test_boxes_become_an_iso_date(boxes, expected):
    assert date_from_boxes(MultiDict(boxes), "d") == expected


@pytest.mark.parametrize("boxes", [
    {"d-day": "1", "d-month": "June", "d-year": "2026"},
    {"d-day": "1", "d-month": "6", "d-year": "26"},
    {"d-day": "1", "d-month": "", "d-year": "2026"},
    {"d-day": "-1", "d-month": "6", "d-year": "2026"},
], ids=["month_in_words", "two_digit_year", "a_box_empty", "negative_day"])
def test_boxes_that_are_not_a_date(boxes):
    with pytest.raises(ValueError):
        date_from_boxes(MultiDict(boxes), "d")
