"""Statutory clocks that never take away a right exercised in time (issue 11, items 1, 2 and 5).

Effective dates and late entry through engine.transition, the HTTP API and the step forms; disposal checks
by the date of the disposal; automatic steps' emails from the CLI; reminders once, caught up after a missed
day. Dates are worked out by hand from the statutes' words in the comments, or read from the deadline rows
where the period itself is another module's business (rules.py) and only the late entry is under test.
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select, text

from registry import accounts, db, transfers
from registry.audit import AuditEntry
from registry.errors import Conflict, InvalidInput, TransitionRefused
from registry.uktime import today_uk
from registry.workflow import cases, engine, notify, prohibitions, public, scottish_atr

from .conftest import csrf_token, post_step
from .test_workflow_screens import form, sign_in
from .workflow_world import build, counts, list_asset

NOTICE = date(2026, 6, 1)  # 6 weeks beginning with Mon 1 June 2026: the interim moratorium's last day is Sun 12 July
INTERIM_LAST = date(2026, 7, 12)
FULL_LAST = date(2026, 11, 30)  # 6 months beginning with 1 June: the day before 1 December
EDINBURGH = "S12000036"


@pytest.fixture()
def world(db_session):
    return build()


def notice(world, listed, received=NOTICE, today=None):
    return engine.open_case("moratorium", "receive_notice", world.officer,
                            {"notice_received_on": received.isoformat(), "disposal_type": "freehold_sale"},
                            today or received, authority_code=listed.authority_code, asset_id=listed.asset_id,
                            parent_case_id=listed.id, title=listed.title)


def row(case, rule):
    return next(d for d in cases.all_deadlines(case.id) if d.rule_code == rule)


def event_rows(case_id):
    return [tuple(r) for r in db.session.execute(text(
        "SELECT id, action, from_state, to_state, effective_date, supersedes_event_id FROM case_event "
        "WHERE case_id = :id ORDER BY id"), {"id": case_id})]


# ---------------------------------------------------------------- the automatic step waits for the last day to end


def test_run_clocks_ends_the_interim_only_after_its_last_day(world):
    listed = list_asset(world, date(2026, 3, 2))
    case = notice(world, listed)
    assert engine.run_clocks(INTERIM_LAST) == []  # Sun 12 July is still inside the period
    assert cases.get(case.id).state == "interim_moratorium"
    assert engine.run_clocks(INTERIM_LAST + timedelta(days=1)) == [(case.reference, "end_interim")]
    assert cases.get(case.id).state == "free_to_dispose"


# ---------------------------------------------------------------- late entry through engine.transition


def test_request_received_on_the_last_day_entered_two_days_later_gives_the_full_moratorium(world):
    listed = list_asset(world, date(2026, 3, 2))
    case = notice(world, listed)
    engine.run_clocks(date(2026, 7, 13))
    assert case.state == "free_to_dispose" and row(case, "acv_full_moratorium_end").status == "not_applicable"
    before = event_rows(case.id)
    automatic = next(e for e in cases.events_of(case.id) if e.action == "end_interim")

    engine.transition(case.id, "request_to_bid", world.officer,
                      {"organisation_id": world.cig.id, "request_received_on": "2026-07-12",
                       "late_entry_reason": "Letter handed in at reception on Sunday; opened on Tuesday."},
                      date(2026, 7, 14))

    case = cases.get(case.id)
    assert case.state == "full_moratorium" and world.asset.live_status == "in_moratorium"
    after = event_rows(case.id)
    assert after[:len(before)] == before  # no event row was changed
    supersede, request = after[len(before):]
    assert supersede[1:] == ("supersede", "free_to_dispose", "interim_moratorium", date(2026, 7, 12), automatic.id)
    assert request[1:] == ("request_to_bid", "interim_moratorium", "full_moratorium", date(2026, 7, 12), None)
    keyed = cases.events_of(case.id)[-1]
    assert keyed.on_date == date(2026, 7, 14) and keyed.actor_user_id == world.officer.id
    assert keyed.private_data["late_entry"] == {
        "keyed_by_user_id": world.officer.id, "supersedes_event_id": automatic.id,
        "reason": "Letter handed in at reception on Sunday; opened on Tuesday."}
    interim, full = row(case, "acv_interim_moratorium_end"), row(case, "acv_full_moratorium_end")
    assert (interim.status, interim.met_at) == ("met", INTERIM_LAST)
    assert (full.status, full.due_date) == ("open", FULL_LAST)
    # The full moratorium holds: run on its last day, nothing happens; the day after, it ends.
    assert engine.run_clocks(FULL_LAST) == []
    assert engine.run_clocks(FULL_LAST + timedelta(days=1)) == [(case.reference, "end_full")]
    projection = public.public_case(case, date(2026, 12, 1))
    assert [e["superseded"] for e in projection["timeline"] if e["action"] == "end_interim"] == [True]
    assert "reception" not in str(projection)  # why it was keyed late is private


def test_late_entry_needs_a_reason_and_writes_nothing_without_one(world):
    listed = list_asset(world, date(2026, 3, 2))
    case = notice(world, listed)
    engine.run_clocks(date(2026, 7, 13))
    before = counts(case.id)
    with pytest.raises(InvalidInput) as caught:
        engine.transition(case.id, "request_to_bid", world.officer,
                          {"organisation_id": world.cig.id, "request_received_on": "2026-07-12"}, date(2026, 7, 14))
    assert caught.value.field == "late_entry_reason"
    assert counts(case.id) == before and cases.get(case.id).state == "free_to_dispose"


def test_a_request_received_after_the_last_day_is_still_refused(world):
    listed = list_asset(world, date(2026, 3, 2))
    case = notice(world, listed)
    engine.run_clocks(date(2026, 7, 14))  # a late run: the automatic step is dated 14 July
    before = counts(case.id)
    with pytest.raises(TransitionRefused, match="interim moratorium has ended"):
        engine.transition(case.id, "request_to_bid", world.officer,
                          {"organisation_id": world.cig.id, "request_received_on": "2026-07-13",
                           "late_entry_reason": "Posted on the 13th"}, date(2026, 7, 15))
    assert counts(case.id) == before and cases.get(case.id).state == "free_to_dispose"
    assert row(case, "acv_full_moratorium_end").status == "not_applicable"


def test_late_entry_refused_when_later_steps_follow_the_automatic_one(world):
    listed = list_asset(world, date(2026, 3, 2))
    case = notice(world, listed)
    engine.run_clocks(date(2026, 7, 13))
    engine.transition(case.id, "record_disposal", world.officer,
                      {"disposal_date": "2026-08-03", "buyer_type": "other"}, date(2026, 8, 3))
    before = counts(case.id)
    with pytest.raises(TransitionRefused) as caught:
        engine.transition(case.id, "request_to_bid", world.officer,
                          {"organisation_id": world.cig.id, "request_received_on": "2026-07-12",
                           "late_entry_reason": "Found in the post room"}, date(2026, 8, 10))
    assert "'Record the sale or lease' (2026-08-03)" in caught.value.detail
    assert "correct the record" in caught.value.detail
    assert counts(case.id) == before and cases.get(case.id).state == "disposed"


def test_effective_date_in_the_future_or_before_the_case_opened_is_refused(world):
    listed = list_asset(world, date(2026, 3, 2))
    case = notice(world, listed)
    before = counts(case.id)
    with pytest.raises(InvalidInput, match="in the future") as future:
        engine.transition(case.id, "request_to_bid", world.cig_rep,
                          {"organisation_id": world.cig.id, "effective_date": "2026-06-20"}, date(2026, 6, 19))
    assert future.value.field == "effective_date"
    with pytest.raises(InvalidInput, match="before the case opened") as early:
        engine.transition(case.id, "request_to_bid", world.cig_rep,
                          {"organisation_id": world.cig.id, "request_received_on": "2026-05-31"}, date(2026, 6, 19))
    assert early.value.field == "request_received_on"
    with pytest.raises(InvalidInput, match="must be the same as"):
        engine.transition(case.id, "request_to_bid", world.cig_rep,
                          {"organisation_id": world.cig.id, "request_received_on": "2026-06-10",
                           "effective_date": "2026-06-11"}, date(2026, 6, 19))
    assert counts(case.id) == before


def test_every_step_is_audited(world):
    listed = list_asset(world, date(2026, 3, 2))
    case = notice(world, listed)
    engine.run_clocks(date(2026, 7, 13))
    entries = db.session.scalars(select(AuditEntry).where(AuditEntry.target_type == "case",
                                                          AuditEntry.target_id == str(case.id))
                                 .order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_user_id, e.via) for e in entries] == [
        ("case.receive_notice", world.officer.id, "cli"), ("case.end_interim", None, "system")]
    assert entries[1].detail["effective_date"] == "2026-07-13"


# ---------------------------------------------------------------- Scottish asset transfer: decision on the last day


@pytest.fixture()
def scots(db_session):
    w = build(EDINBURGH)
    w.cig.legal_form, w.cig.member_count, w.cig.local_member_count = "SCIO", 25, 20
    w.cig.asset_lock = w.cig.non_distribution_of_surplus = True
    w.cig.community_definition = "People who live in Leith"
    db.session.flush()
    return w


ATR_REQUEST = {
    "transfer_type": "ownership", "land_description": "The bowling pavilion, Leith Links.",
    "reasons_for_request": "A community hub.", "expected_benefits": "Wellbeing and a café.",
    "proposed_price": "£45,000", "funding": "Scottish Land Fund.", "community_support": "A petition.",
    "contact_address": "12 Secret Street, Leith",
}


def atr_in_assessment(w, validation: date):
    case = engine.open_case("scottish_atr", "submit_request", w.cig_rep,
                            {**ATR_REQUEST, "received_on": validation.isoformat()}, validation,
                            authority_code=EDINBURGH, asset_id=w.asset.id, organisation_id=w.cig.id)
    engine.transition(case.id, "validate", w.officer, {"validation_date": validation.isoformat()}, validation)
    engine.transition(case.id, "notify_and_publish", w.officer,
                      {"notices_sent_on": validation.isoformat(), "published_on": validation.isoformat()}, validation)
    engine.transition(case.id, "begin_assessment", w.officer, {}, validation + timedelta(days=1))
    return case


def agree_data(notice_day: date, **extra):
    offer = scottish_atr.earliest_offer_deadline(notice_day) + timedelta(days=30)
    return {"decision_notice_date": notice_day.isoformat(), "offer_deadline": offer.isoformat(),
            "reasons": "The benefits outweigh the alternatives (s.82).", **extra}


def test_atr_decision_dated_on_the_last_day_and_entered_after_the_deemed_refusal_stands(scots):
    case = atr_in_assessment(scots, date(2026, 3, 2))
    last_day = row(case, "atr_decision_notice_due").due_date
    engine.run_clocks(last_day)
    assert cases.get(case.id).state == "assessment"  # not on the last day itself
    engine.run_clocks(last_day + timedelta(days=1))
    assert case.state == "deemed_refused" and case.data["decision"] == "deemed_refused"
    deemed_review = row(case, "atr_deemed_refusal_review_or_appeal_due")
    assert deemed_review.status == "open"

    engine.transition(case.id, "agree", scots.decision_maker,
                      agree_data(last_day, late_entry_reason="Notice posted on the last day; keyed on return."),
                      last_day + timedelta(days=3))

    case = cases.get(case.id)
    assert case.state == "agreed" and case.data["decision"] == "agreed"
    assert case.data["decision_date"] == last_day.isoformat()
    decision_due = row(case, "atr_decision_notice_due")
    assert (decision_due.status, decision_due.met_at) == ("met", last_day)
    assert row(case, "atr_deemed_refusal_review_or_appeal_due").status == "superseded"
    assert row(case, "atr_offer_due").status == "open"
    actions = [e.action for e in cases.events_of(case.id)][-3:]
    assert actions == ["deem_refused", "supersede", "agree"]


def test_atr_decision_dated_after_the_last_day_does_not_supersede(scots):
    case = atr_in_assessment(scots, date(2026, 3, 2))
    last_day = row(case, "atr_decision_notice_due").due_date
    engine.run_clocks(last_day + timedelta(days=2))
    before = counts(case.id)
    with pytest.raises(TransitionRefused, match="deemed refused"):
        engine.transition(case.id, "agree", scots.decision_maker,
                          agree_data(last_day + timedelta(days=1), late_entry_reason="Late"),
                          last_day + timedelta(days=3))
    assert counts(case.id) == before and cases.get(case.id).state == "deemed_refused"


def test_extension_after_the_atr_decision_period_ended_is_refused(scots):
    case = atr_in_assessment(scots, date(2026, 3, 2))
    last_day = row(case, "atr_decision_notice_due").due_date
    with pytest.raises(InvalidInput, match="agreement made before it ended") as caught:
        engine.extend_deadline(case.id, "atr_decision_notice_due", last_day + timedelta(days=60),
                               "Agreed with the body's secretary", scots.officer, last_day + timedelta(days=1))
    assert caught.value.field == "until"
    assert row(case, "atr_decision_notice_due").extension_agreed_until is None
    # agreed on the last day, recorded the day after: in time
    engine.extend_deadline(case.id, "atr_decision_notice_due", last_day + timedelta(days=60),
                           "Agreed with the body's secretary", scots.officer, last_day + timedelta(days=1),
                           agreed_on=last_day)
    assert row(case, "atr_decision_notice_due").effective_due == last_day + timedelta(days=60)
    extension = cases.events_of(case.id)[-1]
    assert extension.reasons is None and extension.private_data["extension_reason"].startswith("Agreed")


# ---------------------------------------------------------------- disposal checks by date


def test_back_dated_disposal_inside_the_moratorium_is_refused(world):
    listed = list_asset(world, date(2026, 3, 2))
    case = notice(world, listed)
    engine.run_clocks(date(2026, 7, 13))
    before = counts(case.id)
    with pytest.raises(Conflict) as caught:
        engine.transition(case.id, "record_disposal", world.officer,
                          {"disposal_date": "2026-07-01", "buyer_type": "other"}, date(2026, 7, 20))
    assert case.reference in caught.value.detail and "until 2026-07-12" in caught.value.detail
    assert counts(case.id) == before
    assert [p.reference for p in prohibitions.prohibitions_on(world.asset.id, INTERIM_LAST)] == [case.reference]
    assert prohibitions.prohibitions_on(world.asset.id, INTERIM_LAST + timedelta(days=1)) == []
    assert prohibitions.prohibitions_on(world.asset.id, NOTICE - timedelta(days=1)) == []
    engine.transition(case.id, "record_disposal", world.officer,
                      {"disposal_date": "2026-07-13", "buyer_type": "other"}, date(2026, 7, 20))
    assert cases.get(case.id).state == "disposed"


def test_disposal_under_a_valid_asset_transfer_request_is_refused_naming_it(scots):
    case = atr_in_assessment(scots, date(2026, 3, 2))
    with pytest.raises(Conflict) as caught:
        prohibitions.check_disposal(scots.asset.id, date(2026, 4, 1))
    assert case.reference in caught.value.detail and "s.84" in caught.value.detail
    assert prohibitions.prohibitions_on(scots.asset.id, date(2026, 3, 1)) == []  # before validation
    with pytest.raises(Conflict, match=case.reference):
        transfers.create({"tenure": "freehold", "completion_date": "2026-04-01", "market_value": "60000",
                          "consideration": "60000"}, scots.officer, date(2026, 4, 1), asset_id=scots.asset.id,
                         organisation_id=scots.group.id)
    assert db.session.get(type(scots.asset), scots.asset.id).surplus_status != "transferred"
    # the body that made the request may still take the land
    prohibitions.check_disposal(scots.asset.id, date(2026, 4, 1), to_organisation_id=scots.cig.id)


def test_asset_marked_disposed_through_the_api_and_the_form_is_refused(client, scots):
    case = atr_in_assessment(scots, today_uk() - timedelta(days=30))
    db.session.commit()
    sign_in(client, scots.officer)
    _, secret = accounts.create_api_token(scots.officer, "status test")
    db.session.commit()
    answer = client.patch(f"/api/collections/assets/items/{scots.asset.id}",
                          json={"type": "Feature", "properties": {"surplus_status": "disposed"}},
                          headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/geo+json"})
    assert answer.status_code == 409 and answer.mimetype == "application/problem+json"
    assert case.reference in answer.get_json()["detail"] and answer.get_json()["invalid_param"] == "surplus_status"
    page = client.post(f"/assets/{scots.asset.id}/status", data=form(client, surplus_status="disposed"))
    assert page.status_code == 409 and case.reference in page.get_data(as_text=True)
    assert db.session.scalar(text("SELECT surplus_status FROM asset WHERE id = :id"),
                             {"id": scots.asset.id}) != "disposed"


# ---------------------------------------------------------------- late entry through the HTTP API and the forms


def test_late_request_to_bid_through_the_api(client, world):
    today = today_uk()
    received = today - timedelta(days=44)  # the interim's last day is received + 41 days = today - 3
    listed = list_asset(world, received - timedelta(days=30))
    case = notice(world, listed, received=received)
    last_day = received + timedelta(days=41)
    assert row(case, "acv_interim_moratorium_end").due_date == last_day
    engine.run_clocks(last_day + timedelta(days=1))
    db.session.commit()
    sign_in(client, world.officer)
    answer = client.post(f"/api/cases/{case.id}/transitions", headers={"X-CSRFToken": csrf_token(client)},
                         json={"action": "request_to_bid",
                               "data": {"organisation_id": world.cig.id, "effective_date": last_day.isoformat(),
                                        "late_entry_reason": "Emailed on the last day; found in spam."}})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["state"] == "full_moratorium"
    full = next(d for d in body["deadlines"] if d["rule"] == "acv_full_moratorium_end")
    interim = next(d for d in body["deadlines"] if d["rule"] == "acv_interim_moratorium_end")
    assert full["status"] == "open" and interim["status"] == "met" and interim["overdue"] is False
    labels = [e["label"] for e in body["timeline"]]
    assert labels[-2].startswith("Superseded: Record that the interim moratorium ended")
    assert body["timeline"][-1]["effective_date"] == last_day.isoformat()
    assert "spam" not in answer.get_data(as_text=True)


def test_late_atr_decision_through_the_form(client, scots):
    today = today_uk()
    case = atr_in_assessment(scots, today - timedelta(days=200))
    last_day = row(case, "atr_decision_notice_due").due_date
    assert last_day < today - timedelta(days=1)
    engine.run_clocks(last_day + timedelta(days=1))
    db.session.commit()
    sign_in(client, scots.decision_maker)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="step-agree"' in page and 'name="late_entry_reason"' in page
    answer = post_step(client, f"/cases/{case.id}/steps/agree", form(
        client, version=str(cases.get(case.id).version), late_entry_reason="Signed on the last day.",
        **agree_data(last_day)))
    assert answer.status_code == 302, answer.get_data(as_text=True)
    assert cases.get(case.id).state == "agreed"


# ---------------------------------------------------------------- notices from the CLI, reminders once


def test_run_clocks_from_the_cli_sends_its_emails(app, world, smtp):
    listed = list_asset(world, date(2026, 3, 2))
    case = notice(world, listed)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["cases", "run-clocks", "--today", "2026-07-13"])
    assert result.exit_code == 0, result.output
    assert f"{case.reference}: end_interim" in result.output
    messages = smtp.wait_for(2)
    subjects = {" ".join(str(m["Subject"]).split()) for m in messages}
    assert subjects == {f"{case.reference}: Moratorium over: the owner may sell"}
    assert {m["To"] for m in messages} == {world.rep.email, world.group.contact_email}
    body = smtp.last_body()
    assert "Deadlines now running" in body and "interim moratorium" not in body.split("Deadlines now running")[1]
    assert cases.get(case.id).state == "free_to_dispose"


def test_a_reminder_missed_on_its_day_goes_out_the_next_day_once(app, world, smtp):
    listed = list_asset(world, date(2026, 3, 2))
    case = notice(world, listed)
    db.session.commit()
    runner = app.test_cli_runner()
    # The interim moratorium (the group's deadline) ends Sun 12 July: 7 days before is Sun 5 July.
    assert "0 reminder(s)" in runner.invoke(args=["cases", "send-reminders", "--today", "2026-07-04"]).output
    # No run on 5 July; the run on 6 July catches up.
    result = runner.invoke(args=["cases", "send-reminders", "--today", "2026-07-06"])
    assert result.exit_code == 0 and "2 reminder(s)" in result.output, result.output
    label = row(case, "acv_interim_moratorium_end").label
    assert {" ".join(str(m["Subject"]).split()) for m in smtp.wait_for(2)} == {
        " ".join(f"Reminder: {label} by 12 July 2026 ({case.reference})".split())}
    assert "0 reminder(s)" in runner.invoke(args=["cases", "send-reminders", "--today", "2026-07-07"]).output
    assert row(case, "acv_interim_moratorium_end").reminder_sent_at is not None
    assert len(smtp.messages) == 2


def test_an_extended_deadline_gets_its_reminder(world, smtp, app):
    listed = list_asset(world, date(2026, 3, 2))
    case = notice(world, listed)
    interim = row(case, "acv_interim_moratorium_end")
    interim.extension_agreed_until = date(2026, 7, 30)  # (as an agreed extension would)
    db.session.flush()
    with app.test_request_context(base_url="https://registry.example"):
        assert notify.send_reminders(date(2026, 7, 6)) == 0  # the new last day is 24 days away
        assert notify.send_reminders(date(2026, 7, 23)) == 2
        assert notify.send_reminders(date(2026, 7, 24)) == 0
    assert "by 30 July 2026" in " ".join(str(smtp.wait_for(2)[0]["Subject"]).split())


def test_a_met_interim_moratorium_no_longer_shows_as_overdue(client, world):
    listed = list_asset(world, date(2026, 3, 2))
    case = notice(world, listed)
    engine.run_clocks(date(2026, 7, 13))
    db.session.commit()
    interim = next(d for d in public.public_case(case, date(2026, 8, 1))["deadlines"]
                   if d["rule"] == "acv_interim_moratorium_end")
    assert (interim["status"], interim["overdue"]) == ("met", False)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    cell = page[page.index('data-rule="acv_interim_moratorium_end"'):]
    cell = cell[:cell.index("</tr>")]
    assert "Overdue" not in cell and "Met" in cell


def test_today_uk_is_the_london_date():
    # 23:30 UTC on 30 June 2026 is 00:30 on 1 July in British Summer Time; in January they agree.
    assert today_uk(datetime(2026, 6, 30, 23, 30, tzinfo=UTC)) == date(2026, 7, 1)
    assert today_uk(datetime(2026, 1, 15, 23, 30, tzinfo=UTC)) == date(2026, 1, 15)


# ---------------------------------------------------------------- the other pairs, and the officer's correction


def test_atr_offer_made_on_the_offer_deadline_and_entered_after_the_lapse_stands(scots):
    case = atr_in_assessment(scots, date(2026, 3, 2))
    notice_day = date(2026, 6, 1)
    engine.transition(case.id, "agree", scots.decision_maker, agree_data(notice_day), notice_day)
    offer_last = row(case, "atr_offer_due").due_date
    engine.run_clocks(offer_last + timedelta(days=1))
    assert case.state == "offer_lapsed" and case.data["s84_no_disposal"] is False
    engine.transition(case.id, "make_offer", scots.cig_rep,
                      {"offer_date": offer_last.isoformat(), "offer_terms": "£45,000",
                       "late_entry_reason": "Offer emailed on the deadline; the council read it later."},
                      offer_last + timedelta(days=2))
    case = cases.get(case.id)
    assert case.state == "offer_made" and case.data["s84_no_disposal"] is True
    assert (row(case, "atr_offer_due").status, row(case, "atr_offer_due").met_at) == ("met", offer_last)


def test_crtb_confirmation_on_the_last_day_entered_after_the_deemed_decline_stands(db_session):
    w = build("S12000017")
    w.cig.legal_form = "community_benefit_society"
    w.cig.community_definition = "The village"  # the s.34 facts a community body must have
    w.cig.member_count, w.cig.local_member_count, w.cig.non_distribution_of_surplus = 12, 9, True
    db.session.flush()
    case = engine.open_case("community_right_to_buy", "record_application", w.cig_rep,
                            {"ros_register": "RCIL", "ros_reference": "CB00999", "application_date": "2026-01-05",
                             "land_description": "The village hall"}, date(2026, 1, 5),
                            authority_code="S12000017", asset_id=w.asset.id, organisation_id=w.cig.id)
    engine.transition(case.id, "record_registration", w.officer, {"registration_date": "2026-03-02"},
                      date(2026, 3, 2))
    engine.transition(case.id, "record_owner_notice", w.officer, {"owner_notice_date": "2026-09-01",
                                                                     "owner_notice_received_on": "2026-09-01"},
                      date(2026, 9, 1))
    engine.transition(case.id, "record_ministers_request", w.officer, {"request_sent_on": "2026-09-03"},
                      date(2026, 9, 3))
    last_day = row(case, "crtb_confirmation_due").due_date
    engine.run_clocks(last_day + timedelta(days=1))
    assert case.state == "declined" and case.data["decline_reason"] == "deemed_declined"
    engine.transition(case.id, "confirm", w.cig_rep,
                      {"confirmed_on": last_day.isoformat(), "late_entry_reason": "Posted on the last day."},
                      last_day + timedelta(days=2))
    case = cases.get(case.id)
    assert case.state == "ballot" and "decline_reason" not in case.data
    assert row(case, "crtb_confirmation_due").status == "met"


def test_the_officer_correction_supersedes_the_later_steps_too(client, world):
    listed = list_asset(world, date(2026, 3, 2))
    case = notice(world, listed)
    engine.run_clocks(date(2026, 7, 13))
    engine.transition(case.id, "record_disposal", world.officer,
                      {"disposal_date": "2026-08-03", "buyer_type": "other"}, date(2026, 8, 3))
    automatic = next(e for e in cases.events_of(case.id) if e.action == "end_interim")
    db.session.commit()
    sign_in(client, world.officer)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="correct-the-record"' in page
    refused = client.post(f"/api/cases/{case.id}/corrections", headers={"X-CSRFToken": csrf_token(client)},
                          json={"event_id": automatic.id})
    assert refused.status_code == 400 and refused.get_json()["invalid_param"] == "reason"
    answer = client.post(f"/api/cases/{case.id}/corrections", headers={"X-CSRFToken": csrf_token(client)},
                         json={"event_id": automatic.id, "reason": "The group's request of 12 July was mislaid."})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.get_json()["state"] == "interim_moratorium"
    assert [e.action for e in cases.events_of(case.id)][-2:] == ["supersede", "supersede"]
    engine.transition(case.id, "request_to_bid", world.officer,
                      {"organisation_id": world.cig.id, "request_received_on": "2026-07-12"}, date(2026, 8, 10))
    case = cases.get(case.id)
    assert case.state == "full_moratorium" and row(case, "acv_full_moratorium_end").status == "open"
    assert "buyer_type" not in case.data and world.asset.live_status == "in_moratorium"
