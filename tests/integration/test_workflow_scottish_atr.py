"""Scottish asset transfer requests (CE(S)A 2015 Part 5) through engine.transition, the function the screens call."""

from datetime import date

import pytest

from registry import db
from registry.accounts import ANONYMOUS
from registry.errors import Forbidden, TransitionRefused, Unauthorised
from registry.workflow import cases, engine, scottish_atr

from .workflow_world import LEEDS, build, case_count, counts

EDINBURGH = "S12000036"

REQUEST = {
    "transfer_type": "ownership",
    "land_description": "The former bowling pavilion and green, Leith Links.",
    "reasons_for_request": "To reopen it as a community hub.",
    "expected_benefits": "Social wellbeing, health and a café run by volunteers.",
    "proposed_price": "£45,000",
    "funding": "Scottish Land Fund award and a community share offer.",
    "community_support": "A 600-signature petition and a public meeting of 120 people.",
    "contact_address": "12 Secret Street, Leith",
}


@pytest.fixture()
def world(db_session):
    w = build(EDINBURGH)
    # The charity becomes a SCIO with 25 members (s.80); the association may lease but not own.
    w.cig.legal_form, w.cig.member_count, w.cig.local_member_count = "SCIO", 25, 20
    w.cig.asset_lock = w.cig.non_distribution_of_surplus = True
    w.cig.community_definition = w.group.community_definition = "People who live in Leith"
    db.session.flush()
    return w


def deadline(case, rule):
    return next(d for d in cases.all_deadlines(case.id) if d.rule_code == rule)


def request(world, today, **extra):
    return engine.open_case("scottish_atr", "submit_request", world.cig_rep, {**REQUEST, **extra}, today,
                            authority_code=EDINBURGH, asset_id=world.asset.id, organisation_id=world.cig.id)


def validated(world, validation_date, today=None, **extra):
    case = request(world, validation_date, received_on=validation_date.isoformat())
    engine.transition(case.id, "validate", world.officer,
                      {"validation_date": validation_date.isoformat(), **extra}, today or validation_date)
    return case


def assessed(world, validation_date, today, **extra):
    case = validated(world, validation_date, **extra)
    engine.transition(case.id, "notify_and_publish", world.officer,
                      {"notices_sent_on": validation_date.isoformat(), "published_on": validation_date.isoformat()},
                      validation_date)
    engine.transition(case.id, "begin_assessment", world.officer, {}, today)
    return case


def refused(world, validation_date, notice, today, **extra):
    case = assessed(world, validation_date, today, **extra)
    engine.transition(case.id, "refuse", world.decision_maker,
                      {"decision_notice_date": notice.isoformat(), "refusal_factors": ["alternative_proposals"],
                       "reasons": "A school extension needs the site."}, today)
    return case


# ---------------------------------------------------------------- start to each end state


