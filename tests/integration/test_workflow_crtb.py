"""Scottish community right to buy (LR(S)A 2003 Part 2): cases linked to Registers of Scotland entries."""

from datetime import date

import pytest

from registry import db
from registry.accounts import ANONYMOUS
from registry.errors import Forbidden, TransitionRefused, Unauthorised
from registry.workflow import cases, engine

from .workflow_world import LEEDS, build, case_count, counts

HIGHLAND = "S12000017"

APPLICATION = {"ros_register": "RCIL", "ros_reference": "CB00123", "application_date": "2026-01-05",
               "land_description": "The village hall and its field"}


@pytest.fixture()
def world(db_session):
    w = build(HIGHLAND)
    w.cig.legal_form = "community_benefit_society"  # a BenCom may register (s.34); the association may not
    db.session.flush()
    return w


def deadline(case, rule, status="open"):
    return next(d for d in cases.all_deadlines(case.id) if d.rule_code == rule and d.status == status)


def registered(world, on=date(2026, 3, 2)):
    case = engine.open_case("community_right_to_buy", "record_application", world.cig_rep, APPLICATION,
                            date(2026, 1, 5), authority_code=HIGHLAND, asset_id=world.asset.id,
                            organisation_id=world.cig.id)
    engine.transition(case.id, "record_registration", world.officer, {"registration_date": on.isoformat()}, on)
    return case


def asked_to_confirm(world):
    case = registered(world)
    engine.transition(case.id, "record_owner_notice", world.officer, {"owner_notice_date": "2026-12-21"},
                      date(2026, 12, 21))
    engine.transition(case.id, "record_ministers_request", world.officer, {"request_received_on": "2026-12-24"},
                      date(2026, 12, 24))
    return case


def test_registration_to_completed_purchase(world):
    case = engine.open_case("community_right_to_buy", "record_application", world.cig_rep, APPLICATION,
                            date(2026, 1, 5), authority_code=HIGHLAND, asset_id=world.asset.id,
                            organisation_id=world.cig.id)
    assert case.state == "pending" and case.reference.startswith("CRTB-2026-")
    assert (case.data["ros_register"], case.data["ros_reference"], case.data["ros_status"]) == (
        "RCIL", "CB00123", "pending")
    engine.transition(case.id, "record_registration", world.officer, {"registration_date": "2026-03-02"},
                      date(2026, 3, 3))
    assert case.state == "registered" and case.data["ros_status"] == "registered"
    assert deadline(case, "crtb_registration_expires").due_date == date(2031, 3, 1)  # 5 years beginning with 2 Mar
    engine.transition(case.id, "record_owner_notice", world.officer, {"owner_notice_date": "2026-12-21"},
                      date(2026, 12, 21))
    assert case.data["ros_status"] == "activated" and world.asset.live_status == "under_consideration"
    assert deadline(case, "crtb_ministers_request_due").due_date == date(2026, 12, 28)  # within 7 days of 21 Dec
    engine.transition(case.id, "record_ministers_request", world.officer, {"request_received_on": "2026-12-24"},
                      date(2026, 12, 24))
    assert deadline(case, "crtb_ministers_request_due", "met").met_at == date(2026, 12, 24)
    # within 30 days of Thu 24 Dec 2026: Sat 23 Jan 2027 (calendar days: holidays count)
    assert deadline(case, "crtb_confirmation_due").due_date == date(2027, 1, 23)
    with pytest.raises(Forbidden):  # only the community body itself confirms
        engine.transition(case.id, "confirm", world.officer, {"confirmed_on": "2027-01-22"}, date(2027, 1, 22))
    engine.transition(case.id, "confirm", world.cig_rep, {"confirmed_on": "2027-01-22"}, date(2027, 1, 22))
    assert case.state == "ballot"
    before = counts(case.id)
    with pytest.raises(TransitionRefused, match="majority"):
        engine.transition(case.id, "record_ballot", world.officer,
                          {"ballot_date": "2027-03-01", "votes_for": "50", "votes_against": "50",
                           "eligible_voters": "150"}, date(2027, 3, 2))
    assert counts(case.id) == before
    engine.transition(case.id, "record_ballot", world.officer,
                      {"ballot_date": "2027-03-01", "votes_for": "70", "votes_against": "30",
                       "eligible_voters": "150"}, date(2027, 3, 2))
    engine.transition(case.id, "record_consent", world.officer, {"consent_date": "2027-04-01"}, date(2027, 4, 1))
    assert case.state == "valuation"
    with pytest.raises(TransitionRefused, match="valuer"):
        engine.transition(case.id, "record_completion", world.officer, {"completion_date": "2027-06-01"},
                          date(2027, 6, 1))
    engine.transition(case.id, "record_valuation", world.officer,
                      {"valuation_date": "2027-05-01", "valuation_price_gbp": "85000"}, date(2027, 5, 1))
    engine.transition(case.id, "record_completion", world.officer,
                      {"completion_date": "2027-06-01", "title_number": "INV4567"}, date(2027, 6, 1))
    assert case.state == "completed" and world.asset.live_status == "transferred"
    assert all(d.status != "open" for d in cases.all_deadlines(case.id))
    assert [e.action for e in cases.events_of(case.id)] == [
        "record_application", "record_registration", "record_owner_notice", "record_ministers_request",
        "confirm", "record_ballot", "record_consent", "record_valuation", "record_completion"]


