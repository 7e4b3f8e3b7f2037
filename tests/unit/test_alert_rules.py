"""Alerts' pure rules as tables: which case event is which kind, when a digest is due, what a run sends."""

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from registry.alerts import (Alert, alerts_to_send, area_words, became, check_choices, digest_due, event_summary,
                             kind_of, unknown_area_words)
from registry.formats.alerts import deadline_words
from registry.errors import InvalidInput


@pytest.mark.parametrize(("process", "action", "to_state", "kind"), [
    ("acv", "submit", "submitted", "nomination"),
    ("acv", "record_nomination", "submitted", "nomination"),
    ("acv", "list", "listed", "listing"),
    ("acv", "decline", "not_listed", "decision"),
    ("acv", "save_draft", "draft", None),  # a draft is the group's own business
    ("acv", "begin_validation", "validation", None),
    ("moratorium", "receive_notice", "interim_moratorium", "disposal_notice"),
    ("moratorium", "request_to_bid", "full_moratorium", None),
    ("moratorium", "record_disposal", "disposed_to_community", "transfer"),
    ("moratorium", "record_disposal", "disposed", None),  # sold to anyone else: not a community transfer
    ("cat", "complete", "completed", "transfer"),
    ("cat", "approve_in_principle", "approved_in_principle", "decision"),
    ("scottish_atr", "complete", "completed", "transfer"),
    ("scottish_atr", "refuse", "refused", "decision"),
    ("scottish_atr", "deem_refused", "deemed_refused", "decision"),
    ("right_to_challenge", "reject", "rejected", "decision"),
    ("right_to_challenge", "submit_eoi", "eoi_submitted", None),
    # LR(S)A 2003: the owner's s.48 notice activates the right; Ministers' s.49 request starts the body's days.
    ("community_right_to_buy", "record_owner_notice", "activated", "disposal_notice"),
    ("community_right_to_buy", "record_ministers_request", "confirmation_requested", "disposal_notice"),
    ("community_right_to_buy", "record_registration", "registered", None),
    ("community_right_to_buy", "record_completion", "completed", "transfer"),
])
def test_kind_of_a_case_event(process, action, to_state, kind):
    assert kind_of(process, action, to_state) == kind


CONFIRMED = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(("frequency", "last", "now", "due"), [
    ("daily", None, CONFIRMED + timedelta(hours=23, minutes=59), False),
    ("daily", None, CONFIRMED + timedelta(days=1), True),
    ("daily", CONFIRMED + timedelta(days=3), CONFIRMED + timedelta(days=3, hours=12), False),
    ("daily", CONFIRMED + timedelta(days=3), CONFIRMED + timedelta(days=4), True),
    ("weekly", None, CONFIRMED + timedelta(days=6, hours=23), False),
    ("weekly", None, CONFIRMED + timedelta(days=7), True),
    ("weekly", CONFIRMED + timedelta(days=7), CONFIRMED + timedelta(days=13), False),
    ("weekly", CONFIRMED + timedelta(days=7), CONFIRMED + timedelta(days=14), True),
])
def test_digest_due(frequency, last, now, due):
    assert digest_due(frequency, last, CONFIRMED, now) is due


def _alert(kind):
    return Alert(key=f"event:{kind}", kind=kind, on_date=date(2026, 6, 1), title=kind, summary="", path="/")


@pytest.mark.parametrize(("kinds", "digest_is_due", "sent"), [
    (["disposal_notice", "listing"], False, ["disposal_notice"]),  # a notice never waits for the digest
    (["disposal_notice", "listing"], True, ["disposal_notice", "listing"]),
    (["listing", "decision"], False, []),
    (["surplus"], True, ["surplus"]),
])
def test_what_a_run_sends(kinds, digest_is_due, sent):
    assert [a.kind for a in alerts_to_send([_alert(k) for k in kinds], digest_is_due=digest_is_due)] == sent


