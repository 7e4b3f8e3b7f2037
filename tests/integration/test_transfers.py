"""Completed transfers, their clawback conditions, monitoring and the obligations registers."""

import csv
import io
import json
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import select, text

from registry import audit, transfers
from registry.assets import Asset
from registry.errors import Conflict, InvalidInput
from registry.organisations import Organisation
from registry.workflow import engine
from tests.integration.conftest import csrf_token, sign_in
from tests.integration.test_workflow_scottish_atr import validated, world  # noqa: F401 (a fixture)

TODAY = date(2022, 6, 20)
OFFICER = SimpleNamespace(id=None, roles=frozenset({"council_officer"}), authority_code=None,
                          organisation_ids=frozenset())

STEPPED_CONDITION = {
    "beneficiary": "Leeds City Council",
    "instrument": "lr_restriction",
    "registered_ref": "WYK123456 restriction entry 2",
    "method": "stepped_taper",
    "taper": [100, 80, 60, 40, 20],
    "period_years": 5,
    "triggers": ["disposal", "change_of_use"],
}


@pytest.fixture()
def asset(db_session):
    row = db_session.scalars(
        select(Asset).where(Asset.authority_code.like("E%"), Asset.withheld.is_(False)).order_by(Asset.id).limit(1)
    ).one()
    row.surplus_status = "available_for_transfer"
    db_session.commit()  # into the test's outer transaction, so a refused request keeps it
    return row


@pytest.fixture()
def organisation(db_session):
    org = Organisation(name="Hilltop Community Hub CIO", legal_form="CIO", charity_number="1190001",
                       contact_name="Pat Example", contact_email="pat@example.org", contact_phone="07700 900123",
                       contact_address="1 Private Lane")
    db_session.add(org)
    db_session.commit()
    return org


def transfer_data(**overrides):
    data = {
        "tenure": "freehold",
        "completion_date": "2020-04-01",
        "market_value": "250000",
        "consideration": "150000",
        "title_numbers": "WYK123456",
        "decision_reference": "Executive Board minute 42/2020",
        "conditions": [dict(STEPPED_CONDITION)],
    }
    data.update(overrides)
    return data


@pytest.fixture()
def transfer(db_session, asset, organisation):
    created = transfers.create(transfer_data(), OFFICER, TODAY, asset_id=asset.id, organisation_id=organisation.id)
    db_session.commit()
    return created


# ----------------------------------------------------------------- creating transfers


def test_creating_a_transfer_marks_the_asset_transferred(transfer, asset):
    assert asset.surplus_status == "transferred"
    assert asset.live_status == "transferred"
    assert transfer.discount_gbp == Decimal("100000.00")
    assert transfer.within_general_consent is True
    assert transfer.gdc_limit_gbp == Decimal(2000000)
    assert transfer.title_numbers == ["WYK123456"]
    assert transfers.has_transfer(asset.id)


def test_conditions_default_to_the_discount_and_the_completion_date(transfer):
    (condition,) = transfer.conditions
    assert condition.principal_gbp == Decimal("100000.00")
    assert condition.start_date == date(2020, 4, 1)
    assert condition.end_date == date(2025, 3, 31)
    assert condition.status == "active"
    assert [(c.from_status, c.to_status) for c in condition.history] == [(None, "active")]


def test_monitoring_dates_are_annual_reports_and_reviews(transfer):
    kinds = [(m.kind, m.due_date) for m in transfer.monitoring_dates]
    assert ("annual_report", date(2021, 4, 1)) in kinds
    assert ("annual_report", date(2025, 4, 1)) in kinds
    assert ("review", date(2023, 4, 1)) in kinds
    assert len([k for k, _ in kinds if k == "annual_report"]) == 5


def test_monitoring_lasts_as_long_as_the_longest_condition(db_session, asset, organisation):
    ten_years = {**STEPPED_CONDITION, "period_years": 10}
    transfer = transfers.create(transfer_data(conditions=[ten_years]), OFFICER, TODAY, asset_id=asset.id,
                                organisation_id=organisation.id)
    reports = [m.due_date for m in transfer.monitoring_dates if m.kind == "annual_report"]
    assert reports[-1] == date(2030, 4, 1) and len(reports) == 10