def test_request_to_completed_transfer(world):
    before_asset = world.asset.live_status
    assert before_asset is None
    case = engine.open_case("scottish_atr", "start_pre_application", world.cig_rep,
                            {"outline_proposal": "A community hub"}, date(2026, 5, 1), authority_code=EDINBURGH,
                            asset_id=world.asset.id, organisation_id=world.cig.id)
    assert case.state == "pre_application" and case.reference.startswith("ATR-2026-")
    assert world.asset.live_status is None  # a discussion is not yet a request
    engine.transition(case.id, "submit_request", world.cig_rep, REQUEST, date(2026, 6, 1))
    assert case.state == "received" and world.asset.live_status == "under_consideration"
    assert case.data["received_on"] == "2026-06-01" and case.private_data["contact_address"].startswith("12")
    assert case.data["s93_repeat_of"] is None
    engine.transition(case.id, "record_incomplete", world.officer,
                      {"missing_items": "A copy of the constitution", "notice_sent_on": "2026-06-03"},
                      date(2026, 6, 3))
    engine.transition(case.id, "validate", world.officer, {"validation_date": "2026-06-18"}, date(2026, 6, 22))
    assert case.state == "validated"
    # acknowledgement (reg 4): route, s.84 flag and the decision date (6 months after 18 June, SSI 2016/357 reg 10: 18 December)
    assert case.data["authority_type"] == "local_authority"
    assert case.data["route"] == "Review by the authority (s.86), then appeal to the Scottish Ministers (s.88)"
    assert case.data["s84_no_disposal"] is True
    assert scottish_atr.disposal_prohibited_by(world.asset.id).id == case.id
    assert deadline(case, "atr_decision_notice_due").due_date == date(2026, 12, 18)
    assert case.data["decision_due"] == "2026-12-18"
    engine.transition(case.id, "notify_and_publish", world.officer,
                      {"notices_sent_on": "2026-06-23", "published_on": "2026-06-23",
                       "owners_tenants_occupiers": "Tenant: Leith Bowling Club"}, date(2026, 6, 23))
    engine.transition(case.id, "record_representations", world.officer,
                      {"representations": "Two letters of support", "body_comments": "Thanks"}, date(2026, 7, 30))
    engine.transition(case.id, "begin_assessment", world.officer, {"market_value_gbp": "60000"}, date(2026, 8, 3))
    engine.transition(case.id, "agree", world.decision_maker,
                      {"decision_notice_date": "2026-11-16", "offer_deadline": "2027-05-17",
                       "terms_and_conditions": "Clawback of the discount if sold within 10 years",
                       "reasons": "Benefits outweigh the alternatives (s.82)."}, date(2026, 11, 16))
    assert case.state == "agreed" and case.decided_by_user_id == world.decision_maker.id
    assert deadline(case, "atr_decision_notice_due").status == "met"
    # 20 working days beginning with Mon 16 Nov 2026 skip St Andrew's Day (Mon 30 Nov): Mon 14 Dec
    assert deadline(case, "atr_review_or_appeal_due").due_date == date(2026, 12, 14)
    assert deadline(case, "atr_offer_deadline_earliest").due_date == date(2027, 5, 16)  # at least 6 months from
    assert deadline(case, "atr_offer_due").due_date == date(2027, 5, 17)
    engine.transition(case.id, "make_offer", world.cig_rep, {"offer_date": "2027-03-01", "offer_terms": "£45,000"},
                      date(2027, 3, 1))
    assert deadline(case, "atr_offer_due").status == "met"
    engine.transition(case.id, "conclude_contract", world.officer,
                      {"contract_date": "2027-07-01", "title_number": "MID12345"}, date(2027, 7, 1))
    engine.transition(case.id, "complete", world.officer, {"completion_date": "2027-08-02"}, date(2027, 8, 2))
    assert case.state == "completed" and world.asset.live_status == "transferred"
    assert case.data["completed_transfer_type"] == "ownership"
    assert case.data["s84_no_disposal"] is False and scottish_atr.disposal_prohibited_by(world.asset.id) is None
    assert all(d.status != "open" for d in cases.all_deadlines(case.id))
    assert [e.action for e in cases.events_of(case.id)] == [
        "start_pre_application", "submit_request", "record_incomplete", "validate", "notify_and_publish",
        "record_representations", "begin_assessment", "agree", "make_offer", "conclude_contract", "complete"]


def test_offer_deadline_must_be_at_least_six_months_after_the_notice(world):
    case = assessed(world, date(2026, 6, 18), date(2026, 8, 1))
    before = counts(case.id)
    data = {"decision_notice_date": "2026-12-18", "reasons": "Agreed."}
    with pytest.raises(TransitionRefused) as caught:
        engine.transition(case.id, "agree", world.decision_maker, {**data, "offer_deadline": "2027-06-17"},
                          date(2026, 12, 18))
    assert "2027-06-18 or later" in caught.value.detail  # at least 6 months from 18 Dec 2026
    with pytest.raises(TransitionRefused, match="offer"):
        engine.transition(case.id, "agree", world.decision_maker, data, date(2026, 12, 18))  # no offer deadline
    assert counts(case.id) == before and case.state == "assessment"
    engine.transition(case.id, "agree", world.decision_maker, {**data, "offer_deadline": "2027-06-18"},
                      date(2026, 12, 18))
    assert case.state == "agreed"


