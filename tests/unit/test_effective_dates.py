"""The pure parts of effective dates: which date a step happened on, what a step changed, extensions."""

from datetime import date
from types import SimpleNamespace

import pytest

from registry.errors import InvalidInput
from registry.workflow.declarations import Field, Transition
from registry.workflow.engine import _changed, agreed_before_expiry
from registry.workflow.late_entry import effective_date

TODAY = date(2026, 7, 14)
WITH_ANCHOR = Transition("request_to_bid", "Ask", ("a",), "b", "case.extend_deadline",
                         (Field("request_received_on", "Date the written request was received", "date",
                                required=False),), anchor="request_received_on")
NO_ANCHOR = Transition("end", "End", ("a",), "b", "case.extend_deadline")
FUTURE_ANCHOR = Transition("open_window", "Open", ("a",), "b", "case.extend_deadline",
                           (Field("window_closes_on", "Window closes", "date"),), anchor="window_closes_on",
                           anchor_may_be_future=True)


@pytest.mark.parametrize(("t", "data", "expected", "source", "filled_anchor"), [
    (NO_ANCHOR, {}, TODAY, "effective_date", None),                                   # default: today
    (NO_ANCHOR, {"effective_date": "2026-07-12"}, date(2026, 7, 12), "effective_date", None),
    (WITH_ANCHOR, {"request_received_on": "2026-07-12"}, date(2026, 7, 12), "request_received_on", None),
    (WITH_ANCHOR, {"effective_date": "2026-07-12"}, date(2026, 7, 12), "effective_date", "2026-07-12"),
    (WITH_ANCHOR, {"effective_date": "2026-07-12", "request_received_on": "2026-07-12"}, date(2026, 7, 12),
     "effective_date", None),
    (FUTURE_ANCHOR, {"window_closes_on": "2026-09-30"}, TODAY, "effective_date", None),  # the step is today
    (WITH_ANCHOR, {"request_received_on": "not a date"}, TODAY, "effective_date", None),  # parse_fields names it
])
def test_the_date_a_step_happened(t, data, expected, source, filled_anchor):
    effective, field, filled = effective_date(t, data, TODAY)
    assert (effective, field) == (expected, source)
    assert (filled or {}).get(t.anchor) == filled_anchor


def test_two_different_dates_for_the_same_step_are_refused():
    with pytest.raises(InvalidInput, match="must be the same as date the written request") as caught:
        effective_date(WITH_ANCHOR, {"effective_date": "2026-07-12", "request_received_on": "2026-07-11"}, TODAY)
    assert caught.value.field == "effective_date"


def test_a_bad_effective_date_names_the_field():
    with pytest.raises(InvalidInput) as caught:
        effective_date(NO_ANCHOR, {"effective_date": "12/7/2026"}, TODAY)
    assert caught.value.field == "effective_date"


@pytest.mark.parametrize(("before", "after", "undo"), [
    ({}, {}, {}),
    ({"a": 1}, {"a": 1}, {}),
    ({"a": 1}, {"a": 2}, {"a": 1}),
    ({}, {"b": "x"}, {"b": None}),          # added: undone by removing it
    ({"c": True}, {}, {"c": True}),         # removed: undone by putting it back
])
def test_what_a_step_changed(before, after, undo):
    assert _changed(before, after) == undo


@pytest.mark.parametrize(("regime", "declared", "expected"), [
    ("CESA2015", None, True),     # Scottish asset transfer: agreed while the period runs (s.82(7))
    ("LA2011", None, False),      # English ACV review period: no such words
    ("LA2011", True, True),       # a rule that says so itself
    ("CESA2015", False, False),
])
def test_which_extensions_must_be_agreed_before_expiry(regime, declared, expected):
    rule = SimpleNamespace(regime=regime) if declared is None else \
        SimpleNamespace(regime=regime, agreed_before_expiry=declared)
    assert agreed_before_expiry(rule) is expected

