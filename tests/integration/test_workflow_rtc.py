"""Community Right to Challenge: EOI → 30-day timetable notice → accept / modify / reject → procurement."""

from datetime import date

import pytest

from registry import registers
from registry.errors import Forbidden, InvalidInput, TransitionRefused
from registry.workflow import cases, engine

from .conftest import post_step
from .workflow_world import build, counts

RECEIVED = date(2026, 6, 1)
EOI = {"service_name": "Library opening hours", "relevant_body_type": "charitable_body",
       "outcomes": "Longer opening, volunteers", "financial_resources": "£40k reserves (private)",
       "capability_evidence": "We run two libraries"}


@pytest.fixture()
def world(db_session):
    return build()


def submit(world, today=RECEIVED, **extra):
    return engine.open_case("right_to_challenge", "submit_eoi", world.cig_rep, {**EOI, **extra}, today,
                            authority_code=world.asset.authority_code, organisation_id=world.cig.id,
                            title="Library opening hours")


def due(case, rule):
    return next(d for d in cases.all_deadlines(case.id) if d.rule_code == rule)


def test_eoi_accepted_then_procurement_and_award(world):
    case = submit(world)
    assert due(case, "rtc_timetable_notice_due").due_date == date(2026, 7, 1)  # within 30 days of 1 June
    engine.transition(case.id, "notify_timetable", world.officer, {"decision_by": "2026-08-31"}, date(2026, 6, 20))
    assert due(case, "rtc_timetable_notice_due").status == "met"
    assert due(case, "rtc_decision_due").due_date == date(2026, 8, 31)
    engine.transition(case.id, "accept", world.decision_maker,
                      {"procurement_min_months": "3", "procurement_max_months": "18"}, date(2026, 8, 1))
    assert case.state == "accepted" and case.data["decision"] == "accepted"
    assert due(case, "rtc_decision_due").status == "met"
    assert due(case, "rtc_procurement_start_latest").due_date == date(2028, 1, 31)
    engine.transition(case.id, "start_procurement", world.officer, {"procurement_reference": "FTS-2026-1"},
                      date(2026, 12, 1))
    engine.transition(case.id, "award_contract", world.officer, {"winner": "challenger"}, date(2027, 3, 1))
    assert case.state == "contract_awarded"
    row = next(r for r in registers.rtc_decisions(case.authority_code) if r["case_id"] == case.id)
    assert row["decision"] == "accepted"
    assert "£40k" not in str(row) and "We run two libraries" not in str(row)


def test_window_close_anchors_the_30_days(world):
    case = submit(world, window_closes_on="2026-06-30")
    assert due(case, "rtc_timetable_notice_due").due_date == date(2026, 7, 30)  # within 30 days of 30 June


def test_rejection_needs_prescribed_grounds_and_reasons(world):
    case = submit(world)
    engine.transition(case.id, "notify_timetable", world.officer, {"decision_by": "2026-08-31"}, RECEIVED)
    with pytest.raises(InvalidInput) as caught:
        engine.transition(case.id, "reject", world.decision_maker, {"reasons": "No"}, RECEIVED)
    assert caught.value.field == "grounds"
    with pytest.raises(InvalidInput) as caught:
        engine.transition(case.id, "reject", world.decision_maker, {"grounds": ["G11"], "reasons": "No"}, RECEIVED)
    assert caught.value.field == "grounds"
    engine.transition(case.id, "reject", world.decision_maker,
                      {"grounds": ["G6", "G2"], "reasons": "Already out to tender."}, date(2026, 7, 1))
    assert case.state == "rejected" and case.data["grounds"] == ["G2", "G6"]
    row = next(r for r in registers.rtc_decisions() if r["case_id"] == case.id)
    assert row["grounds"] == "G2;G6" and "procurement exercise" in row["grounds_label"]
    assert row["reasons"] == "Already out to tender."


def test_modification_agreed_by_the_group(world):
    case = submit(world)
    engine.transition(case.id, "notify_timetable", world.officer, {"decision_by": "2026-08-31"}, RECEIVED)
    engine.transition(case.id, "propose_modification", world.decision_maker,
                      {"modifications": "Weekdays only", "reasons": "Otherwise G3"}, RECEIVED)
    with pytest.raises(Forbidden):  # only the body itself agrees
        engine.transition(case.id, "agree_modification", world.officer, {}, RECEIVED)
    engine.transition(case.id, "agree_modification", world.cig_rep, {}, RECEIVED)
    assert case.state == "accepted" and case.data["decision"] == "accepted_with_modifications"


