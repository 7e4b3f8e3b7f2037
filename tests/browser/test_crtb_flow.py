"""A Scottish community right to buy opened from the asset page and taken to a ballot, in headless Chromium.

The community body's representative registers an interest from a Highland asset's page; the council officer
records Ministers' registration, the owner's notice (dated before Ministers received it: the 7 days run
from receipt), Ministers' request and a Registers of Scotland status that differs from the case; the body
confirms; the officer records the ballot (result and turnout). Each step goes through the case page's forms.
"""

from datetime import timedelta

import pytest

from registry import db
from registry.uktime import today_uk
from tests.browser.test_acv_flow import sign_in_as, take_step
from tests.integration.test_workflow_crtb import HIGHLAND, make_community_body
from tests.integration.workflow_world import build, purge

pytestmark = pytest.mark.browser


@pytest.fixture()
def highland(app):
    with app.app_context():
        w = build(HIGHLAND)
        make_community_body(w.cig)
        db.session.commit()
        facts = {"asset_id": w.asset.id, "rep": w.cig_rep.email, "officer": w.officer.email, "body": w.cig.name}
        db.session.remove()
    yield facts
    with app.app_context():
        purge(w)
        db.session.remove()


def date_fields(action, field, day):
    return {f"#{action}-{field}-day": str(day.day), f"#{action}-{field}-month": str(day.month),
            f"#{action}-{field}-year": str(day.year)}


def test_community_right_to_buy_opened_and_taken_to_a_ballot_from_the_screens(page, highland):
    today = today_uk()
    applied, registered = today - timedelta(days=20), today - timedelta(days=15)
    notice_dated, notice_received = today - timedelta(days=10), today - timedelta(days=6)
    asked = today - timedelta(days=4)

    sign_in_as(page, highland["rep"])
    page.goto(f"/assets/{highland['asset_id']}")
    page.click("#register-community-interest")
    assert "company limited by guarantee" in page.locator("main").inner_text()
    page.select_option("#ros_register", "RCIL")
    page.fill("#ros_reference", "CB00555")
    for selector, value in date_fields("", "application_date", applied).items():
        page.fill(selector.replace("#-", "#"), value)
    page.fill("#land_description", "The old schoolhouse and its playing field")
    page.click("#send-request")
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").count() == 0, page.locator(".govuk-error-summary").inner_text()
    case_url = page.url.split("?")[0]
    assert page.locator("#case-state").get_attribute("data-state") == "pending"

    sign_in_as(page, highland["officer"])
    page.goto(case_url)
    take_step(page, "Record registration", "record_registration",
              date_fields("record_registration", "registration_date", registered))
    take_step(page, "Record the owner's notice", "record_owner_notice",
              {**date_fields("record_owner_notice", "owner_notice_date", notice_dated),
               **date_fields("record_owner_notice", "owner_notice_received_on", notice_received)})
    assert page.locator("#case-state").get_attribute("data-state") == "activated"
    seven_days = page.locator("tr[data-rule=crtb_ministers_request_due] time").get_attribute("datetime")
    assert seven_days == (notice_received + timedelta(days=7)).isoformat()  # from receipt, not the notice's date
    take_step(page, "Record Ministers' request", "record_ministers_request",
              date_fields("record_ministers_request", "request_sent_on", asked))

    # RoS still shows the entry as "registered": recorded as its own record, shown beside the case state.
    details = page.locator("#ros-status-form").locator("xpath=ancestor::details")
    details.locator("summary").click()
    page.select_option("#ros-register", "RCIL")
    page.select_option("#ros-status-choice", "registered")
    page.fill("#ros-reference", "CB00555")
    for selector, value in date_fields("ros", "status_date", asked).items():
        page.fill(selector, value)
    page.locator("#ros-status-form button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator(".govuk-error-summary").count() == 0, page.locator(".govuk-error-summary").inner_text()
    assert page.locator("#case-state").get_attribute("data-state") == "confirmation_requested"
    assert page.locator("#ros-status").get_attribute("data-status") == "registered"
    assert "This differs from the case" in page.locator("#ros-panel").inner_text()

    sign_in_as(page, highland["rep"])
    page.goto(case_url)
    take_step(page, "Confirm", "confirm", date_fields("confirm", "confirmed_on", today - timedelta(days=2)))
    assert page.locator("#case-state").get_attribute("data-state") == "ballot"

    sign_in_as(page, highland["officer"])
    page.goto(case_url)
    take_step(page, "Record the ballot", "record_ballot", {
        **date_fields("record_ballot", "ballot_date", today - timedelta(days=1)),
        "#record_ballot-votes_for": "70", "#record_ballot-votes_against": "30",
        "#record_ballot-eligible_voters": "150"})
    assert page.locator("#case-state").get_attribute("data-state") == "awaiting_consent"
    summary = page.locator(".govuk-summary-list").first.inner_text()
    assert "100 of 150 (66.7%)" in summary and "70 for, 30 against" in summary
    assert page.console_errors == []
