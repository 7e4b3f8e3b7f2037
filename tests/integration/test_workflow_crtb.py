"""Scottish community right to buy (LR(S)A 2003 Part 2): cases linked to Registers of Scotland entries."""

from datetime import date

import pytest

from registry import db
from registry.accounts import ANONYMOUS
from registry.errors import Forbidden, TransitionRefused, Unauthorised
from registry.workflow import cases, engine
from registry.workflow import community_right_to_buy as crtb

from .workflow_world import LEEDS, build, case_count, counts

HIGHLAND = "S12000017"

APPLICATION = {"ros_register": "RCIL", "ros_reference": "CB00123", "application_date": "2026-01-05",
               "land_description": "The village hall and its field"}


@pytest.fixture()
def world(db_session):
    w = build(HIGHLAND)
    make_community_body(w.cig)  # a BenCom may register (s.34); the association may not
    db.session.flush()
    return w


def make_community_body(org):
    """A BenCom with the s.34 facts: its community defined, 12 members (9 local), no surplus to members."""
    org.legal_form = "community_benefit_society"
    org.community_definition = "The postcode units of Achiltibuie"
    org.member_count, org.local_member_count, org.non_distribution_of_surplus = 12, 9, True


def expected_ros(case):
    """The RoS status the case's state implies (the case no longer copies one into its data)."""
    assert "ros_status" not in case.data
    return crtb.expected_ros_status(case.state)


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
    engine.transition(case.id, "record_owner_notice", world.officer, {"owner_notice_date": "2026-12-21",
                                                                    "owner_notice_received_on": "2026-12-21"},
                      date(2026, 12, 21))
    engine.transition(case.id, "record_ministers_request", world.officer, {"request_sent_on": "2026-12-24"},
                      date(2026, 12, 24))
    return case


def test_registration_to_completed_purchase(world):
    case = engine.open_case("community_right_to_buy", "record_application", world.cig_rep, APPLICATION,
                            date(2026, 1, 5), authority_code=HIGHLAND, asset_id=world.asset.id,
                            organisation_id=world.cig.id)
    assert case.state == "pending" and case.reference.startswith("CRTB-2026-")
    assert (case.data["ros_register"], case.data["ros_reference"], expected_ros(case)) == (
        "RCIL", "CB00123", "pending")
    engine.transition(case.id, "record_registration", world.officer, {"registration_date": "2026-03-02"},
                      date(2026, 3, 3))
    assert case.state == "registered" and expected_ros(case) == "registered"
    assert deadline(case, "crtb_registration_expires").due_date == date(2031, 3, 1)  # 5 years beginning with 2 Mar
    engine.transition(case.id, "record_owner_notice", world.officer,
                      {"owner_notice_date": "2026-12-16", "owner_notice_received_on": "2026-12-21"},
                      date(2026, 12, 21))
    assert expected_ros(case) == "activated" and world.asset.live_status == "under_consideration"
    # "within 7 days of receiving the notice": received Mon 21 Dec (dated 16 Dec) -> Mon 28 Dec, not 23 Dec
    assert deadline(case, "crtb_ministers_request_due").due_date == date(2026, 12, 28)
    engine.transition(case.id, "record_ministers_request", world.officer, {"request_sent_on": "2026-12-24"},
                      date(2026, 12, 24))
    assert deadline(case, "crtb_ministers_request_due", "met").met_at == date(2026, 12, 24)
    # sent Thu 24 Dec 2026, "not later than 30 days after it was sent" (s.49(4)): Sat 23 Jan 2027 (holidays count)
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
    assert (case.data["decline_reason"], expected_ros(case)) == ("deemed_declined", "deleted")
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
    assert case.state == "owner_withdrew" and expected_ros(case) == "registered"
    assert world.asset.live_status is None
    assert not [d for d in cases.all_deadlines(case.id)
                if d.status == "open" and d.rule_code != "crtb_registration_expires"]
    engine.transition(case.id, "record_owner_notice", world.officer, {"owner_notice_date": "2028-02-01", "owner_notice_received_on": "2028-02-01"},
                      date(2028, 2, 1))
    assert case.state == "activated"


def test_registration_expires_after_5_years_then_re_registration(world):
    case = registered(world)
    with pytest.raises(TransitionRefused, match="2031-03-01"):
        engine.transition(case.id, "expire", engine.SYSTEM, {}, date(2031, 3, 1))
    with pytest.raises(TransitionRefused, match="Re-register"):  # an owner's notice after expiry activates nothing
        engine.transition(case.id, "record_owner_notice", world.officer, {"owner_notice_date": "2031-03-02", "owner_notice_received_on": "2031-03-02"},
                          date(2031, 3, 2))
    assert (case.reference, "expire") in engine.run_clocks(date(2031, 3, 2))
    db.session.refresh(case)
    assert case.state == "expired" and expected_ros(case) == "deleted"
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
    assert case.state == "withdrawn" and expected_ros(case) == "deleted"
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
    make_community_body(england.cig)
    with pytest.raises(TransitionRefused, match="Scotland"):
        engine.open_case("community_right_to_buy", "record_application", england.cig_rep, APPLICATION,
                         date(2026, 1, 5), authority_code=LEEDS, asset_id=england.asset.id,
                         organisation_id=england.cig.id)
    assert case_count() == before


