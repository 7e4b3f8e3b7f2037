"""ACV nomination to listing, review, appeal and removal, through engine.transition (what the screens call)."""

from datetime import date, timedelta

import pytest

from registry import db
from registry.errors import Forbidden, InvalidInput, TransitionRefused, Unauthorised
from registry.workflow import cases, engine

from .workflow_world import build, case_count, counts, list_asset, nominate

TODAY = date(2026, 6, 1)


@pytest.fixture()
def world(db_session):
    return build()


def deadline(case, rule):
    return next(d for d in cases.all_deadlines(case.id) if d.rule_code == rule)


def test_nomination_to_listing(world):
    case = engine.open_case("acv", "start_draft", world.rep, {"land_description": "The green"}, TODAY,
                            authority_code=world.asset.area_code, asset_id=world.asset.id,
                            organisation_id=world.group.id)
    assert case.state == "draft" and case.reference.startswith("ACV-2026-")
    assert world.asset.live_status is None  # a draft is private
    # the group comes back to the draft and completes it
    engine.transition(case.id, "save_draft", world.rep,
                      {"community_value_reasons": "Football", "owners_known": "Not known"}, TODAY)
    assert case.data["land_description"] == "The green" and case.private_data["owners_known"] == "Not known"
    engine.transition(case.id, "submit", world.rep, {}, TODAY)
    assert case.state == "submitted" and world.asset.live_status == "nominated"
    assert deadline(case, "acv_decision_due").due_date == date(2026, 7, 27)  # within 8 weeks of 1 June: + 56 days
    engine.transition(case.id, "begin_validation", world.officer, {}, TODAY)
    assert case.data["checks"]["passed"] is True
    engine.transition(case.id, "accept_nomination", world.officer, {"owner_notified_on": "2026-06-02"}, TODAY)
    listed_on = TODAY + timedelta(days=30)
    engine.transition(case.id, "list", world.decision_maker, {"reasons": "Used by the community."}, listed_on)
    assert case.state == "listed" and world.asset.live_status == "listed"
    assert case.decided_by_user_id == world.decision_maker.id
    assert case.data["decision"] == "successful" and case.data["entry_date"] == "2026-07-01"
    assert deadline(case, "acv_decision_due").status == "met"
    assert deadline(case, "acv_listing_expires").due_date == date(2031, 6, 30)
    assert deadline(case, "acv_review_request_due").due_date == date(2026, 8, 26)  # within 8 weeks of 1 July
    events = cases.events_of(case.id)
    assert [e.action for e in events] == ["start_draft", "save_draft", "submit", "begin_validation",
                                          "accept_nomination", "list"]
    assert events[-1].from_state == "owner_notified" and events[-1].to_state == "listed"
    assert events[-1].actor_user_id == world.decision_maker.id


def test_decline_goes_to_unsuccessful(world):
    case = nominate(world, TODAY)
    engine.transition(case.id, "begin_validation", world.officer, {}, TODAY)
    engine.transition(case.id, "accept_nomination", world.officer, {"owner_notified_on": "2026-06-01"}, TODAY)
    engine.transition(case.id, "decline", world.decision_maker,
                      {"decline_reason": "not_community_value", "reasons": "Ancillary use only."}, TODAY)
    assert case.state == "not_listed" and case.data["decision"] == "unsuccessful"
    assert world.asset.live_status is None
    assert all(d.status != "open" for d in cases.all_deadlines(case.id))


def test_late_decision_is_flagged(world):
    case = nominate(world, TODAY)
    engine.transition(case.id, "begin_validation", world.officer, {}, TODAY)
    engine.transition(case.id, "accept_nomination", world.officer, {"owner_notified_on": "2026-06-01"}, TODAY)
    engine.transition(case.id, "list", world.decision_maker, {"reasons": "r"}, date(2026, 7, 28))
    assert case.data["decision_late"] is True  # due 27 July (1 June + 56 days)


def test_ineligible_body_cannot_be_accepted_but_can_be_rejected(world):
    world.group.local_member_count = 12  # reg 5(1)(c) needs 21 local members
    case = nominate(world, TODAY)
    engine.transition(case.id, "begin_validation", world.officer, {}, TODAY)
    assert case.data["checks"]["passed"] is False
    before = counts(case.id)
    with pytest.raises(TransitionRefused) as caught:
        engine.transition(case.id, "accept_nomination", world.officer, {"owner_notified_on": "2026-06-01"}, TODAY)
    assert "21 members" in caught.value.detail
    assert counts(case.id) == before and case.state == "validation"
    engine.transition(case.id, "reject_nomination", world.officer,
                      {"invalid_reason": "not_eligible", "reasons": "Only 12 local members."}, TODAY)
    assert case.state == "invalid_nomination"


def test_site_outside_the_councils_area_fails_validation(world):
    # a polygon in central London, nominated to Leeds
    london = ('{"type":"Polygon","coordinates":[[[-0.128,51.507],[-0.127,51.507],[-0.127,51.508],'
              '[-0.128,51.508],[-0.128,51.507]]]}')
    case = nominate(world, TODAY, site_geojson=london)
    engine.transition(case.id, "begin_validation", world.officer, {}, TODAY)
    assert case.data["checks"]["in_area"], case.data["checks"]
    with pytest.raises(TransitionRefused):
        engine.transition(case.id, "accept_nomination", world.officer, {"owner_notified_on": "2026-06-01"}, TODAY)


