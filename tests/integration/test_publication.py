"""Published text is shown before it is saved, and contact details in it are refused (issue 12 item 1)."""

import re
from datetime import date

import pytest
from sqlalchemy import text

from registry import db
from registry.errors import InvalidInput
from registry.workflow import cases, engine

from .test_workflow_screens import form, sign_in, world  # noqa: F401 (a fixture)
from .workflow_world import nominate


@pytest.fixture()
def ready_to_decide(world):  # noqa: F811
    today = engine.today_uk()
    case = nominate(world, today)
    engine.transition(case.id, "begin_validation", world.officer, {}, today)
    engine.transition(case.id, "accept_nomination", world.officer, {"owner_notified_on": today.isoformat()}, today)
    db.session.commit()
    return case


def events(case_id) -> int:
    return db.session.execute(text("SELECT count(*) FROM case_event WHERE case_id = :id"), {"id": case_id}).scalar()


def test_the_reasons_are_shown_as_published_before_they_are_saved(client, world, ready_to_decide):  # noqa: F811
    case = ready_to_decide
    before = events(case.id)
    sign_in(client, world.decision_maker)
    url = f"/cases/{case.id}/steps/list"
    first = client.post(url, data=form(client, reasons="Furthers social wellbeing (s.88)."))
    body = first.get_data(as_text=True)
    assert first.status_code == 200 and "This will be published as:" in body
    assert "<strong>Reasons:</strong> Furthers social wellbeing (s.88)." in body and "Confirm and publish" in body
    db.session.expire_all()
    assert events(case.id) == before and cases.get(case.id).state == "owner_notified"  # nothing saved yet
    digest = re.search(r'name="confirm_publication" value="([^"]+)"', body).group(1)
    # the text changed after the preview: shown again, still not saved
    changed = client.post(url, data=form(client, reasons="Something else", confirm_publication=digest))
    assert changed.status_code == 200 and "Something else" in changed.get_data(as_text=True)
    assert events(case.id) == before
    confirmed = client.post(url, data=form(client, reasons="Furthers social wellbeing (s.88).",
                                           confirm_publication=digest))
    assert confirmed.status_code == 302
    db.session.expire_all()
    assert cases.get(case.id).state == "listed" and events(case.id) == before + 1


def test_a_refused_step_is_refused_before_any_preview(client, world, ready_to_decide):  # noqa: F811
    sign_in(client, world.officer)  # an officer may not take the decision
    refused = client.post(f"/cases/{ready_to_decide.id}/steps/list", data=form(client, reasons="Valued"))
    assert refused.status_code == 403 and "This will be published as" not in refused.get_data(as_text=True)


def test_published_text_with_a_phone_number_is_refused_naming_the_field(client, world, ready_to_decide):  # noqa: F811
    sign_in(client, world.decision_maker)
    response = client.post(f"/cases/{ready_to_decide.id}/steps/list",
                           data=form(client, reasons="Agreed with the owner on 0113 496 0000."))
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and 'href="#reasons"' in body
    assert "Reasons contains a phone number" in body and 'id="publish-anyway"' in body


def test_an_officer_publishes_a_contact_deliberately_with_a_recorded_reason(world, ready_to_decide):  # noqa: F811
    case, today = ready_to_decide, engine.today_uk()
    reasons = "Bookings through the clerk, clerk@parish.example, as the parish asked."
    with pytest.raises(InvalidInput) as refused:
        engine.transition(case.id, "list", world.decision_maker, {"reasons": reasons}, today)
    assert refused.value.field == "reasons" and "an email address" in refused.value.detail
    with pytest.raises(InvalidInput) as no_reason:
        engine.transition(case.id, "list", world.decision_maker, {"reasons": reasons, "publish_personal_data": "yes"},
                          today)
    assert no_reason.value.field == "publish_personal_data_reason"
    engine.transition(case.id, "list", world.decision_maker,
                      {"reasons": reasons, "publish_personal_data": "yes",
                       "publish_personal_data_reason": "The parish's public booking address"}, today)
    event = cases.events_of(case.id)[-1]
    assert event.reasons == reasons
    assert event.private_data["personal_data_published"] == {
        "fields": ["reasons"], "reason": "The parish's public booking address"}


def test_a_group_cannot_publish_a_contact_even_if_it_ticks_the_box(world):  # noqa: F811
    with pytest.raises(InvalidInput) as refused:
        nominate(world, date(2026, 3, 2), land_description="Ring Ann on 07700 900123 to visit",
                 publish_personal_data="yes", publish_personal_data_reason="we want calls")
    assert refused.value.field == "land_description" and "a phone number" in refused.value.detail