@pytest.mark.parametrize(("events", "frequency", "field"), [
    ([], "daily", "events"), (["weather"], "daily", "events"), (["listing"], "hourly", "frequency"),
])
def test_choices_refused_with_the_field_named(events, frequency, field):
    with pytest.raises(InvalidInput) as error:
        check_choices(events, frequency)
    assert error.value.field == field


def _change(from_status, to_status, from_occupancy, to_occupancy):
    return {"from_surplus_status": from_status, "to_surplus_status": to_status,
            "from_occupancy": from_occupancy, "to_occupancy": to_occupancy}


@pytest.mark.parametrize(("change", "statuses"), [
    pytest.param(_change("operational", "surplus", "in_use", "in_use"), ["surplus"], id="becomes_surplus"),
    pytest.param(_change("surplus", "available_for_transfer", "in_use", "in_use"), ["available_for_transfer"],
                 id="surplus_to_available_is_a_new_status"),
    pytest.param(_change("surplus", "operational", "in_use", "in_use"), [], id="back_in_use"),
    pytest.param(_change("surplus", "surplus", "in_use", "partly_used"), [], id="still_surplus"),
    pytest.param(_change("operational", "operational", "in_use", "vacant"), ["vacant"], id="becomes_vacant"),
    pytest.param(_change("operational", "surplus", "in_use", "vacant"), ["surplus", "vacant"], id="both_at_once"),
    pytest.param(_change(None, "surplus", None, "in_use"), ["surplus"], id="new_asset_surplus"),
    pytest.param(_change(None, "operational", None, "in_use"), [], id="new_asset_in_use"),
    pytest.param(_change("operational", "transferred", "vacant", "vacant"), [], id="still_vacant_and_transferred"),
])
def test_what_a_status_change_announces(change, statuses):
    assert became(change) == statuses


# ------------------------------------------------------------------ words (newuser findings 5 and 10)

@pytest.mark.parametrize(("kind", "label", "words"), [
    ("distance", "Within 1,500 m of LS6 2AA", "within 1,500 m of LS6 2AA"),
    ("shape", "The shape you drew", "the shape you drew"),
    ("ward", "Headingley & Hyde Park", "Headingley & Hyde Park"),  # a name keeps its capitals
    ("council", "Leeds City Council", "Leeds City Council"),
])
def test_the_area_mid_sentence(kind, label, words):
    assert area_words(SimpleNamespace(area_kind=kind, area_label=label)) == words


@pytest.mark.parametrize(("label", "summary"), [
    ("Last day for the owner to ask for a listing review", "Last day for the owner to ask for a listing review"),
    ("Listing ends (last day on the list)", "Listing ends (last day on the list)"),
    ("Interim moratorium ends", "Last day: Interim moratorium ends"),
])
def test_a_calendar_event_says_last_day_once(label, summary):
    assert deadline_words(label) == summary


def test_an_event_summary_gives_the_date_in_words():
    assert event_summary("Asset of community value", "Send the nomination to the council", date(2026, 12, 2),
                         "Nomination received") == (
        "Asset of community value: Send the nomination to the council, on 2 December 2026. "
        "The case is now at this stage: Nomination received.")


@pytest.mark.parametrize(("kind", "typed", "example", "words"), [
    ("ward", "E05011290", ("E05011397", "Headingley & Hyde Park"),
     "We do not know a ward called E05011290. Check the spelling of the name, or enter the ward's code "
     "(E05 or W05 and then 6 digits): for example Headingley & Hyde Park or E05011397."),
    ("parish", "Nowhere", ("E04000001", "Somewhere"),
     "We do not know a parish called Nowhere. Check the spelling of the name, or enter the parish's code "
     "(E04 or W04 and then 6 digits): for example Somewhere or E04000001."),
    ("parish", "Nowhere", None,
     "We do not know a parish called Nowhere, and we do not hold the parish boundaries yet. "
     "Choose another kind of area, like a distance from a postcode."),
])
def test_an_unknown_area_in_the_users_words_with_an_example_of_its_kind(kind, typed, example, words):
    assert unknown_area_words(kind, typed, example) == words