def test_incomplete_draft_cannot_be_submitted(world):
    case = engine.open_case("acv", "start_draft", world.rep, {"land_description": "x"}, TODAY,
                            authority_code=world.asset.area_code, asset_id=world.asset.id,
                            organisation_id=world.group.id)
    with pytest.raises(TransitionRefused) as caught:
        engine.transition(case.id, "submit", world.rep, {}, TODAY)
    assert "reg 6" in caught.value.detail and case.state == "draft"


def test_review_upheld_then_appeal_dismissed_then_expiry(world):
    case = list_asset(world, TODAY)
    engine.transition(case.id, "request_review", world.officer,
                      {"request_received_on": "2026-07-20", "grounds": "Private grounds"}, date(2026, 7, 21))
    assert case.state == "under_review" and world.asset.live_status == "listed"  # stays listed (domain §2.5)
    assert deadline(case, "acv_review_decision_due").due_date == date(2026, 9, 14)  # 20 Jul + 56 days
    # the decision-maker who listed it may not review it, even holding the reviewer role
    world.decision_maker.stored_roles = ["council_decision_maker", "reviewer"]
    with pytest.raises(Forbidden, match="another officer must review"):
        engine.transition(case.id, "uphold_listing", world.decision_maker, {"reasons": "x"}, date(2026, 8, 1))
    engine.transition(case.id, "uphold_listing", world.reviewer, {"reasons": "Still of value."}, date(2026, 8, 1))
    assert case.state == "listed"
    # within 28 days of Sat 1 Aug: Sat 29 Aug; Mon 31 Aug is a bank holiday (r.12): Tue 1 Sep
    assert deadline(case, "acv_tribunal_appeal_due").due_date == date(2026, 9, 1)
    engine.transition(case.id, "record_appeal", world.officer,
                      {"tribunal_reference": "CR/2026/0001", "appeal_lodged_on": "2026-08-20"}, date(2026, 8, 21))
    assert case.state == "under_appeal"
    engine.transition(case.id, "appeal_dismissed", world.officer, {"reasons": "FTT dismissed."}, date(2026, 12, 1))
    assert case.state == "listed"
    with pytest.raises(TransitionRefused):
        engine.transition(case.id, "expire", engine.SYSTEM, {}, date(2031, 5, 31))  # last day listed
    done = engine.run_clocks(date(2031, 6, 1))
    assert (case.reference, "expire") in done
    db.session.refresh(case)
    assert case.state == "removed" and case.data["removal_reason"] == "expired"
    assert world.asset.live_status is None


def test_review_removes_listing(world):
    case = list_asset(world, TODAY)
    engine.transition(case.id, "request_review", world.officer, {"request_received_on": "2026-06-10"}, TODAY + timedelta(days=10))
    engine.transition(case.id, "remove_on_review", world.reviewer, {"reasons": "Use is ancillary."},
                      TODAY + timedelta(days=20))
    assert case.state == "removed" and case.data["removal_reason"] == "review"
    assert world.asset.live_status is None


def test_late_review_request_refused(world):
    case = list_asset(world, TODAY)
    with pytest.raises(TransitionRefused) as caught:
        engine.transition(case.id, "request_review", world.officer, {"request_received_on": "2026-07-28"},
                          date(2026, 7, 29))
    assert "2026-07-27" in caught.value.detail  # within 8 weeks of 1 June: + 56 days
    engine.transition(case.id, "request_review", world.officer,
                      {"request_received_on": "2026-07-28", "longer_period_allowed": "yes"}, date(2026, 7, 29))
    assert case.state == "under_review"


def test_appeal_allowed_removes(world):
    case = list_asset(world, TODAY)
    engine.transition(case.id, "request_review", world.officer, {"request_received_on": "2026-06-02"}, TODAY + timedelta(days=2))
    engine.transition(case.id, "uphold_listing", world.reviewer, {"reasons": "r"}, TODAY + timedelta(days=3))
    with pytest.raises(TransitionRefused):  # within 28 days of Thu 4 June: Thu 2 July
        engine.transition(case.id, "record_appeal", world.officer,
                          {"tribunal_reference": "CR/1", "appeal_lodged_on": "2026-07-03"}, date(2026, 7, 3))
    engine.transition(case.id, "record_appeal", world.officer,
                      {"tribunal_reference": "CR/1", "appeal_lodged_on": "2026-07-02"}, date(2026, 7, 3))
    engine.transition(case.id, "appeal_allowed", world.officer, {"reasons": "FTT allowed."}, date(2026, 9, 1))
    assert case.state == "removed" and case.data["removal_reason"] == "tribunal"


def test_officer_removes_with_reason(world):
    case = list_asset(world, TODAY)
    with pytest.raises(InvalidInput) as caught:
        engine.transition(case.id, "remove", world.officer, {"removal_reason": "other"}, TODAY)
    assert caught.value.field == "reasons"
    engine.transition(case.id, "remove", world.officer,
                      {"removal_reason": "no_longer_community_value", "reasons": "Closed."}, TODAY)
    assert case.state == "removed"