def test_creating_a_transfer_is_audited(transfer):
    entries = audit.entries_for("transfer", transfer.id)
    assert [e.action for e in entries] == ["transfer.create"]


def test_undervalue_above_the_general_disposal_consent_needs_a_consent_reference(db_session, asset, organisation):
    data = transfer_data(market_value="3000000", consideration="500000", conditions=[])
    with pytest.raises(InvalidInput) as error:
        transfers.create(data, OFFICER, TODAY, asset_id=asset.id, organisation_id=organisation.id)
    assert error.value.field == "consent_reference"
    data["consent_reference"] = "DLUHC/2020/0042"
    transfer = transfers.create(data, OFFICER, TODAY, asset_id=asset.id, organisation_id=organisation.id)
    assert transfer.within_general_consent is False


@pytest.mark.parametrize("overrides, field", [
    ({"tenure": "lease"}, "lease_term_years"),
    ({"tenure": "squat"}, "tenure"),
    ({"market_value": None}, "market_value"),
    ({"consideration": "300000"}, "consideration"),
    ({"completion_date": "1/4/2020"}, "completion_date"),
    ({"conditions": [{**STEPPED_CONDITION, "taper": [100, 120]}]}, "conditions[0].taper"),
    ({"conditions": [{**STEPPED_CONDITION, "triggers": []}]}, "conditions[0].triggers"),
    ({"conditions": [{**STEPPED_CONDITION, "instrument": "handshake"}]}, "conditions[0].instrument"),
], ids=["lease_without_term", "unknown_tenure", "no_market_value", "consideration_above_value", "bad_date",
        "rising_taper", "no_triggers", "unknown_instrument"])
def test_bad_transfer_fields_are_named(db_session, asset, organisation, overrides, field):
    with pytest.raises(InvalidInput) as error:
        transfers.create(transfer_data(**overrides), OFFICER, TODAY, asset_id=asset.id,
                         organisation_id=organisation.id)
    assert error.value.field == field


def test_a_lease_records_its_term_and_rent(db_session, asset, organisation):
    transfer = transfers.create(transfer_data(tenure="lease", lease_term_years="25", annual_rent="1",
                                              conditions=[]),
                                OFFICER, TODAY, asset_id=asset.id, organisation_id=organisation.id)
    assert (transfer.tenure, transfer.lease_term_years, transfer.annual_rent_gbp) == ("lease", 25, Decimal(1))


# ----------------------------------------------------------------- from a workflow case


def test_create_from_case_takes_everything_from_the_case_and_the_completing_step(db_session, asset, organisation):
    case = SimpleNamespace(
        id=None, asset_id=asset.id, organisation_id=organisation.id, process="cat",
        data={"market_value_gbp": "250000", "consideration_gbp": "150000", "tenure": "freehold",
              "decision_reference": "Cabinet 2020/17", "conditions": [dict(STEPPED_CONDITION)]},
    )
    completing_step = {"completion_date": "2020-04-01", "title_numbers": ["WYK123456"]}
    transfer = transfers.create_from_case(case, completing_step, OFFICER, TODAY)
    assert transfer.discount_gbp == Decimal("100000.00")
    assert transfer.decision_reference == "Cabinet 2020/17"
    assert transfer.conditions[0].principal_gbp == Decimal("100000.00")
    assert asset.surplus_status == "transferred"


def test_create_from_case_needs_a_recipient(db_session, asset):
    case = SimpleNamespace(id=None, asset_id=asset.id, organisation_id=None, data={})
    with pytest.raises(InvalidInput) as error:
        transfers.create_from_case(case, {}, OFFICER, TODAY)
    assert error.value.field == "organisation_id"


# ----------------------------------------------------------------- triggers and status