def test_no_confirmation_in_30_days_is_deemed_declined(world):
    case = asked_to_confirm(world)
    assert engine.run_clocks(date(2027, 1, 23)) == []
    with pytest.raises(TransitionRefused, match="deemed to have declined"):
        engine.transition(case.id, "confirm", world.cig_rep, {"confirmed_on": "2027-01-24"}, date(2027, 1, 24))
    assert (case.reference, "deem_declined") in engine.run_clocks(date(2027, 1, 24))
    db.session.refresh(case)
    assert case.state == "declined"
    assert (case.data["decline_reason"], case.data["ros_status"]) == ("deemed_declined", "deleted")
    assert world.asset.live_status is None


def test_body_declines(world):
    case = asked_to_confirm(world)
    engine.transition(case.id, "decline_to_buy", world.cig_rep, {}, date(2027, 1, 5))
    assert case.state == "declined" and case.data["decline_reason"] == "body_declined"


@pytest.mark.parametrize(("step", "data", "reason"), [
    ("record_ballot_failed", {"ballot_date": "2027-03-01", "reasons": "Turnout 30%."}, "ballot_failed"),
    ("record_consent_refused", {"reasons": "Not in the public interest (s.51)."}, "consent_refused"),
], ids=["ballot_failed", "consent_refused"])
def test_declined_after_the_ballot_or_by_ministers(world, step, data, reason):
    case = asked_to_confirm(world)
    engine.transition(case.id, "confirm", world.cig_rep, {"confirmed_on": "2027-01-05"}, date(2027, 1, 5))
    if step == "record_consent_refused":
        engine.transition(case.id, "record_ballot", world.officer,
                          {"ballot_date": "2027-03-01", "votes_for": "40", "votes_against": "10",
                           "eligible_voters": "150", "turnout_judged_sufficient": "yes"}, date(2027, 3, 2))
    engine.transition(case.id, step, world.officer, data, date(2027, 4, 1))
    assert case.state == "declined" and case.data["decline_reason"] == reason


def test_owner_withdraws_then_gives_a_new_notice(world):
    case = asked_to_confirm(world)
    engine.transition(case.id, "record_owner_withdrawal", world.officer, {"reasons": "Owner withdrew (s.54(5))"},
                      date(2027, 1, 5))
    assert case.state == "owner_withdrew" and case.data["ros_status"] == "registered"
    assert world.asset.live_status is None
    assert not [d for d in cases.all_deadlines(case.id)
                if d.status == "open" and d.rule_code != "crtb_registration_expires"]
    engine.transition(case.id, "record_owner_notice", world.officer, {"owner_notice_date": "2028-02-01"},
                      date(2028, 2, 1))
    assert case.state == "activated"


def test_registration_expires_after_5_years_then_re_registration(world):
    case = registered(world)
    with pytest.raises(TransitionRefused, match="2031-03-01"):
        engine.transition(case.id, "expire", engine.SYSTEM, {}, date(2031, 3, 1))
    with pytest.raises(TransitionRefused, match="Re-register"):  # an owner's notice after expiry activates nothing
        engine.transition(case.id, "record_owner_notice", world.officer, {"owner_notice_date": "2031-03-02"},
                          date(2031, 3, 2))
    assert (case.reference, "expire") in engine.run_clocks(date(2031, 3, 2))
    db.session.refresh(case)
    assert case.state == "expired" and case.data["ros_status"] == "deleted"
    engine.transition(case.id, "apply_to_reregister", world.cig_rep,
                      {"ros_reference": "CB00999", "application_date": "2031-04-01"}, date(2031, 4, 1))
    assert case.state == "pending" and case.data["ros_reference"] == "CB00999"
    engine.transition(case.id, "record_registration", world.officer, {"registration_date": "2031-06-01"},
                      date(2031, 6, 1))
    assert deadline(case, "crtb_registration_expires").due_date == date(2036, 5, 31)


