"""The Scottish community right to buy from the screens (issue 11 item 6), through the Flask test client.

A community body registers an interest from a Scottish asset's page; bodies that may not are told why in
plain words; the officer records the RoS status from the case page, and it is shown beside the case state.
"""

from datetime import date

import pytest

from registry import db
from registry.workflow import cases, engine, ros_status

from .test_workflow_crtb import HIGHLAND, make_community_body
from .test_workflow_screens import form, sign_in, sign_out
from .workflow_world import LEEDS, build, case_count


@pytest.fixture()
def world(db_session):
    w = build(HIGHLAND)
    make_community_body(w.cig)
    db.session.commit()
    return w


APPLICATION = {"ros_register": "RCIL", "ros_reference": "CB00777", "application_date-day": "5",
               "application_date-month": "1", "application_date-year": "2026",
               "land_description": "The old school and its playing field"}


def test_an_eligible_body_registers_an_interest_from_the_asset_page(client, world):
    sign_in(client, world.cig_rep)
    asset_page = client.get(f"/assets/{world.asset.id}").get_data(as_text=True)
    assert 'id="register-community-interest"' in asset_page
    page = client.get(f"/assets/{world.asset.id}/community-right-to-buy")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "company limited by guarantee" in text and "Community councils" in text
    answer = client.post(f"/assets/{world.asset.id}/community-right-to-buy", data=form(client, **APPLICATION))
    assert answer.status_code == 302, answer.get_data(as_text=True)[:3000]
    case = cases.get(int(answer.headers["Location"].split("/cases/")[1].split("?")[0]))
    assert (case.process, case.state, case.organisation_id, case.asset_id) == (
        "community_right_to_buy", "pending", world.cig.id, world.asset.id)
    assert (case.data["ros_reference"], case.data["application_date"]) == ("CB00777", "2026-01-05")


def test_a_body_that_may_not_is_told_why_and_offered_no_form(client, world):
    world.cig.legal_form = "CIC"
    db.session.commit()
    sign_in(client, world.cig_rep)
    asset_page = client.get(f"/assets/{world.asset.id}").get_data(as_text=True)
    assert 'id="register-community-interest"' not in asset_page
    assert "community interest company (CIC): only a company limited by guarantee" in asset_page
    page = client.get(f"/assets/{world.asset.id}/community-right-to-buy").get_data(as_text=True)
    assert 'id="cannot-use"' in page and 'id="send-request"' not in page
    before = case_count()
    answer = client.post(f"/assets/{world.asset.id}/community-right-to-buy", data=form(client, **APPLICATION))
    assert answer.status_code == 403
    assert "None of your groups can register a community interest" in answer.get_data(as_text=True)
    assert case_count() == before


def test_not_offered_for_land_outside_scotland(client, db_session):
    england = build(LEEDS)
    make_community_body(england.cig)
    db.session.commit()
    sign_in(client, england.cig_rep)
    assert 'id="register-community-interest"' not in client.get(f"/assets/{england.asset.id}").get_data(as_text=True)
    assert client.get(f"/assets/{england.asset.id}/community-right-to-buy").status_code == 404


def test_officer_records_a_ros_status_that_differs_and_the_page_shows_both(client, world):
    case = engine.open_case("community_right_to_buy", "record_application", world.cig_rep,
                            {"ros_register": "RCIL", "ros_reference": "CB00777", "application_date": "2026-01-05",
                             "land_description": "The old school"}, date(2026, 1, 5), authority_code=HIGHLAND,
                            asset_id=world.asset.id, organisation_id=world.cig.id)
    db.session.commit()
    sign_in(client, world.officer)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "No Registers of Scotland status recorded yet" in page and 'id="ros-status-form"' in page
    today = engine.today_uk()
    bad = client.post(f"/cases/{case.id}/ros-status", data=form(
        client, register="RCIL", status="", ros_reference="CB00777", **{
            "status_date-day": str(today.day), "status_date-month": str(today.month),
            "status_date-year": str(today.year)}))
    assert bad.status_code == 400 and "Choose the status RCIL shows" in bad.get_data(as_text=True)
    assert ros_status.history(case.id) == []
    # RoS already shows the entry as registered while the case still reads "pending".
    answer = client.post(f"/cases/{case.id}/ros-status", data=form(
        client, register="RCIL", status="registered", ros_reference="CB00777", **{
            "status_date-day": str(today.day), "status_date-month": str(today.month),
            "status_date-year": str(today.year)}))
    assert answer.status_code == 302, answer.get_data(as_text=True)[:3000]
    sign_out(client)
    public = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'data-state="pending"' in public and 'id="ros-status" data-status="registered"' in public
    assert "This differs from the case" in public and 'id="ros-status-form"' not in public
    assert [(r.status, r.recorded_by_user_id) for r in ros_status.history(case.id)] == [
        ("registered", world.officer.id)]