def test_offer_lapses_when_no_offer_by_the_deadline(world):
    case = assessed(world, date(2026, 6, 18), date(2026, 8, 1))
    engine.transition(case.id, "agree", world.decision_maker,
                      {"decision_notice_date": "2026-09-01", "offer_deadline": "2027-03-31", "reasons": "r"},
                      date(2026, 9, 1))
    with pytest.raises(TransitionRefused, match="until 2027-03-31"):
        engine.transition(case.id, "lapse_offer", engine.SYSTEM, {}, date(2027, 3, 31))
    with pytest.raises(TransitionRefused, match="too late"):
        engine.transition(case.id, "make_offer", world.cig_rep, {"offer_date": "2027-04-01"}, date(2027, 4, 1))
    assert (case.reference, "lapse_offer") in scottish_atr.expire_overdue(date(2027, 4, 1))
    db.session.refresh(case)
    assert case.state == "offer_lapsed" and case.data["s84_no_disposal"] is False
    assert world.asset.live_status is None


def test_withdrawn_by_the_body(world):
    case = validated(world, date(2026, 6, 18))
    engine.transition(case.id, "withdraw", world.cig_rep, {"reasons": "Funding fell through."}, date(2026, 7, 1))
    assert case.state == "withdrawn" and case.data["s84_no_disposal"] is False
    assert world.asset.live_status is None


# ---------------------------------------------------------------- review and appeal routes, with clocks


def test_refusal_on_saturday_19_dec_2026_review_s86_then_appeal_s88(world):
    case = refused(world, date(2026, 7, 1), date(2026, 12, 19), date(2026, 12, 21))
    assert case.state == "refused" and case.data["refusal_factors"] == ["alternative_proposals"]
    # 20 working days in Scotland beginning with Sat 19 Dec 2026: counting starts Mon 21 Dec and skips
    # 25 Dec, Mon 28 Dec (Boxing Day substitute), 1 Jan and Mon 4 Jan (2 January substitute): Thu 21 Jan 2027.
    assert deadline(case, "atr_review_or_appeal_due").due_date == date(2027, 1, 21)
    assert not [d for d in cases.all_deadlines(case.id) if d.rule_code.startswith("atr_offer")]
    with pytest.raises(TransitionRefused, match="first reviewed"):  # s.88 follows the s.86 review
        engine.transition(case.id, "lodge_appeal", world.cig_rep, {"filed_on": "2027-01-05"}, date(2027, 1, 5))
    before = counts(case.id)
    with pytest.raises(TransitionRefused, match="2027-01-21"):
        engine.transition(case.id, "request_review", world.cig_rep, {"filed_on": "2027-01-22"}, date(2027, 1, 22))
    assert counts(case.id) == before
    engine.transition(case.id, "request_review", world.cig_rep, {"filed_on": "2027-01-21"}, date(2027, 1, 22))
    assert case.state == "under_review" and case.data["review_section"] == "s.86"
    assert deadline(case, "atr_review_or_appeal_due").status == "met"
    # the decision-maker may not review their own decision, even holding the reviewer role
    world.decision_maker.stored_roles = ["council_decision_maker", "reviewer"]
    with pytest.raises(Forbidden, match="another officer"):
        engine.transition(case.id, "review_refuse", world.decision_maker,
                          {"review_outcome": "confirmed", "review_decision_date": "2027-02-15", "reasons": "r"},
                          date(2027, 2, 15))
    with pytest.raises(TransitionRefused, match="reviewer"):  # an officer without the reviewer role
        engine.transition(case.id, "review_refuse", world.officer,
                          {"review_outcome": "confirmed", "review_decision_date": "2027-02-15", "reasons": "r"},
                          date(2027, 2, 15))
    engine.transition(case.id, "review_refuse", world.reviewer,
                      {"review_outcome": "confirmed", "review_decision_date": "2027-02-15",
                       "reasons": "The refusal was reasonable."}, date(2027, 2, 15))
    assert case.state == "refused" and case.data["review_decided"] is True
    assert deadline(case, "atr_ministers_appeal_due").due_date == date(2027, 3, 12)
    with pytest.raises(TransitionRefused, match="already been reviewed"):
        engine.transition(case.id, "request_review", world.cig_rep, {"filed_on": "2027-02-16"}, date(2027, 2, 16))
    assert scottish_atr.expire_overdue(date(2027, 3, 12)) == []  # the s.88 appeal window is still open
    engine.transition(case.id, "lodge_appeal", world.cig_rep, {"filed_on": "2027-03-01"}, date(2027, 3, 1))
    assert case.state == "under_appeal" and case.data["appeal_section"] == "s.88"
    engine.transition(case.id, "appeal_refuse", world.officer,
                      {"appeal_outcome": "dismissed", "appeal_decision_date": "2027-06-01",
                       "reasons": "Ministers dismissed the appeal."}, date(2027, 6, 2))
    assert case.state == "refusal_final" and case.data["decision"] == "refused"
    assert case.data["s84_no_disposal"] is False and world.asset.live_status is None