def test_logging_a_trigger_records_the_calculation(transfer):
    condition = transfer.conditions[0]
    change = transfers.log_trigger(condition.id, {"trigger": "disposal", "trigger_date": "2022-06-15"},
                                   OFFICER, TODAY)
    assert condition.status == "triggered"
    assert change.amount_due_gbp == Decimal("60000.00")
    assert change.calculation["amount_due"] == "60000.00"
    assert change.calculation["inputs"]["taper"] == ["100", "80", "60", "40", "20"]
    assert change.calculation["inputs"]["trigger_date"] == "2022-06-15"
    assert any("year 3" in step["text"] for step in change.calculation["steps"])
    assert [e.action for e in audit.entries_for("clawback_condition", condition.id)] == ["condition.trigger"]


def test_a_trigger_the_condition_does_not_name_is_refused(transfer):
    with pytest.raises(InvalidInput) as error:
        transfers.log_trigger(transfer.conditions[0].id, {"trigger": "insolvency"}, OFFICER, TODAY)
    assert error.value.field == "trigger"


def test_overage_trigger_takes_the_events_figures(db_session, transfer):
    condition = transfers.add_condition({
        "beneficiary": "Leeds City Council", "instrument": "overage_deed", "method": "overage", "share": "50",
        "end_date": "2035-03-31", "triggers": "planning_permission",
    }, OFFICER, TODAY, transfer=transfer)
    assert condition.base_value_gbp == Decimal("250000.00")
    change = transfers.log_trigger(condition.id, {
        "trigger": "planning_permission", "trigger_date": "2022-06-01", "value_at_trigger": "450000",
        "allowable_costs": "20000",
    }, OFFICER, TODAY)
    assert change.amount_due_gbp == Decimal("90000.00")


def test_indexed_condition_reads_the_authoritys_index_table(db_session, transfer):
    transfers.set_index_value(None, "cpi", date(2020, 4, 1), "100", OFFICER)
    transfers.set_index_value(None, "cpi", date(2022, 6, 1), "105", OFFICER)
    transfers.set_index_value(transfer.authority_code, "cpi", date(2022, 6, 1), "110", OFFICER)
    condition = transfers.add_condition({
        "beneficiary": "Leeds City Council", "instrument": "legal_charge", "method": "indexed", "index": "cpi",
        "period_years": 10, "triggers": ["disposal"],
    }, OFFICER, TODAY, transfer=transfer)
    change = transfers.log_trigger(condition.id, {"trigger": "disposal", "trigger_date": "2022-06-15"},
                                   OFFICER, TODAY)
    assert change.amount_due_gbp == Decimal("110000.00")  # the authority's figure wins


def test_status_changes_follow_the_allowed_transitions(transfer):
    condition = transfer.conditions[0]
    transfers.log_trigger(condition.id, {"trigger": "disposal", "trigger_date": "2022-06-15"}, OFFICER, TODAY)
    transfers.change_status(condition.id, "settled", OFFICER, TODAY, "Paid in full on 20 June 2022")
    with pytest.raises(Conflict):
        transfers.change_status(condition.id, "expired", OFFICER, TODAY, "no")
    assert [c.to_status for c in condition.history] == ["active", "triggered", "settled"]


def test_history_is_append_only(db_session, transfer):
    # The app role has no UPDATE on the history; the trigger stops even the owner (test_db_roles.py).
    with pytest.raises(Exception, match="permission denied for table condition_status_change"), \
            db_session.begin_nested():
        db_session.execute(text("UPDATE condition_status_change SET reason = 'rewritten'"))


# ----------------------------------------------------------------- monitoring


def test_conditions_expire_when_their_period_has_ended(transfer):
    condition = transfer.conditions[0]
    assert transfers.expire_conditions(date(2025, 3, 31)) == []
    expired = transfers.expire_conditions(date(2025, 4, 1))
    assert condition in expired
    assert condition.status == "expired"
    assert condition.history[-1].on_date == date(2025, 4, 1)