def test_the_group_cannot_record_a_ros_status(client, world):
    case = engine.open_case("community_right_to_buy", "record_application", world.cig_rep,
                            {"ros_register": "RCIL", "ros_reference": "CB00777", "application_date": "2026-01-05",
                             "land_description": "The old school"}, date(2026, 1, 5), authority_code=HIGHLAND,
                            asset_id=world.asset.id, organisation_id=world.cig.id)
    db.session.commit()
    sign_in(client, world.cig_rep)
    answer = client.post(f"/cases/{case.id}/ros-status", data=form(
        client, register="RCIL", status="registered", ros_reference="CB00777", **{
            "status_date-day": "5", "status_date-month": "1", "status_date-year": "2026"}))
    assert answer.status_code == 403 and ros_status.history(case.id) == []


def test_ros_status_through_the_api_problem_json_naming_the_field_then_held_and_shown(client, world):
    from registry import accounts

    case = engine.open_case("community_right_to_buy", "record_application", world.cig_rep,
                            {"ros_register": "RCIL", "ros_reference": "CB00777", "application_date": "2026-01-05",
                             "land_description": "The old school"}, date(2026, 1, 5), authority_code=HIGHLAND,
                            asset_id=world.asset.id, organisation_id=world.cig.id)
    _, secret = accounts.create_api_token(world.officer, "test")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    bad = client.post(f"/api/cases/{case.id}/ros-status", headers=headers,
                      json={"register": "RCIL", "status": "activated", "ros_reference": "CB00777",
                            "status_date": "2999-01-01"})
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"
    assert bad.get_json()["invalid_param"] == "status_date" and ros_status.history(case.id) == []
    answer = client.post(f"/api/cases/{case.id}/ros-status", headers=headers,
                         json={"register": "RCIL", "status": "activated", "ros_reference": "CB00777",
                               "status_date": "2026-01-06"})
    assert answer.status_code == 200, answer.get_data(as_text=True)
    document = client.get(f"/api/cases/{case.id}").get_json()
    assert document["state"] == "pending"
    assert {k: document["registers_of_scotland"][k] for k in ("register", "status", "ros_reference", "status_date")} \
        == {"register": "RCIL", "status": "activated", "ros_reference": "CB00777", "status_date": "2026-01-06"}


def test_parts_3a_and_5_are_started_from_the_asset_page(client, world):
    sign_in(client, world.cig_rep)
    asset_page = client.get(f"/assets/{world.asset.id}").get_data(as_text=True)
    assert 'id="part-3a"' in asset_page and 'id="part-5"' in asset_page
    answer = client.post(f"/assets/{world.asset.id}/abandoned-land-right-to-buy", data=form(
        client, ros_reference="RoACBL-7", land_description="The derelict mill", ground="neglected",
        tried_to_buy="yes", **{"application_date-day": "2", "application_date-month": "11",
                               "application_date-year": "2026"}))
    assert answer.status_code == 302, answer.get_data(as_text=True)[:3000]
    p3a = cases.get(int(answer.headers["Location"].split("/cases/")[1].split("?")[0]))
    assert (p3a.process, p3a.state, p3a.data["ground"]) == ("abandoned_land_right_to_buy", "applied", "neglected")
    refused = client.post(f"/assets/{world.asset.id}/abandoned-land-right-to-buy", data=form(
        client, ros_reference="RoACBL-8", land_description="The mill", ground="neglected",
        **{"application_date-day": "2", "application_date-month": "11", "application_date-year": "2026"}))
    assert refused.status_code == 409 and "tried to buy the land and failed" in refused.get_data(as_text=True)
    answer = client.post(f"/assets/{world.asset.id}/sustainable-development-right-to-buy", data=form(
        client, land_description="The north shore", **{"request_sent_on-day": "31", "request_sent_on-month": "8",
                                                       "request_sent_on-year": "2026"}))
    assert answer.status_code == 302, answer.get_data(as_text=True)[:3000]
    p5 = cases.get(int(answer.headers["Location"].split("/cases/")[1].split("?")[0]))
    assert p5.process == "sustainable_development_right_to_buy" and p5.state == "preparing"
    page = client.get(f"/cases/{p5.id}").get_data(as_text=True)
    assert "28 February 2027" in page  # the earliest application: 6 months after 31 Aug 2026, no 31 Feb