def test_review_substitutes_agreement(world):
    case = refused(world, date(2026, 7, 1), date(2026, 10, 1), date(2026, 10, 1))
    engine.transition(case.id, "request_review", world.cig_rep, {"filed_on": "2026-10-05"}, date(2026, 10, 5))
    with pytest.raises(TransitionRefused, match="at least 6 months"):
        engine.transition(case.id, "review_agree", world.reviewer,
                          {"review_outcome": "substituted", "review_decision_date": "2026-11-02",
                           "offer_deadline": "2027-01-01", "reasons": "r"}, date(2026, 11, 2))
    engine.transition(case.id, "review_agree", world.reviewer,
                      {"review_outcome": "substituted", "review_decision_date": "2026-11-02",
                       "offer_deadline": "2027-05-02", "reasons": "The benefits were underrated."}, date(2026, 11, 2))
    assert case.state == "agreed" and case.data["decision"] == "agreed"
    assert deadline(case, "atr_offer_due").due_date == date(2027, 5, 2)
    assert scottish_atr.repeat_refusal(world.asset.id, "ownership", date(2027, 1, 1)) is None  # overturned


def test_other_relevant_authority_appeals_to_ministers_s85(world):
    case = refused(world, date(2026, 7, 1), date(2026, 10, 1), date(2026, 10, 1),
                   authority_type="other_relevant_authority")
    assert case.data["route"] == "Appeal to the Scottish Ministers (s.85)"
    with pytest.raises(TransitionRefused, match="s.85"):
        engine.transition(case.id, "request_review", world.cig_rep, {"filed_on": "2026-10-05"}, date(2026, 10, 5))
    engine.transition(case.id, "lodge_appeal", world.cig_rep, {"filed_on": "2026-10-05"}, date(2026, 10, 5))
    assert case.data["appeal_section"] == "s.85"
    engine.transition(case.id, "appeal_agree", world.officer,
                      {"appeal_outcome": "reversed", "appeal_decision_date": "2027-01-11",
                       "offer_deadline": "2027-07-11", "reasons": "Ministers allowed the appeal."}, date(2027, 1, 12))
    assert case.state == "agreed" and case.data["appeal_decided"] is True
    engine.transition(case.id, "make_offer", world.cig_rep, {"offer_date": "2027-02-01"}, date(2027, 2, 1))
    assert case.state == "offer_made"


def test_scottish_ministers_review_s87_then_refusal_is_final(world):
    case = refused(world, date(2026, 7, 1), date(2026, 10, 1), date(2026, 10, 1), authority_type="scottish_ministers")
    engine.transition(case.id, "request_review", world.cig_rep, {"filed_on": "2026-10-02"}, date(2026, 10, 2))
    assert case.data["review_section"] == "s.87"
    # Ministers' review panel decides; an officer records it
    engine.transition(case.id, "review_refuse", world.officer,
                      {"review_outcome": "confirmed", "review_decision_date": "2026-12-01", "reasons": "Panel"},
                      date(2026, 12, 1))
    with pytest.raises(TransitionRefused, match="s.87"):
        engine.transition(case.id, "lodge_appeal", world.cig_rep, {"filed_on": "2026-12-02"}, date(2026, 12, 2))
    assert not [d for d in cases.all_deadlines(case.id) if d.rule_code == "atr_ministers_appeal_due"]
    assert (case.reference, "close_refusal") in engine.run_clocks(date(2026, 12, 2))
    db.session.refresh(case)
    assert case.state == "refusal_final"