def test_modification_declined_means_rejected(world):
    case = submit(world)
    engine.transition(case.id, "notify_timetable", world.officer, {"decision_by": "2026-08-31"}, RECEIVED)
    engine.transition(case.id, "propose_modification", world.decision_maker,
                      {"modifications": "Weekdays only", "reasons": "r"}, RECEIVED)
    engine.transition(case.id, "decline_modification", world.cig_rep, {"reasons": "Not viable"}, RECEIVED)
    assert case.state == "rejected" and case.data["decision"] == "rejected"


def test_decision_before_timetable_refused_and_officer_cannot_decide(world):
    case = submit(world)
    before = counts(case.id)
    with pytest.raises(TransitionRefused):
        engine.transition(case.id, "accept", world.decision_maker, {}, RECEIVED)
    engine.transition(case.id, "notify_timetable", world.officer, {"decision_by": "2026-08-31"}, RECEIVED)
    with pytest.raises(Forbidden):
        engine.transition(case.id, "accept", world.officer, {}, RECEIVED)
    assert counts(case.id)[0] == before[0] + 1
    with pytest.raises(Forbidden):
        engine.open_case("right_to_challenge", "submit_eoi", world.rep, EOI, RECEIVED,
                         authority_code=world.asset.authority_code, organisation_id=world.cig.id)


def test_timetable_in_the_past_refused(world):
    case = submit(world)
    with pytest.raises(TransitionRefused, match="on or after the day the timetable was given"):
        engine.transition(case.id, "notify_timetable", world.officer, {"decision_by": "2026-05-01"}, RECEIVED)


def test_eoi_screen_and_register_page(client, world):
    from registry import db

    from .test_workflow_screens import form, sign_in

    db.session.commit()
    sign_in(client, world.cig_rep)
    assert client.get(f"/authorities/{world.asset.authority_code}/challenge").status_code == 200
    response = client.post(f"/authorities/{world.asset.authority_code}/challenge", data=form(
        client, service_name="Parks maintenance", relevant_body_type="charitable_body", outcomes="Better parks",
        financial_resources="secret money", capability_evidence="We garden"))
    assert response.status_code == 302, response.get_data(as_text=True)
    case_id = int(response.location.split("/cases/")[1].split("?")[0])
    sign_in(client, world.officer)
    today = engine.today_uk()
    post_step(client, f"/cases/{case_id}/steps/notify_timetable", data=form(
        client, **{"decision_by-day": str(today.day), "decision_by-month": str(today.month),
                   "decision_by-year": str(today.year)}))
    sign_in(client, world.decision_maker)
    from werkzeug.datastructures import MultiDict

    data = MultiDict([("csrf_token", form(client)["csrf_token"]), ("grounds", "G1"), ("grounds", "G9"),
                      ("reasons", "Vexatious")])
    assert post_step(client, f"/cases/{case_id}/steps/reject", data=data).status_code == 302
    page = client.get("/registers/right-to-challenge-decisions").get_data(as_text=True)
    assert "Parks maintenance" in page and "G9: it is frivolous or vexatious" in page
    assert "secret money" not in page


def test_steps_recorded_late_run_their_clocks_from_the_day_they_happened(world):
    """Domain §0.1: a step keyed in later than it happened starts its periods on the day it happened.
    Accepted on Fri 20 March 2026, keyed on Mon 23 March: the latest start of procurement, 6 months
    beginning with 20 March, is 19 September 2026 (corresponding-date rule); the earliest, 3 months after,
    20 June 2026. From the keyed day they would have been 22 September and 23 June."""
    case = submit(world, today=date(2026, 1, 5))
    # The timetable was given on 26 January, keyed on 2 February: a promised day between the two is fine.
    engine.transition(case.id, "notify_timetable", world.officer,
                      {"decision_by": "2026-01-30", "effective_date": "2026-01-26"}, date(2026, 2, 2))
    assert due(case, "rtc_decision_due").anchor_date == date(2026, 1, 26)
    engine.transition(case.id, "accept", world.decision_maker,
                      {"procurement_min_months": "3", "procurement_max_months": "6", "effective_date": "2026-03-20"},
                      date(2026, 3, 23))
    assert due(case, "rtc_decision_due").met_at == date(2026, 3, 20)
    assert due(case, "rtc_procurement_start_earliest").due_date == date(2026, 6, 20)
    latest = due(case, "rtc_procurement_start_latest")
    assert (latest.anchor_date, latest.due_date) == (date(2026, 3, 20), date(2026, 9, 19))
    engine.transition(case.id, "start_procurement", world.officer,
                      {"procurement_reference": "FTS-2026-9", "effective_date": "2026-07-01"}, date(2026, 7, 10))
    assert due(case, "rtc_procurement_start_latest").met_at == date(2026, 7, 1)
