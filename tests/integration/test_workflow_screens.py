"""The case screens and the deadline calculator, through the Flask test client."""

import re
from datetime import date

import pytest

from registry import db
from registry.workflow import cases, engine

from . import conftest as people
from .conftest import csrf_token, post_step
from .workflow_world import build

PRIVATE = "Mr A Owner, 1 The Lane"


@pytest.fixture()
def world(db_session):
    w = build()
    db.session.commit()  # into the test's outer transaction, so failed requests keep it
    return w


def _forget_cached_user():
    # The test holds one app context for all its requests, so Flask-Login's per-context cache must go.
    from flask import g

    g.pop("_login_user", None)
    g.pop("bearer_actor", None)
    g.pop("csrf_token", None)


def sign_in(client, user):
    people.sign_in(client, user)
    _forget_cached_user()


def sign_out(client):
    people.sign_out(client)
    _forget_cached_user()


def form(client, **values):
    return {"csrf_token": csrf_token(client), **values}


def nominate_via_screens(client, world):
    sign_in(client, world.rep)
    page = client.get(f"/assets/{world.asset.id}/nominate")
    assert page.status_code == 200 and "Nominate" in page.get_data(as_text=True)
    saved = client.post(f"/assets/{world.asset.id}/nominate", data=form(
        client, land_description="The green", community_value_reasons="Football and the fair",
        owners_known=PRIVATE, save="1"))
    assert saved.status_code == 302 and "/edit?saved=1" in saved.location
    case_id = int(re.search(r"/cases/(\d+)/edit", saved.location).group(1))
    again = client.get(saved.location).get_data(as_text=True)
    assert "Your draft is saved" in again and "Football and the fair" in again
    sent = client.post(f"/cases/{case_id}/edit", data=form(client, submit_now="1", version="1"))
    assert sent.status_code == 302 and sent.location.endswith(f"/cases/{case_id}?sent=1"), sent.get_data(as_text=True)
    return case_id


def test_group_nominates_officer_lists_public_sees_it(client, world):
    case_id = nominate_via_screens(client, world)
    sign_out(client)
    public = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Nomination received" in public and "Decision on the nomination due" in public
    assert PRIVATE not in public and "secret@example.org" not in public and "Ann Secret" not in public
    api = client.get(f"/api/cases/{case_id}").get_json()
    assert api["state"] == "submitted" and PRIVATE not in str(api)

    sign_in(client, world.officer)
    caseload = client.get("/cases").get_data(as_text=True)
    assert cases.get(case_id).reference in caseload
    ok = post_step(client, f"/cases/{case_id}/steps/begin_validation", data=form(client))
    assert ok.status_code == 302
    assert PRIVATE in client.get(f"/cases/{case_id}").get_data(as_text=True)  # the council sees private details
    today = engine.today_uk()
    ok = post_step(client, f"/cases/{case_id}/steps/accept_nomination", data=form(
        client, **{"owner_notified_on-day": str(today.day), "owner_notified_on-month": str(today.month),
                   "owner_notified_on-year": str(today.year)}))
    assert ok.status_code == 302, ok.get_data(as_text=True)
    # an officer may not take the decision: the page says so and nothing changes
    refused = post_step(client, f"/cases/{case_id}/steps/list", data=form(client, reasons="Valued"))
    assert refused.status_code == 403 and cases.get(case_id).state == "owner_notified"
    sign_in(client, world.decision_maker)
    ok = post_step(client, f"/cases/{case_id}/steps/list", data=form(client, reasons="Valued by the community"))
    assert ok.status_code == 302
    db.session.expire_all()
    assert cases.get(case_id).state == "listed"
    sign_out(client)
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Valued by the community" in page and 'data-state="listed"' in page
    asset_page = client.get(f"/assets/{world.asset.id}")
    assert asset_page.status_code == 200


