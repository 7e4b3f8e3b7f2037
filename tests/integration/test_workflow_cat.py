"""Community asset transfer: EOI → business case → assessment → heads of terms (GDC check) → completion."""

from datetime import date

import pytest
from sqlalchemy import text

from registry import db
from registry.errors import Forbidden, InvalidInput, TransitionRefused
from registry.workflow import engine

from .workflow_world import build, counts

TODAY = date(2026, 6, 1)


@pytest.fixture()
def world(db_session):
    return build()


def apply(world):
    return engine.open_case("cat", "submit_eoi", world.rep,
                            {"proposal": "A community café", "community_benefit": "A warm space",
                             "tenure_sought": "lease", "funding": "Private: grant bid"}, TODAY,
                            authority_code=world.asset.authority_code, asset_id=world.asset.id,
                            organisation_id=world.group.id)


def to_heads_of_terms(world, case):
    engine.transition(case.id, "invite_business_case", world.officer, {"business_case_due": "2026-08-01"}, TODAY)
    engine.transition(case.id, "submit_business_case", world.rep, {"business_case_summary": "Break-even in 2y"},
                      TODAY)
    engine.transition(case.id, "record_assessment", world.officer,
                      {"assessment_score": "72", "assessment_max_score": "100", "assessment_summary": "Strong"}, TODAY)
    engine.transition(case.id, "approve_in_principle", world.decision_maker, {"reasons": "Good plan"}, TODAY)


def test_transfer_from_request_to_completion(world):
    case = apply(world)
    assert world.asset.live_status == "under_consideration"
    to_heads_of_terms(world, case)
    engine.transition(case.id, "agree_heads_of_terms", world.officer,
                      {"tenure": "lease", "lease_term_years": "25", "annual_rent_gbp": "1",
                       "market_value_gbp": "250000", "consideration_gbp": "0",
                       "wellbeing_justification": "Social well-being of the ward"}, TODAY)
    assert case.data["undervalue_gbp"] == 250000 and case.data["within_general_consent"] is True
    assert case.data["short_tenancy"] is False
    engine.transition(case.id, "formal_decision", world.decision_maker,
                      {"decision_reference": "Cabinet 12/2026", "reasons": "Approved"}, TODAY)
    engine.transition(case.id, "complete", world.officer, {"completion_date": "2026-06-01"}, TODAY)
    assert case.state == "completed" and world.asset.live_status == "transferred"
    transfer_id = db.session.execute(text("SELECT id FROM transfer WHERE case_id = :id"), {"id": case.id}).scalar()
    assert transfer_id is not None


def test_undervalue_over_two_million_needs_specific_consent(world):
    case = apply(world)
    to_heads_of_terms(world, case)
    terms = {"tenure": "freehold", "market_value_gbp": "2500001", "consideration_gbp": "500000",
             "wellbeing_justification": "Regeneration"}
    before = counts(case.id)
    with pytest.raises(InvalidInput) as caught:
        engine.transition(case.id, "agree_heads_of_terms", world.officer, terms, TODAY)
    assert caught.value.field == "consent_reference" and counts(case.id) == before
    engine.transition(case.id, "agree_heads_of_terms", world.officer, {**terms, "consent_reference": "SoS/1"}, TODAY)
    assert case.data["within_general_consent"] is False


def test_short_tenancy_flagged(world):
    case = apply(world)
    to_heads_of_terms(world, case)
    engine.transition(case.id, "agree_heads_of_terms", world.officer,
                      {"tenure": "lease", "lease_term_years": "5", "market_value_gbp": "90000",
                       "consideration_gbp": "0"}, TODAY)
    assert case.data["short_tenancy"] is True


def test_business_case_stage_skipped_only_where_configured(world, monkeypatch):
    case = apply(world)
    with pytest.raises(TransitionRefused, match="business case first"):
        engine.transition(case.id, "approve_in_principle", world.decision_maker, {"reasons": "r"}, TODAY)
    from flask import current_app

    monkeypatch.setattr(current_app.config["SETTINGS"], "cat_no_business_case", (world.asset.authority_code,))
    engine.transition(case.id, "approve_in_principle", world.decision_maker, {"reasons": "r"}, TODAY)
    assert case.state == "approved_in_principle"


def test_refusals_and_roles(world):
    case = apply(world)
    with pytest.raises(Forbidden):
        engine.transition(case.id, "invite_business_case", world.rep, {}, TODAY)
    with pytest.raises(Forbidden):
        engine.transition(case.id, "invite_business_case", world.other_officer, {}, TODAY)
    engine.transition(case.id, "decline_eoi", world.officer, {"reasons": "Asset needed operationally"}, TODAY)
    assert case.state == "eoi_declined" and world.asset.live_status is None
    with pytest.raises(TransitionRefused, match="closed"):
        engine.transition(case.id, "withdraw", world.rep, {}, TODAY)


def test_transfer_request_screen(client, world):
    from .test_workflow_screens import form, sign_in

    db.session.commit()
    sign_in(client, world.rep)
    assert client.get(f"/assets/{world.asset.id}/transfer-request").status_code == 200
    response = client.post(f"/assets/{world.asset.id}/transfer-request", data=form(
        client, proposal="Café", community_benefit="Warm space", tenure_sought="lease", funding="secret grant"))
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.location).get_data(as_text=True)
    assert "Expression of interest received" in page
    from .test_workflow_screens import sign_out

    sign_out(client)
    assert "secret grant" not in client.get(response.location.split("?")[0]).get_data(as_text=True)