def test_overdue_list_shows_reports_not_received(transfer):
    overdue = transfers.overdue(date(2022, 6, 20), authority_code=transfer.authority_code)
    assert [(m.kind, m.due_date) for m in overdue if m.transfer_id == transfer.id] == [
        ("annual_report", date(2021, 4, 1)), ("annual_report", date(2022, 4, 1))]
    first = transfer.monitoring_dates[0]
    officer = SimpleNamespace(id=None, roles=frozenset({"council_officer"}),
                              authority_code=transfer.authority_code, organisation_ids=frozenset())
    transfers.record_received(first.id, date(2021, 5, 1), officer)
    assert first not in transfers.overdue(date(2022, 6, 20), authority_code=transfer.authority_code)


def test_reminders_are_due_shortly_before_a_monitoring_date(transfer):
    due = transfers.reminders_due(date(2021, 3, 25), days_ahead=14)
    assert [(m.transfer_id, m.due_date) for m in due] == [(transfer.id, date(2021, 4, 1))]


# ----------------------------------------------------------------- registers and map (public)

PERSONAL = ("Pat Example", "pat@example.org", "07700 900123", "1 Private Lane")


def test_obligations_register_page_lists_live_conditions(client, transfer):
    response = client.get(f"/transfers/obligations?authority={transfer.authority_code}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert transfer.asset.name in html and "Hilltop Community Hub CIO" in html
    assert "Leeds City Council" in html
    assert not any(p in html for p in PERSONAL)


def test_obligations_csv_has_the_public_columns_and_no_personal_data(client, transfer):
    response = client.get(f"/transfers/obligations?authority={transfer.authority_code}&f=csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    body = response.get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(body)))
    mine = [r for r in rows if r["transfer_id"] == str(transfer.id)]
    assert len(mine) == 1
    assert mine[0]["principal_gbp"] == "100000.00"
    assert mine[0]["triggers"] == "disposal; change_of_use"
    assert mine[0]["end_date"] == "2025-03-31"
    assert not any(p in body for p in PERSONAL)


def test_obligations_geojson_per_organisation(client, transfer, organisation):
    response = client.get(f"/transfers/obligations?organisation={organisation.id}&f=geojson")
    assert response.mimetype == "application/geo+json"
    document = json.loads(response.get_data(as_text=True))
    (feature,) = document["features"]
    assert feature["geometry"]["type"] == "Point"
    assert feature["properties"]["organisation_name"] == "Hilltop Community Hub CIO"
    assert not any(p in json.dumps(document) for p in PERSONAL)


def test_map_layer_has_one_feature_per_asset_with_live_conditions(client, transfer):
    document = client.get(f"/api/transfers/map?authority={transfer.authority_code}").get_json(force=True)
    ids = [f["id"] for f in document["features"]]
    assert ids.count(transfer.asset_id) == 1
    mine = next(f for f in document["features"] if f["id"] == transfer.asset_id)["properties"]
    # the browsable map draws this layer with the same marker and popup contract as the asset map
    assert mine["url"] == f"/assets/{transfer.asset_id}" and mine["status"] == "transferred" and mine["name"]
    page = client.get("/map?layer=obligations").get_data(as_text=True)
    assert 'data-asset-map-url="/api/transfers/map"' in page
    transfers.expire_conditions(date(2030, 1, 1))
    document = client.get(f"/api/transfers/map?authority={transfer.authority_code}").get_json(force=True)
    assert transfer.asset_id not in [f["id"] for f in document["features"]]


def test_withheld_assets_stay_out_of_public_outputs(client, db_session, transfer, asset):
    asset.withheld = True
    db_session.flush()
    body = client.get("/api/transfers/obligations?f=csv").get_data(as_text=True)
    assert asset.name not in body
    assert client.get(f"/transfers/{transfer.id}").status_code == 404


def test_unknown_authority_filter_is_a_named_error(client):
    response = client.get("/api/transfers/obligations?authority=E99999999")
    assert response.status_code == 404 or response.get_json()["invalid_param"] == "authority"


# ----------------------------------------------------------------- officers' pages


def test_public_transfer_page_hides_condition_detail(client, transfer):
    html = client.get(f"/transfers/{transfer.id}").get_data(as_text=True)
    assert "£100,000.00" in html and "Within the consent" in html
    assert f"/transfers/conditions/{transfer.conditions[0].id}" not in html
    assert "Monitoring" not in html


def test_condition_page_shows_the_authoritys_officer_the_forms(client, make_user, transfer):
    sign_in(client, make_user("council_officer", authority_code=transfer.authority_code))
    response = client.get(f"/transfers/conditions/{transfer.conditions[0].id}")
    assert response.status_code == 200
    assert "Log a trigger" in response.get_data(as_text=True)
    assert f"/transfers/conditions/{transfer.conditions[0].id}" in client.get(
        f"/transfers/{transfer.id}").get_data(as_text=True)


def test_condition_page_is_refused_to_another_authoritys_officer(client, make_user, transfer):
    elsewhere = "S12000036" if transfer.authority_code != "S12000036" else "E08000035"
    sign_in(client, make_user("council_officer", authority_code=elsewhere))
    assert client.get(f"/transfers/conditions/{transfer.conditions[0].id}").status_code == 403


def test_condition_page_needs_sign_in(client, transfer):
    assert client.get(f"/transfers/conditions/{transfer.conditions[0].id}").status_code == 401


def test_officer_logs_a_trigger_and_sees_the_worked_calculation(client, make_user, transfer):
    condition = transfer.conditions[0]
    sign_in(client, make_user("council_officer", authority_code=transfer.authority_code))
    response = client.post(f"/transfers/conditions/{condition.id}/trigger", data={
        "csrf_token": csrf_token(client), "trigger": "disposal", "trigger_date": ["15", "6", "2022"],
        "note": "Sold to a developer"})
    assert response.status_code == 302, response.get_data(as_text=True)
    html = client.get(f"/transfers/conditions/{condition.id}").get_data(as_text=True)
    assert "£60,000.00" in html and "Taper for year 3: 60%" in html and "Sold to a developer" in html


def test_a_bad_trigger_form_shows_the_error_summary(client, make_user, transfer):
    sign_in(client, make_user("council_officer", authority_code=transfer.authority_code))
    response = client.post(f"/transfers/conditions/{transfer.conditions[0].id}/trigger", data={
        "csrf_token": csrf_token(client), "trigger": "disposal", "trigger_date": ["15", "6", "2999"]})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "govuk-error-summary" in html and "cannot be in the future" in html


def test_overdue_page_lists_the_authoritys_missing_reports(client, make_user, transfer):
    sign_in(client, make_user("council_officer", authority_code=transfer.authority_code))
    response = client.get("/transfers/overdue")
    assert response.status_code == 200
    assert transfer.asset.name in response.get_data(as_text=True)
    first = transfer.monitoring_dates[0]
    response = client.post(f"/transfers/monitoring/{first.id}/received", data={
        "csrf_token": csrf_token(client), "received_on": ["1", "5", "2021"]})
    assert response.status_code == 302
    assert first.received_on == date(2021, 5, 1)


def test_api_records_a_historic_transfer_for_an_officer(client, make_user, asset, organisation):
    officer = make_user("council_officer", authority_code=asset.authority_code)
    sign_in(client, officer)
    body = {"asset_id": asset.id, "organisation_id": organisation.id, **transfer_data()}
    response = client.post("/api/transfers", json=body, headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 201, response.get_data(as_text=True)
    created = response.get_json()
    assert created["discount"] == "100000.00" and len(created["conditions"]) == 1
    assert asset.surplus_status == "transferred"


def test_api_trigger_answers_the_calculation(client, make_user, transfer):
    sign_in(client, make_user("council_officer", authority_code=transfer.authority_code))
    response = client.post(f"/api/transfers/conditions/{transfer.conditions[0].id}/trigger",
                           json={"trigger": "disposal", "trigger_date": "2022-06-15"},
                           headers={"X-CSRFToken": csrf_token(client)})
    assert response.status_code == 201
    assert response.get_json()["amount_due"] == "60000.00"


def test_api_refuses_a_transfer_from_the_public(client, asset, organisation):
    response = client.post("/api/transfers", json={"asset_id": asset.id, "organisation_id": organisation.id},
                           headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401  # a token that is no token: not signed in (not "signed in, forbidden")
    assert response.mimetype == "application/problem+json"


# ----------------------------------------------------------------- CLI


def test_cli_expire(app, transfer):
    result = app.test_cli_runner().invoke(args=["transfers", "expire", "--today", "2025-04-01"])
    assert result.exit_code == 0, result.output
    assert "condition(s) expired" in result.output
    assert transfer.conditions[0].status == "expired"


def test_cli_remind_emails_the_community_body(app, smtp, transfer):
    result = app.test_cli_runner().invoke(args=["transfers", "remind", "--today", "2021-03-25"])
    assert result.exit_code == 0, result.output
    assert "1 reminder(s) sent" in result.output
    (message,) = smtp.wait_for(1)
    assert message["To"] == "pat@example.org"
    assert transfer.asset.name in smtp.last_body()
    assert transfer.monitoring_dates[0].reminded_on == date(2021, 3, 25)


# ----------------------------------------------------------------- through the workflow engine


def test_a_completed_scottish_request_becomes_a_transfer_with_nothing_typed_twice(world):  # noqa: F811
    case = validated(world, date(2026, 6, 19))
    steps = [
        ("notify_and_publish", world.officer, {"notices_sent_on": "2026-06-23", "published_on": "2026-06-23"},
         date(2026, 6, 23)),
        ("begin_assessment", world.officer, {"market_value_gbp": "60000"}, date(2026, 8, 3)),
        ("agree", world.decision_maker, {"decision_notice_date": "2026-11-16", "offer_deadline": "2027-05-17",
                                         "reasons": "Benefits outweigh the alternatives (s.82)."}, date(2026, 11, 16)),
        ("make_offer", world.cig_rep, {"offer_date": "2027-03-01"}, date(2027, 3, 1)),
        ("conclude_contract", world.officer, {"contract_date": "2027-07-01", "title_number": "MID12345"},
         date(2027, 7, 1)),
        ("complete", world.officer, {"completion_date": "2027-08-02"}, date(2027, 8, 2)),
    ]
    for action, actor, data, on in steps:
        engine.transition(case.id, action, actor, data, on)
    assert case.state == "completed"
    # Only what the case never asked for: the discount-protection condition's terms.
    condition = {"beneficiary": "City of Edinburgh Council", "instrument": "standard_security",
                 "method": "straight_line", "period_years": 10, "triggers": ["disposal"]}
    transfer = transfers.create_from_case(case, {"conditions": [condition]}, world.officer, date(2027, 8, 2))
    assert transfer.case_id == case.id and transfer.organisation_id == world.cig.id
    assert transfer.tenure == "freehold"  # asked for ownership
    assert transfer.completion_date == date(2027, 8, 2)
    assert (transfer.market_value_gbp, transfer.consideration_gbp) == (Decimal(60000), Decimal(45000))
    assert transfer.discount_gbp == Decimal(15000) and transfer.conditions[0].principal_gbp == Decimal(15000)
    assert transfer.title_numbers == ["MID12345"]
    assert transfer.within_general_consent is None  # the General Disposal Consent is English and Welsh
    assert world.asset.surplus_status == "transferred" and world.asset.live_status == "transferred"
    with pytest.raises(Conflict):
        transfers.create_from_case(case, {}, world.officer, date(2027, 8, 2))


def test_api_adds_a_grant_condition_to_an_asset(client, make_user, asset):
    sign_in(client, make_user("council_officer", authority_code=asset.authority_code))
    response = client.post("/api/transfers/conditions", headers={"X-CSRFToken": csrf_token(client)}, json={
        "asset_id": asset.id, "beneficiary": "National Lottery Heritage Fund", "instrument": "grant_agreement",
        "method": "full", "principal": "75000", "start_date": "2023-05-01", "period_years": 10,
        "triggers": ["disposal", "change_of_use"]})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["end_date"] == "2033-04-30" and response.get_json()["transfer_id"] is None
    assert [c.beneficiary for c in transfers.conditions_for_asset(asset.id)] == ["National Lottery Heritage Fund"]


def test_officer_records_a_historic_transfer_through_the_form(client, make_user, asset, organisation):
    sign_in(client, make_user("council_officer", authority_code=asset.authority_code))
    url = f"/transfers/new?asset={asset.id}"
    assert client.get(url).status_code == 200
    form = {"csrf_token": csrf_token(client), "organisation_id": str(organisation.id), "tenure": "lease",
            "lease_term_years": "99", "annual_rent": "1", "completion_date": ["1", "4", "2020"],
            "market_value": "250,000", "consideration": "150000", "title_numbers": "WYK123456",
            "method": "stepped_taper", "beneficiary": "Leeds City Council", "instrument": "legal_charge",
            "period_years": "5", "taper": "100, 80, 60, 40, 20", "triggers": ["disposal", "change_of_use"],
            "index": ""}
    response = client.post(url, data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    (transfer,) = transfers.for_asset(asset.id)
    assert (transfer.tenure, transfer.lease_term_years, transfer.discount_gbp) == ("lease", 99, Decimal(100000))
    assert transfer.conditions[0].taper_pct == [100, 80, 60, 40, 20]


def test_the_transfer_form_names_a_bad_condition_field(client, make_user, asset, organisation):
    sign_in(client, make_user("council_officer", authority_code=asset.authority_code))
    response = client.post(f"/transfers/new?asset={asset.id}", data={
        "csrf_token": csrf_token(client), "organisation_id": str(organisation.id), "tenure": "freehold",
        "completion_date": ["1", "4", "2020"], "market_value": "250000", "consideration": "150000",
        "method": "stepped_taper", "beneficiary": "Leeds City Council", "instrument": "legal_charge",
        "period_years": "5", "taper": "80, 100", "triggers": ["disposal"], "index": ""})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'href="#taper"' in html and "must not rise" in html
    assert transfers.for_asset(asset.id) == []


def test_officer_adds_a_condition_to_a_transfer(client, make_user, transfer):
    sign_in(client, make_user("council_officer", authority_code=transfer.authority_code))
    url = f"/transfers/{transfer.id}/conditions/new"
    assert client.get(url).status_code == 200
    response = client.post(url, data={
        "csrf_token": csrf_token(client), "method": "overage", "beneficiary": "Leeds City Council",
        "instrument": "overage_deed", "period_years": "15", "share": "50", "triggers": ["planning_permission"],
        "index": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert [c.method for c in transfer.conditions] == ["stepped_taper", "overage"]


def test_the_transfer_form_is_for_the_assets_own_authority(client, make_user, asset):
    elsewhere = "S12000036" if asset.authority_code != "S12000036" else "E08000035"
    sign_in(client, make_user("council_officer", authority_code=elsewhere))
    assert client.get(f"/transfers/new?asset={asset.id}").status_code == 403


def test_obligations_csv_does_not_carry_spreadsheet_formulas(client, db_session, transfer):
    transfer.conditions[0].beneficiary = '=HYPERLINK("http://evil.example","Council")'
    db_session.commit()
    body = client.get(f"/transfers/obligations?authority={transfer.authority_code}&f=csv").get_data(as_text=True)
    assert "'=HYPERLINK" in body


@pytest.mark.parametrize("path", [
    "/transfers/obligations", "/transfers/obligations?f=csv", "/transfers/obligations?f=geojson",
    "/transfers/obligations?organisation={org}", "/transfers/{transfer}", "/api/transfers/obligations",
    "/api/transfers/obligations?f=json", "/api/transfers/obligations?f=csv", "/api/transfers/map",
])
def test_no_personal_data_on_the_public_transfer_routes(client, transfer, organisation, path):
    response = client.get(path.format(org=organisation.id, transfer=transfer.id))
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "Hilltop Community Hub CIO" in body or "/api/transfers/map" in path
    assert not any(p in body for p in PERSONAL)