# ---------------------------------------------------------------- the decision period: extension and deemed refusal


def test_deemed_refusal_when_the_decision_period_passes(world):
    case = assessed(world, date(2026, 6, 18), date(2026, 8, 1))
    assert scottish_atr.expire_overdue(date(2026, 12, 18)) == []  # the last day of the 6 months
    # a decision notice dated after the period is refused: the request is deemed refused
    before = counts(case.id)
    with pytest.raises(TransitionRefused, match="deemed refused"):
        engine.transition(case.id, "agree", world.decision_maker,
                          {"decision_notice_date": "2026-12-19", "offer_deadline": "2027-07-01", "reasons": "r"},
                          date(2026, 12, 19))
    assert counts(case.id) == before
    assert (case.reference, "deem_refused") in scottish_atr.expire_overdue(date(2026, 12, 19))
    db.session.refresh(case)
    assert case.state == "deemed_refused" and case.data["decision"] == "deemed_refused"
    assert case.data["decision_date"] == "2026-12-18"
    assert deadline(case, "atr_decision_notice_due").status == "missed"
    # 20 working days beginning with the last day of the period (Fri 18 Dec 2026): Wed 20 Jan 2027
    due = deadline(case, "atr_deemed_refusal_review_or_appeal_due")
    assert (due.anchor_date, due.due_date) == (date(2026, 12, 18), date(2027, 1, 20))
    assert cases.events_of(case.id)[-1].actor_user_id is None
    assert scottish_atr.expire_overdue(date(2027, 1, 20)) == []
    assert (case.reference, "close_refusal") in scottish_atr.expire_overdue(date(2027, 1, 21))
    db.session.refresh(case)
    assert case.state == "refusal_final" and world.asset.live_status is None
    # a deemed refusal counts for s.93
    assert scottish_atr.repeat_refusal(world.asset.id, "ownership", date(2027, 3, 1)).id == case.id


def test_deemed_refusal_can_be_reviewed(world):
    case = assessed(world, date(2026, 6, 18), date(2026, 8, 1))
    scottish_atr.expire_overdue(date(2027, 1, 4))
    db.session.refresh(case)
    engine.transition(case.id, "request_review", world.cig_rep, {"filed_on": "2027-01-20"}, date(2027, 1, 20))
    assert case.state == "under_review"
    assert deadline(case, "atr_deemed_refusal_review_or_appeal_due").status == "met"


def test_extension_must_be_agreed_before_the_period_ends(world):
    case = assessed(world, date(2026, 6, 18), date(2026, 8, 1))
    before = counts(case.id)
    late = {"new_decision_due": "2027-02-26", "agreed_on": "2026-12-19", "reasons": "More time for valuation"}
    with pytest.raises(TransitionRefused, match="before the decision period ends"):
        engine.transition(case.id, "agree_extension", world.officer, late, date(2026, 12, 19))
    with pytest.raises(TransitionRefused, match="later than the current one"):
        engine.transition(case.id, "agree_extension", world.officer,
                          {**late, "agreed_on": "2026-12-01", "new_decision_due": "2026-12-18"}, date(2026, 12, 1))
    assert counts(case.id) == before and case.state == "assessment"
    # agreed on the last day of the period: in time
    engine.transition(case.id, "agree_extension", world.officer, {**late, "agreed_on": "2026-12-18"},
                      date(2026, 12, 21))
    assert case.state == "decision_extension_agreed" and case.data["decision_due"] == "2027-02-26"
    row = deadline(case, "atr_decision_notice_due")
    assert (row.due_date, row.effective_due, row.extension_reason) == (date(2026, 12, 18), date(2027, 2, 26),
                                                                        "More time for valuation")
    assert scottish_atr.expire_overdue(date(2027, 1, 4)) == []  # not deemed refused: the period was extended
    # a second extension is possible, again only before the (extended) period ends
    with pytest.raises(TransitionRefused):
        engine.transition(case.id, "agree_extension", world.officer,
                          {**late, "agreed_on": "2027-02-27", "new_decision_due": "2027-03-31"}, date(2027, 3, 1))
    engine.transition(case.id, "agree", world.decision_maker,
                      {"decision_notice_date": "2027-02-26", "offer_deadline": "2027-08-26", "reasons": "r"},
                      date(2027, 2, 26))
    assert case.state == "agreed" and deadline(case, "atr_decision_notice_due").status == "met"


