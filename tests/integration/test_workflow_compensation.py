"""Compensation claims for listed land: the 13-week limit, decision, 8-week review by someone else, appeal."""

from datetime import date

import pytest

from registry.errors import Forbidden, TransitionRefused
from registry.workflow import cases, engine, public

from .workflow_world import build, counts, list_asset

LOSS_ENDED = date(2026, 12, 1)  # "13 weeks after" 1 December 2026: + 91 days, 2 March 2027


@pytest.fixture()
def world(db_session):
    return build()


def claim(world, listed, received, **extra):
    return engine.open_case("compensation", "receive_claim", world.officer,
                            {"claim_received_on": received.isoformat(), "loss_ended_on": LOSS_ENDED.isoformat(),
                             "amount_claimed_gbp": "12000", "claimant_details": "Mrs Owner, evidence of fees",
                             **extra}, received,
                            authority_code=listed.authority_code, asset_id=listed.asset_id, parent_case_id=listed.id)


def test_claim_in_time_decided_reviewed_and_appealed(world):
    listed = list_asset(world, date(2026, 3, 2))
    case = claim(world, listed, date(2027, 3, 2))  # the last day: 13 weeks after 30 Nov 2026 (+ 91 days)
    limit = next(d for d in cases.all_deadlines(case.id) if d.rule_code == "acv_compensation_claim_due")
    assert limit.due_date == date(2027, 3, 2) and limit.status == "met"
    engine.transition(case.id, "decide_claim", world.decision_maker,
                      {"decision_outcome": "paid_in_part", "amount_paid_gbp": "4000", "reasons": "Some costs only"},
                      date(2027, 4, 1))
    review_due = next(d for d in cases.all_deadlines(case.id) if d.rule_code == "acv_compensation_review_request_due")
    assert review_due.due_date == date(2027, 5, 27)  # within 8 weeks of 1 April: + 56 days
    engine.transition(case.id, "request_review", world.officer, {"request_received_on": "2027-05-27"},
                      date(2027, 5, 28))
    world.decision_maker.stored_roles = ["council_decision_maker", "reviewer"]
    with pytest.raises(Forbidden):
        engine.transition(case.id, "decide_review", world.decision_maker,
                          {"decision_outcome": "refused", "reasons": "r"}, date(2027, 6, 1))
    engine.transition(case.id, "decide_review", world.reviewer,
                      {"decision_outcome": "paid_in_full", "amount_paid_gbp": "12000", "reasons": "On review"},
                      date(2027, 6, 1))
    engine.transition(case.id, "record_appeal", world.officer, {"tribunal_reference": "CR/2027/9"}, date(2027, 6, 20))
    engine.transition(case.id, "close", world.officer, {"reasons": "Appeal withdrawn"}, date(2027, 9, 1))
    assert case.state == "closed"
    projected = public.public_case(case, date(2027, 9, 1))
    assert "12000" not in str(projected) and "Mrs Owner" not in str(projected)


def test_late_claim_refused_unless_a_note_says_why(world):
    listed = list_asset(world, date(2026, 3, 2))
    with pytest.raises(TransitionRefused, match="13-week limit"):
        claim(world, listed, date(2027, 3, 3))
    case = claim(world, listed, date(2027, 3, 3), late_claim_note="Posted in time; council post room delay")
    assert case.state == "claim_received"


def test_late_review_request_refused(world):
    listed = list_asset(world, date(2026, 3, 2))
    case = claim(world, listed, date(2027, 1, 10))
    engine.transition(case.id, "decide_claim", world.decision_maker,
                      {"decision_outcome": "refused", "reasons": "No loss shown"}, date(2027, 2, 1))
    before = counts(case.id)
    with pytest.raises(TransitionRefused, match="8 weeks"):
        engine.transition(case.id, "request_review", world.officer, {"request_received_on": "2027-03-30"},
                          date(2027, 3, 31))  # due 29 March: 1 Feb + 56 days
    assert counts(case.id) == before