def test_illegal_step_on_the_page_is_refused_with_reasons(client, world):
    case_id = nominate_via_screens(client, world)
    sign_in(client, world.decision_maker)
    events_before = len(cases.events_of(case_id))
    refused = post_step(client, f"/cases/{case_id}/steps/list", data=form(client, reasons="r"))
    body = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "You cannot list the land" in body and "Nomination received" in body
    db.session.expire_all()
    assert len(cases.events_of(case_id)) == events_before


def test_missing_reasons_named_on_the_page(client, world):
    case_id = nominate_via_screens(client, world)
    sign_in(client, world.officer)
    response = post_step(client, f"/cases/{case_id}/steps/reject_nomination",
                           data=form(client, invalid_reason="incomplete"))
    assert response.status_code == 400 and 'href="#reasons"' in response.get_data(as_text=True)


def test_draft_is_private_to_the_group(client, world):
    sign_in(client, world.rep)
    saved = client.post(f"/assets/{world.asset.id}/nominate", data=form(client, land_description="x", save="1"))
    case_id = int(re.search(r"/cases/(\d+)/edit", saved.location).group(1))
    mine = client.get("/cases").get_data(as_text=True)
    assert f"/cases/{case_id}/edit" in mine
    sign_out(client)
    assert client.get(f"/cases/{case_id}").status_code == 404
    assert client.get(f"/api/cases/{case_id}").status_code == 404
    sign_in(client, world.cig_rep)  # another group's rep
    assert client.get(f"/cases/{case_id}/edit").status_code == 403


def test_nominate_needs_a_group(client, world):
    assert client.get(f"/assets/{world.asset.id}/nominate").status_code == 401
    sign_in(client, world.citizen)
    # Issue 13: not a bare 403 but the page saying who may nominate and how to register or join a group.
    answer = client.get(f"/assets/{world.asset.id}/nominate")
    assert answer.status_code == 302 and answer.location.startswith("/rights/acv/who-can-use")


def test_caseload_sorted_by_nearest_deadline_with_overdue_flagged(client, world):
    from .workflow_world import nominate

    old = nominate(world, date(2020, 1, 6))  # its 8-week decision deadline passed long ago
    new = nominate(world, engine.today_uk())
    db.session.commit()
    sign_in(client, world.officer)
    body = client.get("/cases").get_data(as_text=True)
    assert body.index(old.reference) < body.index(new.reference)
    row = body[body.index(f'data-case="{old.id}"') - 60:body.index(f'data-case="{old.id}"') + 600]
    assert "app-overdue" in row and "Overdue" in row


def test_api_transition_with_the_same_engine(client, world):
    case_id = nominate_via_screens(client, world)
    sign_in(client, world.officer)
    token = csrf_token(client)
    ok = client.post(f"/api/cases/{case_id}/transitions", json={"action": "begin_validation"},
                     headers={"X-CSRFToken": token})
    assert ok.status_code == 200 and ok.get_json()["state"] == "validation"
    refused = client.post(f"/api/cases/{case_id}/transitions", json={"action": "list", "data": {"reasons": "r"}},
                          headers={"X-CSRFToken": token})
    problem = refused.get_json()
    assert refused.status_code == 409 and refused.mimetype == "application/problem+json"
    assert problem["from_state"] == "validation" and "accept_nomination" in problem["allowed"]


# ---------------------------------------------------------------- the deadline calculator