def test_extension_agreed_in_time_but_recorded_after_the_deemed_refusal(world):
    case = assessed(world, date(2026, 6, 18), date(2026, 8, 1))
    scottish_atr.expire_overdue(date(2026, 12, 19))
    db.session.refresh(case)
    assert case.state == "deemed_refused"
    with pytest.raises(TransitionRefused, match="before the decision period ends"):
        engine.transition(case.id, "agree_extension", world.officer,
                          {"new_decision_due": "2027-02-26", "agreed_on": "2026-12-19", "reasons": "Too late"},
                          date(2026, 12, 21))
    engine.transition(case.id, "agree_extension", world.officer,
                      {"new_decision_due": "2027-02-26", "agreed_on": "2026-12-18", "reasons": "Agreed by email"},
                      date(2026, 12, 21))
    assert case.state == "decision_extension_agreed" and case.data["decision"] is None
    row = deadline(case, "atr_decision_notice_due")
    assert (row.status, row.effective_due) == ("open", date(2027, 2, 26))
    assert deadline(case, "atr_deemed_refusal_review_or_appeal_due").status == "not_applicable"
    assert scottish_atr.repeat_refusal(world.asset.id, "ownership", date(2027, 1, 4)) is None


# ---------------------------------------------------------------- s.93 repeat requests


def test_s93_repeat_request_may_be_declined(world):
    first = refused(world, date(2026, 3, 2), date(2026, 6, 1), date(2026, 6, 1))
    engine.transition(first.id, "close_refusal", engine.SYSTEM, {}, date(2026, 7, 1))
    # a lease request for the same land is not a repeat: decline refused, nothing written
    lease = request(world, date(2027, 1, 4), transfer_type="lease")
    assert lease.data["s93_repeat_of"] is None
    before = counts(lease.id)
    with pytest.raises(TransitionRefused, match="cannot be declined under s.93"):
        engine.transition(lease.id, "decline_repeat_s93", world.officer, {"reasons": "Repeat"}, date(2027, 1, 5))
    assert counts(lease.id) == before and lease.state == "received"
    # an ownership request within 2 years of the refusal of 1 June 2026 is one
    again = request(world, date(2028, 5, 31))
    assert again.data["s93_repeat_of"] == first.reference
    engine.transition(again.id, "decline_repeat_s93", world.officer, {"reasons": "Same land, same type (s.93)."},
                      date(2028, 6, 1))
    assert again.state == "declined_repeat_s93"
    # the authority may also choose to consider it: a third one after 2 years is not a repeat
    assert scottish_atr.repeat_refusal(world.asset.id, "ownership", date(2028, 6, 1)) is None


# ---------------------------------------------------------------- eligibility and jurisdiction


def test_ownership_needs_a_company_scio_or_bencom_s80(world):
    before = case_count()
    with pytest.raises(TransitionRefused, match="s.80"):
        engine.open_case("scottish_atr", "submit_request", world.rep, REQUEST, date(2026, 6, 1),
                         authority_code=EDINBURGH, asset_id=world.asset.id, organisation_id=world.group.id)
    assert case_count() == before
    case = engine.open_case("scottish_atr", "submit_request", world.rep, {**REQUEST, "transfer_type": "lease"},
                            date(2026, 6, 1), authority_code=EDINBURGH, asset_id=world.asset.id,
                            organisation_id=world.group.id)
    assert case.state == "received"


