"""Alerts' pure rules as tables: which case event is which kind, when a digest is due, what a run sends."""

from datetime import UTC, date, datetime, timedelta

import pytest

from registry.alerts import Alert, alerts_to_send, became, check_choices, digest_due, kind_of
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