@pytest.mark.parametrize(("event", "day", "rule", "due"), [
    ("acv-disposal-notice-received", "2026-06-01", "acv_interim_moratorium_end", "2026-07-12"),
    ("acv-disposal-notice-received", "2026-03-31", "acv_full_moratorium_end", "2026-09-30"),
    ("acv-nomination-received", "2026-06-01", "acv_decision_due", "2026-07-27"),
    ("acv-review-decision-sent", "2026-06-01", "acv_tribunal_appeal_due", "2026-06-29"),
    ("acv-review-decision-sent", "2026-01-31", "acv_tribunal_appeal_due", "2026-03-02"),  # Sat 28 Feb carried
    ("rtc-eoi-received", "2026-06-01", "rtc_timetable_notice_due", "2026-07-01"),
    ("atr-decision-notice-sent", "2026-12-18", "atr_review_or_appeal_due", "2027-01-20"),
    ("crtb-owner-notice", "2026-06-01", "crtb_ministers_request_due", "2026-06-08"),
])
def test_deadlines_api(client, event, day, rule, due):
    response = client.get(f"/api/deadlines?event={event}&date={day}")
    assert response.status_code == 200
    body = response.get_json()
    assert body["event"] == event and body["date"] == day
    found = {d["rule"]: d for d in body["deadlines"]}
    assert found[rule]["due"] == due and found[rule]["label"]


@pytest.mark.parametrize(("query", "param"), [
    ("date=2026-06-01", "event"),
    ("event=nope&date=2026-06-01", "event"),
    ("event=acv-nomination-received", "date"),
    ("event=acv-nomination-received&date=2026-02-30", "date"),
    ("event=atr-validated&date=2026-06-01&regime=LA2011", "regime"),
])
def test_deadlines_api_names_the_bad_parameter(client, query, param):
    response = client.get(f"/api/deadlines?{query}")
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert response.get_json()["invalid_param"] == param


def test_deadlines_page_documents_every_event_and_calculates(client):
    from registry.workflow import rules

    page = client.get("/deadlines").get_data(as_text=True)
    for event in rules.EVENTS:
        assert f'id="event-{event.code}"' in page
    result = client.get("/deadlines?event=acv-disposal-notice-received&date-day=1&date-month=6&date-year=2026")
    body = result.get_data(as_text=True)
    assert result.status_code == 200 and "12 July 2026" in body and "30 November 2027" in body
    bad = client.get("/deadlines?event=acv-disposal-notice-received&date-day=31&date-month=2&date-year=2026")
    assert bad.status_code == 400 and "govuk-error-summary" in bad.get_data(as_text=True)


def test_group_is_emailed_on_the_decision_and_reminded(client, world, smtp):
    case_id = nominate_via_screens(client, world)
    smtp.wait_for(1)
    assert any("Nomination received" in m["Subject"] for m in smtp.messages)
    sign_in(client, world.officer)
    post_step(client, f"/cases/{case_id}/steps/begin_validation", data=form(client))
    today = engine.today_uk()
    post_step(client, f"/cases/{case_id}/steps/accept_nomination", data=form(
        client, **{"owner_notified_on-day": str(today.day), "owner_notified_on-month": str(today.month),
                   "owner_notified_on-year": str(today.year)}))
    sign_in(client, world.decision_maker)
    before = len(smtp.messages)
    post_step(client, f"/cases/{case_id}/steps/decline", data=form(client, decline_reason="not_community_value",
                                                             reasons="The use is ancillary."))
    messages = smtp.wait_for(before + 1)
    decision = messages[-1]
    assert decision["Subject"].endswith("Not listed")
    assert decision["To"] in (world.rep.email, "secret@example.org")
    body = smtp.last_body()
    assert "The use is ancillary." in body and f"/cases/{case_id}" in body
    assert PRIVATE not in body
    # a refused step sends nothing
    count = len(smtp.messages)
    post_step(client, f"/cases/{case_id}/steps/list", data=form(client, reasons="x"))
    import time

    time.sleep(0.3)
    assert len(smtp.messages) == count


def test_reminder_before_a_groups_deadline(app, world, smtp):
    from registry.workflow import notify

    from .workflow_world import list_asset

    listed = list_asset(world, date(2026, 3, 2))
    case = engine.open_case("moratorium", "receive_notice", world.officer,
                            {"notice_received_on": "2026-06-01", "disposal_type": "freehold_sale"}, date(2026, 6, 1),
                            authority_code=listed.authority_code, asset_id=listed.asset_id, parent_case_id=listed.id)
    with app.test_request_context():
        sent = notify.send_reminders(date(2026, 7, 5))  # the interim moratorium's last day is 12 July
    assert sent >= 1
    smtp.wait_for(1)
    assert any(case.reference in m["Subject"] and "Interim moratorium" in m["Subject"] for m in smtp.messages)