def test_scottish_ministers_cannot_receive_an_english_request(db_session):
    w = build(LEEDS)
    w.cig.legal_form, w.cig.member_count, w.cig.asset_lock = "SCIO", 25, True
    w.cig.non_distribution_of_surplus, w.cig.community_definition = True, "Leeds"
    before = case_count()
    with pytest.raises(TransitionRefused, match="Scottish authority"):
        engine.open_case("scottish_atr", "submit_request", w.cig_rep, REQUEST, date(2026, 6, 1),
                         authority_code=LEEDS, asset_id=w.asset.id, organisation_id=w.cig.id)
    assert case_count() == before


# ---------------------------------------------------------------- refusals: nothing written

ILLEGAL = [
    ("agree", "decision_maker", {"decision_notice_date": "2026-06-01", "offer_deadline": "2027-01-01",
                                 "reasons": "r"}),
    ("make_offer", "cig_rep", {"offer_date": "2026-06-01"}),
    ("complete", "officer", {"completion_date": "2026-06-01"}),
    ("deem_refused", "officer", {}),
    ("no_such_step", "officer", {}),
]


@pytest.mark.parametrize(("action", "who", "data"), ILLEGAL, ids=[a for a, _, _ in ILLEGAL])
def test_illegal_transition_refused_and_nothing_written(world, action, who, data):
    case = request(world, date(2026, 6, 1))
    before, version = counts(case.id), case.version
    with pytest.raises(TransitionRefused) as caught:
        engine.transition(case.id, action, getattr(world, who), data, date(2026, 6, 1))
    assert caught.value.extra["allowed"] == ["record_incomplete", "validate", "decline_repeat_s93", "withdraw"]
    assert counts(case.id) == before and case.state == "received" and case.version == version


UNAUTHORISED = [
    ("validate", "cig_rep", Forbidden),  # a body cannot validate its own request
    ("validate", "other_officer", Forbidden),  # another council's officer
    ("validate", "citizen", Forbidden),
    ("validate", None, Unauthorised),  # the public
    ("withdraw", "rep", Forbidden),  # a rep of another group
]


@pytest.mark.parametrize(("action", "who", "error"), UNAUTHORISED, ids=[f"{a}-{w}" for a, w, _ in UNAUTHORISED])
def test_unauthorised_actor_refused_and_nothing_written(world, action, who, error):
    case = request(world, date(2026, 6, 1))
    before = counts(case.id)
    actor = ANONYMOUS if who is None else getattr(world, who)
    with pytest.raises(error):
        engine.transition(case.id, action, actor, {"validation_date": "2026-06-01", "reasons": "r"}, date(2026, 6, 1))
    assert counts(case.id) == before and case.state == "received"


def test_only_a_decision_maker_decides(world):
    case = assessed(world, date(2026, 6, 18), date(2026, 8, 1))
    before = counts(case.id)
    with pytest.raises(Forbidden):
        engine.transition(case.id, "refuse", world.officer,
                          {"decision_notice_date": "2026-09-01", "refusal_factors": ["regeneration"],
                           "reasons": "r"}, date(2026, 9, 1))
    assert counts(case.id) == before and case.state == "assessment"


# ---------------------------------------------------------------- the generic case page shows the process


def test_case_page_shows_the_request_without_private_data(world, client):
    from flask import g

    from .conftest import sign_in

    case = refused(world, date(2026, 7, 1), date(2026, 10, 1), date(2026, 10, 1))
    public = client.get(f"/cases/{case.id}")
    assert public.status_code == 200
    page = public.get_data(as_text=True)
    assert case.reference in page and "Refused" in page and "application for a review" not in page
    assert "12 Secret Street" not in page and "Ann Secret" not in page
    # the test client shares the test's app context, where Flask-Login caches the user in g
    g.pop("_login_user", None)
    db.session.refresh(world.cig_rep)  # load server defaults (active) that workflow_world's users leave unset
    sign_in(client, world.cig_rep)
    mine = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "application for a review" in mine and "appeal to the Scottish Ministers" in mine