def test_withdrawn_by_the_group(world):
    case = nominate(world, TODAY)
    engine.transition(case.id, "withdraw", world.rep, {}, TODAY)
    assert case.state == "withdrawn" and world.asset.live_status is None


def test_extend_review_deadline(world):
    case = list_asset(world, TODAY)
    engine.transition(case.id, "request_review", world.officer, {"request_received_on": "2026-06-02"},
                      date(2026, 6, 3))
    row = engine.extend_deadline(case.id, "acv_review_decision_due", date(2026, 9, 30), "Agreed with the owner",
                                 world.officer, TODAY)
    assert row.effective_due == date(2026, 9, 30)
    with pytest.raises(InvalidInput):
        engine.extend_deadline(case.id, "acv_listing_expires", date(2032, 1, 1), "no", world.officer, TODAY)
    assert cases.events_of(case.id)[-1].action == "extend_deadline"


# ---------------------------------------------------------------- refusals: nothing written

ILLEGAL = [
    ("submit", "rep", {}),  # already submitted
    ("list", "decision_maker", {"reasons": "r"}),  # not yet validated
    ("uphold_listing", "reviewer", {"reasons": "r"}),
    ("expire", "officer", {}),
    ("no_such_step", "officer", {}),
]


@pytest.mark.parametrize(("action", "who", "data"), ILLEGAL, ids=[a for a, _, _ in ILLEGAL])
def test_illegal_transition_refused_and_nothing_written(world, action, who, data):
    case = nominate(world, TODAY)
    before, version = counts(case.id), case.version
    with pytest.raises(TransitionRefused) as caught:
        engine.transition(case.id, action, getattr(world, who), data, TODAY)
    assert caught.value.extra["allowed"] == ["withdraw", "begin_validation", "reject_nomination"]
    assert counts(case.id) == before and case.state == "submitted" and case.version == version


UNAUTHORISED = [
    ("begin_validation", "rep", Forbidden),  # a group cannot validate its own nomination
    ("begin_validation", "other_officer", Forbidden),  # another council's officer
    ("begin_validation", "citizen", Forbidden),
    ("begin_validation", None, Unauthorised),  # the public
    ("withdraw", "cig_rep", Forbidden),  # a rep of another group
    ("reject_nomination", "officer", InvalidInput),  # missing reason fields
]


@pytest.mark.parametrize(("action", "who", "error"), UNAUTHORISED,
                         ids=[f"{a}-{w}" for a, w, _ in UNAUTHORISED])
def test_unauthorised_actor_refused_and_nothing_written(world, action, who, error):
    from registry.accounts import ANONYMOUS

    case = nominate(world, TODAY)
    before = counts(case.id)
    actor = ANONYMOUS if who is None else getattr(world, who)
    with pytest.raises(error):
        engine.transition(case.id, action, actor, {}, TODAY)
    assert counts(case.id) == before and case.state == "submitted"


def test_decision_maker_role_needed_to_list(world):
    case = nominate(world, TODAY)
    engine.transition(case.id, "begin_validation", world.officer, {}, TODAY)
    engine.transition(case.id, "accept_nomination", world.officer, {"owner_notified_on": "2026-06-01"}, TODAY)
    with pytest.raises(Forbidden):
        engine.transition(case.id, "list", world.officer, {"reasons": "r"}, TODAY)
    assert case.state == "owner_notified"


def test_refused_first_step_writes_no_case(world):
    before = case_count()
    with pytest.raises(Forbidden):
        engine.open_case("acv", "start_draft", world.cig_rep, {}, TODAY, authority_code=world.asset.area_code,
                         asset_id=world.asset.id, organisation_id=world.group.id)
    assert case_count() == before


def test_stale_version_refused(world):
    case = nominate(world, TODAY)
    with pytest.raises(TransitionRefused) as caught:
        engine.transition(case.id, "begin_validation", world.officer, {}, TODAY, expected_version=case.version - 1)
    assert "Someone else changed this case" in caught.value.detail


def test_case_event_is_append_only(world):
    import sqlalchemy.exc

    case = nominate(world, TODAY)
    # The app role has no UPDATE or DELETE on case_event; the trigger stops the owner (test_db_roles.py).
    refused = "permission denied for table case_event"
    with pytest.raises(sqlalchemy.exc.DBAPIError, match=refused), db.session.begin_nested():
        db.session.execute(cases.text("UPDATE case_event SET reasons = 'x' WHERE case_id = :id"), {"id": case.id})
    with pytest.raises(sqlalchemy.exc.DBAPIError, match=refused), db.session.begin_nested():
        db.session.execute(cases.text("DELETE FROM case_event WHERE case_id = :id"), {"id": case.id})


def test_case_data_is_stored_not_just_in_memory(world):
    case = nominate(world, TODAY)
    engine.transition(case.id, "begin_validation", world.officer, {}, TODAY)
    db.session.expire_all()
    assert cases.get(case.id).data["checks"]["passed"] is True