def test_moratorium_through_the_case_pages(client, world):
    from .workflow_world import list_asset

    listed = list_asset(world, engine.today_uk())
    db.session.commit()
    sign_in(client, world.officer)
    page = client.get(f"/cases/{listed.id}").get_data(as_text=True)
    assert "Record the owner&#39;s notice of intent to dispose" in page or "notice of intent to dispose" in page
    today = engine.today_uk()
    started = client.post(f"/cases/{listed.id}/start/moratorium/receive_notice", data=form(
        client, disposal_type="freehold_sale", **{"notice_received_on-day": str(today.day),
                                                  "notice_received_on-month": str(today.month),
                                                  "notice_received_on-year": str(today.year)}))
    assert started.status_code == 302, started.get_data(as_text=True)
    moratorium_id = int(started.location.rsplit("/", 1)[1])
    db.session.expire_all()
    assert world.asset.live_status == "in_moratorium"
    # a sale to anyone but a community interest group is refused on the page
    refused = post_step(client, f"/cases/{moratorium_id}/steps/record_disposal", data=form(
        client, buyer_type="other", **{"disposal_date-day": str(today.day), "disposal_date-month": str(today.month),
                                       "disposal_date-year": str(today.year)}))
    assert refused.status_code == 409 and "only to a community interest group" in refused.get_data(as_text=True)
    sign_in(client, world.cig_rep)
    page = client.get(f"/cases/{moratorium_id}").get_data(as_text=True)
    assert "step-request_to_bid" in page and "Green Community Trust" in page
    asked = post_step(client, f"/cases/{moratorium_id}/steps/request_to_bid",
                        data=form(client, organisation_id=str(world.cig.id)))
    assert asked.status_code == 302
    db.session.expire_all()
    assert cases.get(moratorium_id).state == "full_moratorium"
    public = client.get("/registers/assets-of-community-value").get_data(as_text=True)
    assert "Full moratorium until" in public


def test_a_refused_step_keeps_what_was_typed(client, world):
    case_id = nominate_via_screens(client, world)
    sign_in(client, world.officer)
    post_step(client, f"/cases/{case_id}/steps/begin_validation", data=form(client))
    response = post_step(client, f"/cases/{case_id}/steps/accept_nomination", data=form(
        client, **{"owner_notified_on-day": "31", "owner_notified_on-month": "11",
                   "owner_notified_on-year": "2026"}))
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "must be a real date, for example 27 3 2026." in body
    assert "through the API" not in body and "2026-06-01" not in body  # the page's words, not the API's
    assert 'id="accept_nomination-owner_notified_on-day"' in body
    assert 'name="owner_notified_on-day" type="text" inputmode="numeric" value="31"' in body
    db.session.expire_all()
    assert cases.get(case_id).state == "validation"


def test_the_case_page_says_whose_turn_it_is(client, world):
    case_id = nominate_via_screens(client, world)
    sign_in(client, world.officer)
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert 'id="next-steps"' in page and "a council officer" in page and "(you can do this below)" in page


def test_a_bad_extension_is_refused_on_the_case_page(client, world):
    case_id = nominate_via_screens(client, world)
    sign_in(client, world.officer)
    response = client.post(f"/cases/{case_id}/deadlines/acv_decision_due/extend",
                           data=form(client, **{"until-day": "31", "until-month": "2", "until-year": "2027"},
                                     extension_reason="More time agreed"))
    body = response.get_data(as_text=True)
    # 31 February is no date: the case page comes back with the error, and the deadline is unchanged
    assert response.status_code == 400 and "must be a real date" in body
    assert "through the API" not in body and "YYYY" not in body
    assert cases.get(case_id).state == "submitted"