ILLEGAL = [
    ("record_owner_notice", "officer", {"owner_notice_date": "2026-01-05", "owner_notice_received_on": "2026-01-05"}),  # not registered yet
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
        engine.transition(case.id, "record_owner_notice", actor, {"owner_notice_date": "2026-12-21",
                                                                    "owner_notice_received_on": "2026-12-21"},
                          date(2026, 12, 21))
    assert counts(case.id) == before and case.state == "registered"


def test_ministers_7_days_run_from_receipt_not_from_the_date_on_the_notice(world):
    case = registered(world)
    # The notice is dated Wed 30 Dec 2026 and reaches Ministers on Tue 5 Jan 2027 (after the new-year holidays):
    # within 7 days of receiving it = Tue 12 Jan 2027 (counted from the date on it, it would be 6 Jan).
    engine.transition(case.id, "record_owner_notice", world.officer,
                      {"owner_notice_date": "2026-12-30", "owner_notice_received_on": "2027-01-05"},
                      date(2027, 1, 6))
    row = deadline(case, "crtb_ministers_request_due")
    assert (row.anchor_date, row.due_date) == (date(2027, 1, 5), date(2027, 1, 12))
    assert case.data["owner_notice_date"] == "2026-12-30"


def test_notice_received_before_the_date_on_it_is_refused_and_nothing_written(world):
    case = registered(world)
    before = counts(case.id)
    with pytest.raises(TransitionRefused, match="before the date it bears"):
        engine.transition(case.id, "record_owner_notice", world.officer,
                          {"owner_notice_date": "2026-12-30", "owner_notice_received_on": "2026-12-29"},
                          date(2027, 1, 6))
    assert counts(case.id) == before and case.state == "registered"


def test_ros_status_differs_from_the_case_state_and_both_are_held_and_shown(world, client):
    from registry.workflow import ros_status

    case = registered(world)  # Ministers registered the interest: the case reads "registered"
    # RoS has not caught up: its RCIL entry still reads "pending" on 4 March.
    ros_status.record(case.id, world.officer, {"register": "RCIL", "status": "pending",
                                               "ros_reference": "CB00123", "status_date": "2026-03-04"},
                      date(2026, 3, 5))
    db.session.commit()
    held = ros_status.current(case.id)
    assert (case.state, held.status, held.ros_reference, held.status_date, held.recorded_by_user_id) == (
        "registered", "pending", "CB00123", date(2026, 3, 4), world.officer.id)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="case-state" data-state="registered"' in page
    assert 'id="ros-status" data-status="pending"' in page and "CB00123" in page
    assert "differs from the case" in page


@pytest.mark.parametrize(("values", "field"), [
    ({"register": "RoACBL", "status": "pending", "ros_reference": "X", "status_date": "2026-03-04"}, "register"),
    ({"register": "RCIL", "status": "approved", "ros_reference": "X", "status_date": "2026-03-04"}, "status"),
    ({"register": "RCIL", "status": "pending", "ros_reference": " ", "status_date": "2026-03-04"},
     "ros_reference"),
    ({"register": "RCIL", "status": "pending", "ros_reference": "X", "status_date": "2026-03-06"}, "status_date"),
    ({"register": "RCIL", "status": "pending", "ros_reference": "X", "status_date": "4/3/2026"}, "status_date"),
], ids=["register_not_for_part2", "status_not_rcil", "no_reference", "future_date", "not_a_date"])
def test_bad_ros_status_refused_naming_the_field_and_nothing_written(world, values, field):
    from registry.errors import InvalidInput
    from registry.workflow import ros_status

    case = registered(world)
    with pytest.raises(InvalidInput) as caught:
        ros_status.record(case.id, world.officer, values, date(2026, 3, 5))
    assert caught.value.field == field and ros_status.history(case.id) == []


def test_only_the_councils_officers_record_a_ros_status(world):
    from registry.workflow import ros_status

    case = registered(world)
    values = {"register": "RCIL", "status": "pending", "ros_reference": "X", "status_date": "2026-03-04"}
    for who in ("cig_rep", "other_officer", "citizen"):
        with pytest.raises(Forbidden):
            ros_status.record(case.id, getattr(world, who), values, date(2026, 3, 5))
    assert ros_status.history(case.id) == []