def test_re_registration_before_expiry_starts_a_new_5_years(world):
    case = registered(world)
    with pytest.raises(TransitionRefused, match="later than the current registration"):
        engine.transition(case.id, "re_register", world.officer, {"registration_date": "2026-03-02"},
                          date(2026, 3, 2))
    engine.transition(case.id, "re_register", world.officer, {"registration_date": "2031-02-03"},
                      date(2031, 2, 3))
    assert case.state == "registered"
    assert deadline(case, "crtb_registration_expires").due_date == date(2036, 2, 2)
    assert deadline(case, "crtb_registration_expires", "not_applicable").due_date == date(2031, 3, 1)
    assert engine.run_clocks(date(2031, 3, 2)) == []


def test_withdrawn_and_rejected(world):
    case = registered(world)
    engine.transition(case.id, "withdraw", world.cig_rep, {"reasons": "Project abandoned"}, date(2026, 5, 1))
    assert case.state == "withdrawn" and case.data["ros_status"] == "deleted"
    other = engine.open_case("community_right_to_buy", "record_application", world.cig_rep, APPLICATION,
                             date(2026, 1, 5), authority_code=HIGHLAND, asset_id=world.asset.id,
                             organisation_id=world.cig.id)
    engine.transition(other.id, "record_rejection", world.officer, {"reasons": "Not enough support."},
                      date(2026, 3, 1))
    assert other.state == "rejected"


# ---------------------------------------------------------------- refusals: nothing written


def test_ineligible_body_and_english_land_refused(world, db_session):
    before = case_count()
    with pytest.raises(TransitionRefused, match="s.34"):
        engine.open_case("community_right_to_buy", "record_application", world.rep, APPLICATION, date(2026, 1, 5),
                         authority_code=HIGHLAND, asset_id=world.asset.id, organisation_id=world.group.id)
    england = build(LEEDS)
    england.cig.legal_form = "community_benefit_society"
    with pytest.raises(TransitionRefused, match="Scotland"):
        engine.open_case("community_right_to_buy", "record_application", england.cig_rep, APPLICATION,
                         date(2026, 1, 5), authority_code=LEEDS, asset_id=england.asset.id,
                         organisation_id=england.cig.id)
    assert case_count() == before


ILLEGAL = [
    ("record_owner_notice", "officer", {"owner_notice_date": "2026-01-05"}),  # not registered yet
    ("confirm", "cig_rep", {"confirmed_on": "2026-01-05"}),
    ("record_completion", "officer", {"completion_date": "2026-01-05"}),
    ("expire", "officer", {}),
]


@pytest.mark.parametrize(("action", "who", "data"), ILLEGAL, ids=[a for a, _, _ in ILLEGAL])
def test_illegal_transition_refused_and_nothing_written(world, action, who, data):
    case = engine.open_case("community_right_to_buy", "record_application", world.cig_rep, APPLICATION,
                            date(2026, 1, 5), authority_code=HIGHLAND, asset_id=world.asset.id,
                            organisation_id=world.cig.id)
    before, version = counts(case.id), case.version
    with pytest.raises(TransitionRefused) as caught:
        engine.transition(case.id, action, getattr(world, who), data, date(2026, 1, 5))
    assert caught.value.extra["allowed"] == ["record_registration", "record_rejection", "withdraw"]
    assert counts(case.id) == before and case.state == "pending" and case.version == version


@pytest.mark.parametrize(("who", "error"), [("other_officer", Forbidden), ("citizen", Forbidden),
                                            ("rep", Forbidden), (None, Unauthorised)],
                         ids=["other_council", "citizen", "rep_of_another_group", "public"])
def test_unauthorised_actor_refused_and_nothing_written(world, who, error):
    case = registered(world)
    before = counts(case.id)
    actor = ANONYMOUS if who is None else getattr(world, who)
    with pytest.raises(error):
        engine.transition(case.id, "record_owner_notice", actor, {"owner_notice_date": "2026-12-21"},
                          date(2026, 12, 21))
    assert counts(case.id) == before and case.state == "registered"
