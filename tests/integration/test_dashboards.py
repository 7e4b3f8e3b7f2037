"""Public dashboards, the s.94 register of land and the s.95 annual report, against cases made here.

Every expected number is worked out by hand in the comments, from the dates the test chooses; the
cases are made through engine.transition, the function the screens call. Each test works in a council
that holds no demo data, so the council's figures are exactly the test's.
"""

import csv
import io
import json
import re
from datetime import date
from types import SimpleNamespace

import pytest
from geoalchemy2 import WKTElement
from sqlalchemy import text

from registry import dashboards, db, scottish_reports, transfers
from registry.assets import Asset
from registry.workflow import engine
from tests.integration.conftest import csrf_token, sign_in

from .workflow_world import build

OFFICER = SimpleNamespace(id=None, roles=frozenset({"council_officer"}), authority_code=None,
                          organisation_ids=frozenset())

REQUEST = {
    "transfer_type": "ownership",
    "land_description": "The old library and its garden.",
    "reasons_for_request": "A community hub.",
    "expected_benefits": "Social wellbeing.",
    "proposed_price": "£1",
    "funding": "Scottish Land Fund.",
    "community_support": "A petition of 400 names.",
    "contact_address": "3 Private Road",
}


def empty_authority(nation: str) -> str:
    return db.session.scalar(text(
        """
        SELECT au.code FROM authority au
        WHERE au.nation = :nation
          AND NOT EXISTS (SELECT 1 FROM asset a WHERE a.authority_code = au.code)
          AND NOT EXISTS (SELECT 1 FROM "case" c WHERE c.authority_code = au.code)
        ORDER BY au.code LIMIT 1
        """), {"nation": nation})


def make_asset(code: str, ref: str, **extra) -> Asset:
    values = {"authority_code": code, "area_code": code, "reference": ref, "name": f"Site {ref}",
              "asset_type": "library", "point": WKTElement("POINT(-3.19 55.95)", srid=4326),
              "address": f"{ref} High Street"}
    values.update(extra)
    asset = Asset(**values)
    db.session.add(asset)
    db.session.flush()
    return asset


# ------------------------------------------------------------------ a Scottish council's requests


@pytest.fixture()
def scotland(db_session):
    code = empty_authority("scotland")
    assets = {
        "A": make_asset(code, "S-001", uprn=906700000001, tenure="Freehold", asset_type_label="Library"),
        "B": make_asset(code, "S-002", uprn=906700000002, tenure="Leased-in", surplus_status="surplus"),
        "C": make_asset(code, "S-003"),
        "D": make_asset(code, "S-004"),
        "sold": make_asset(code, "S-005", surplus_status="disposed"),
        "hidden": make_asset(code, "S-006", withheld=True),
    }
    world = build(code)
    world.cig.legal_form, world.cig.member_count, world.cig.local_member_count = "SCIO", 25, 20
    world.cig.asset_lock = world.cig.non_distribution_of_surplus = True
    world.cig.community_definition = "People who live here"
    db.session.flush()

    def request(key, received, transfer_type="ownership"):
        return engine.open_case("scottish_atr", "submit_request", world.cig_rep,
                                {**REQUEST, "transfer_type": transfer_type, "received_on": received.isoformat()},
                                received, authority_code=code, asset_id=assets[key].id,
                                organisation_id=world.cig.id)

    def assessed(key, received, transfer_type="ownership"):
        case = request(key, received, transfer_type)
        engine.transition(case.id, "validate", world.officer, {"validation_date": received.isoformat()}, received)
        engine.transition(case.id, "notify_and_publish", world.officer,
                          {"notices_sent_on": received.isoformat(), "published_on": received.isoformat()}, received)
        engine.transition(case.id, "begin_assessment", world.officer, {}, received)
        return case

    # A: received and validated Tue 31 March 2026 (reporting year 2025-26); agreed 1 September 2026; completed
    # (ownership) on Wed 31 March 2027, the last day of reporting year 2026-27.
    a = assessed("A", date(2026, 3, 31))
    engine.transition(a.id, "agree", world.decision_maker,
                      {"decision_notice_date": "2026-09-01", "offer_deadline": "2027-03-01",
                       "reasons": "The benefits outweigh the alternatives."}, date(2026, 9, 1))
    engine.transition(a.id, "make_offer", world.cig_rep, {"offer_date": "2026-10-01"}, date(2026, 10, 1))
    engine.transition(a.id, "conclude_contract", world.officer, {"contract_date": "2026-11-02"}, date(2026, 11, 2))
    engine.transition(a.id, "complete", world.officer, {"completion_date": "2027-03-31"}, date(2027, 3, 31))

    # B: received and validated Thu 1 October 2026; refused on 31 March 2027
    # (year 2026-27); review asked 12 April 2027, decided (confirmed) 3 May 2027 (year 2027-28).
    b = assessed("B", date(2026, 10, 1), "lease")
    engine.transition(b.id, "refuse", world.decision_maker,
                      {"decision_notice_date": "2027-03-31", "refusal_factors": ["alternative_proposals"],
                       "reasons": "A better alternative proposal."}, date(2027, 3, 31))
    engine.transition(b.id, "request_review", world.cig_rep, {"filed_on": "2027-04-12"}, date(2027, 4, 12))
    engine.transition(b.id, "review_refuse", world.reviewer,
                      {"review_outcome": "confirmed", "review_decision_date": "2027-05-03",
                       "reasons": "The refusal stands."}, date(2027, 5, 3))

    # C: received Thu 1 April 2027, the first day of reporting year 2027-28.
    c = request("C", date(2027, 4, 1))

    # D: received and validated Mon 1 June 2026; no decision notice by the last day of the period (6 months from
    # 1 June: Tue 1 December 2026): deemed refused on 2 December 2026 (year 2026-27).
    d = assessed("D", date(2026, 6, 1), "lease")
    engine.transition(d.id, "deem_refused", engine.SYSTEM, {}, date(2026, 12, 2))
    db.session.flush()
    return SimpleNamespace(code=code, assets=assets, world=world, cases={"A": a, "B": b, "C": c, "D": d})


def test_s95_counts_each_event_in_the_year_it_happened(scotland):
    counts = {y: scottish_reports.annual_report(scotland.code, y)["counts"] for y in (2025, 2026, 2027)}
    zero = {key: 0 for key, _, _ in scottish_reports.REPORT_LINES}
    # 2025-26 (1 April 2025 - 31 March 2026): A received on 31 March 2026.
    assert counts[2025] == {**zero, "received": 1}
    # 2026-27: B (1 Oct) and D (1 June) received; A agreed (1 Sept); B refused (31 March 2027) and D deemed
    # refused (2 Dec); A completed as a transfer of ownership on 31 March 2027.
    assert counts[2026] == {**zero, "received": 2, "agreed": 1, "refused": 2, "deemed_refused": 1, "ownership": 1}
    # 2027-28: C received on 1 April 2027; B's review decided (confirmed) on 3 May 2027.
    assert counts[2027] == {**zero, "received": 1, "review_confirmed": 1}


def test_s95_report_page_csv_and_print(client, scotland):
    page = client.get(f"/authorities/{scotland.code}/asset-transfer-report/2026")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "1 April 2026 to 31 March 2027" in body and 'data-key="deemed_refused"' in body
    rows = list(csv.DictReader(io.StringIO(client.get(
        f"/authorities/{scotland.code}/asset-transfer-report/2026.csv").get_data(as_text=True))))
    by_key = {r["key"]: r["count"] for r in rows}
    assert by_key["received"] == "2" and by_key["refused"] == "2" and by_key["ownership"] == "1"
    assert by_key["lease"] == "0" and by_key["promotion"] == ""
    assert [r["section"] for r in rows][-1] == "f"
    printable = client.get(f"/authorities/{scotland.code}/asset-transfer-report/2026/print")
    assert printable.status_code == 200 and "govuk-header" not in printable.get_data(as_text=True)
    assert client.get(f"/authorities/{scotland.code}/asset-transfer-report").status_code == 302
    assert client.get("/authorities/E08000035/asset-transfer-report/2026").status_code == 404
    assert client.get(f"/authorities/{scotland.code}/asset-transfer-report/1999").status_code == 400


def test_s95_text_f_only_an_officer_of_the_authority_may_write(client, scotland, make_user):
    url = f"/authorities/{scotland.code}/asset-transfer-report/2026/promotion"
    page = f"/authorities/{scotland.code}/asset-transfer-report/2026"
    outsider = make_user("council_officer", authority_code="S12000017" if scotland.code != "S12000017"
                         else "S12000036")
    sign_in(client, outsider)
    token = csrf_token(client)
    assert client.post(url, data={"csrf_token": token, "promotion_text": "Hijack"}).status_code == 403
    officer = make_user("council_officer", authority_code=scotland.code)
    sign_in(client, officer)
    token = csrf_token(client)
    empty = client.post(url, data={"csrf_token": token, "promotion_text": "  "})
    assert empty.status_code == 400 and "govuk-error-summary" in empty.get_data(as_text=True)
    assert scottish_reports.promotion_text(scotland.code, 2026) is None  # nothing half-written
    saved = client.post(url, data={"csrf_token": token,
                                   "promotion_text": "Two open days and a guide for community bodies."})
    assert saved.status_code == 302
    with client.session_transaction() as session:
        session.clear()
    body = client.get(page).get_data(as_text=True)
    assert "Two open days and a guide for community bodies." in body and "<textarea" not in body


def test_s94_land_register_fields(client, scotland):
    rows = scottish_reports.land_register(scotland.code)
    # held: S-001..S-004 (S-005 disposed and S-006 withheld are left out)
    assert [r["site_ref"] for r in rows] == ["S-001", "S-002", "S-003", "S-004"]
    first = rows[0]
    assert first["la_s_code"] == scotland.code and first["uprn"] == 906700000001
    assert first["address"] == "S-001 High Street" and first["type"] == "Library" and first["tenure"] == "Freehold"
    # S-001 is operational (the default); S-002 is surplus, so non-operational
    assert [r["status"] for r in rows][:2] == ["operational", "non-operational"]
    # No label of the council's own: our type in words, never the code
    assert rows[1]["tenure"] == "Leased-in" and rows[1]["type"] == "Library"
    assert [r["sh_classification"] for r in rows] == ["CL03"] * 4  # every one a library: CL03 Library
    page = client.get(f"/authorities/{scotland.code}/land-register")
    assert page.status_code == 200 and "S-004" in page.get_data(as_text=True)
    assert "S-005" not in page.get_data(as_text=True)
    lines = list(csv.reader(io.StringIO(client.get(f"/authorities/{scotland.code}/land-register.csv")
                                        .get_data(as_text=True))))
    assert lines[0][:9] == ["la_s_code", "local_authority", "site_ref", "uprn", "address", "type",
                            "sh_classification", "status", "tenure"]
    assert len(lines) == 5 and lines[1][2:4] == ["S-001", "906700000001"]
    geo = json.loads(client.get(f"/authorities/{scotland.code}/land-register.geojson").get_data())
    assert len(geo["features"]) == 4
    assert geo["features"][0]["geometry"] == {"type": "Point", "coordinates": [-3.19, 55.95]}
    assert geo["features"][0]["properties"]["site_ref"] == "S-001"
    english = client.get("/authorities/E08000035/land-register")
    assert english.status_code == 404 and "not a Scottish authority" in english.get_data(as_text=True)


def test_s94_sh_classification_from_the_asset_type(client, db_session, app, monkeypatch):
    code = empty_authority("scotland")
    # The codes are read from Ordnance Survey's address classification code list, not from the mapping:
    # CL03 Library; CC04 Public / Village Hall / Other Community Facility; LB99PI Pavilion / Changing Room.
    make_asset(code, "T-1", asset_type="library")
    make_asset(code, "T-2", asset_type="community_centre")
    make_asset(code, "T-3", asset_type="park_pavilion")
    make_asset(code, "T-4", asset_type="former_school")  # no one class: left empty, never guessed
    make_asset(code, "T-5", asset_type="depot")  # storage or maintenance depot: left empty
    make_asset(code, "T-6", asset_type="other")
    expected = {"T-1": "CL03", "T-2": "CC04", "T-3": "LB99PI", "T-4": None, "T-5": None, "T-6": None}
    assert {r["site_ref"]: r["sh_classification"] for r in scottish_reports.land_register(code)} == expected

    csv_rows = {r["site_ref"]: r["sh_classification"] for r in csv.DictReader(io.StringIO(
        client.get(f"/authorities/{code}/land-register.csv").get_data(as_text=True)))}
    assert csv_rows == {ref: value or "" for ref, value in expected.items()}
    geo = json.loads(client.get(f"/authorities/{code}/land-register.geojson").get_data())
    assert {f["properties"]["site_ref"]: f["properties"]["sh_classification"] for f in geo["features"]} == expected
    page = client.get(f"/authorities/{code}/land-register").get_data(as_text=True)
    cells = dict(re.findall(r'<td class="govuk-table__cell">(T-\d)</td>.*?data-cell="sh-classification">(.*?)</td>',
                            page, re.S))
    assert cells["T-1"] == 'CL03 <span class="govuk-body-s">Library</span>'
    assert cells["T-4"] == "Not classified"

    # A council's own entries (REGISTRY_SH_CLASSIFICATION): depot as CI08 Maintenance Depot, library removed.
    monkeypatch.setattr(app.config["SETTINGS"], "sh_classification_overrides", (("depot", "CI08"), ("library", "")))
    changed = {r["site_ref"]: r["sh_classification"] for r in scottish_reports.land_register(code)}
    assert changed == {**expected, "T-1": None, "T-5": "CI08"}


def test_dashboard_time_to_decision_and_cases(client, scotland):
    rows = {(r["year"], r["rule_code"]): r for r in dashboards.time_to_decision(scotland.code)}
    assert set(rows) == {(2026, "atr_decision_notice_due"), (2027, "atr_decision_notice_due")}
    y2026 = rows[(2026, "atr_decision_notice_due")]
    # A: period from 31 March 2026, last day 30 Sept 2026 (6 months from 31 March: no 31 September), decided
    # 1 Sept 2026 = 154 days after; D: 1 June to 1 Dec 2026, deemed refused (not in time, no decision day).
    assert (y2026["decided"], y2026["decided_in_time"], y2026["share_in_time_pct"]) == (2, 1, 50.0)
    assert y2026["median_days"] == 154
    assert y2026["median_limit_days"] == 183  # 30 Sept - 31 March = 183; 1 Dec - 1 June = 183
    y2027 = rows[(2027, "atr_decision_notice_due")]
    # B: from 1 Oct 2026, last day 1 April 2027 (182 days), refused 31 March 2027 = 181 days: in time
    assert (y2027["decided"], y2027["decided_in_time"], y2027["median_days"], y2027["median_limit_days"]) \
        == (1, 1, 181, 182)
    cases = {(r["process"], r["state"]): r["cases"] for r in dashboards.cases_by_process(scotland.code)}
    assert cases == {("scottish_atr", "completed"): 1, ("scottish_atr", "refused"): 1,
                     ("scottish_atr", "received"): 1, ("scottish_atr", "deemed_refused"): 1}

    page = client.get(f"/authorities/{scotland.code}/dashboard")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert 'id="table-time-to-decision"' in body and "<svg" in body and ">154<" in body
    csv_rows = list(csv.DictReader(io.StringIO(client.get(
        f"/authorities/{scotland.code}/dashboard/time-to-decision.csv").get_data(as_text=True))))
    assert [(r["year"], r["decided"], r["decided_in_time"]) for r in csv_rows] == [("2026", "2", "1"),
                                                                                   ("2027", "1", "1")]
    api = client.get(f"/api/authorities/{scotland.code}/dashboard").get_json()
    chart = next(c for c in api["charts"] if c["name"] == "time-to-decision")
    assert [r["median_days"] for r in chart["rows"]] == [154, 181]
    assert client.get("/dashboard/nothing.csv").status_code == 404


# ------------------------------------------------------------------ an English council's assets and transfers


def test_dashboard_assets_transfers_and_clawback(client, db_session):
    code = empty_authority("england")
    make_asset(code, "E-1")
    make_asset(code, "E-2")
    make_asset(code, "E-3", surplus_status="surplus")
    make_asset(code, "E-4", surplus_status="surplus", withheld=True)  # never counted
    given = make_asset(code, "E-5", surplus_status="available_for_transfer")
    other = make_asset(code, "E-6", surplus_status="available_for_transfer")
    world = build(code)
    live = {"beneficiary": "The council", "instrument": "transfer_covenant", "method": "full",
            "principal": "40000", "start_date": "2024-05-01", "period_years": 10, "triggers": ["disposal"]}
    ended = {**live, "start_date": "2015-01-05", "period_years": 5}
    transfers.create({"tenure": "freehold", "completion_date": "2024-05-01", "market_value": "250000",
                      "consideration": "150000", "conditions": [live]}, OFFICER, date(2024, 5, 1),
                     asset_id=given.id, organisation_id=world.cig.id)
    transfers.create({"tenure": "lease", "lease_term_years": 25, "completion_date": "2015-01-05",
                      "market_value": "80000", "consideration": "1", "conditions": [ended]}, OFFICER,
                     date(2015, 1, 5), asset_id=other.id, organisation_id=world.cig.id)
    db.session.flush()
    # two operational (E-1, E-2), one surplus (E-3; E-4 is withheld), two transferred (E-5, E-6)
    statuses = {r["status"]: r["assets"] for r in dashboards.assets_by_status(code)}
    assert statuses == {"operational": 2, "surplus": 1, "transferred": 2}
    by_year = {r["year"]: r for r in dashboards.transfers_completed(code)}
    assert set(by_year) == {2015, 2024}
    assert (by_year[2024]["transfers"], str(by_year[2024]["discount_gbp"])) == (1, "100000.00")
    assert str(by_year[2015]["discount_gbp"]) == "79999.00"
    # the 2015 condition ended in 2020; the 2024 one runs to 2034
    claw = dashboards.clawback(date(2026, 12, 2), code)[0]
    assert (claw["live_conditions"], str(claw["principal_gbp"])) == (1, "40000.00")

    page = client.get(f"/authorities/{code}/dashboard").get_data(as_text=True)
    assert 'data-status="surplus"' in page and "£100,000.00" in page
    rows = list(csv.DictReader(io.StringIO(client.get(f"/authorities/{code}/dashboard/assets-by-status.csv")
                                           .get_data(as_text=True))))
    assert {r["status"]: r["assets"] for r in rows} == {"operational": "2", "surplus": "1", "transferred": "2"}
    whole = client.get("/api/dashboard").get_json()
    assert [c["name"] for c in whole["charts"]] == list(dashboards.CHARTS)
    assert client.get("/dashboard").status_code == 200


def test_land_register_and_dashboard_csv_are_formula_safe(client, db_session):
    code = empty_authority("scotland")
    make_asset(code, "=HYPERLINK(1)", name="@SUM(A1)", address="+44 113 496 0000", tenure="-lease")
    body = client.get(f"/authorities/{code}/land-register.csv").get_data(as_text=True)
    row = next(iter(csv.DictReader(io.StringIO(body))))
    assert (row["site_ref"], row["site_name"], row["address"], row["tenure"]) == \
        ("'=HYPERLINK(1)", "'@SUM(A1)", "'+44 113 496 0000", "'-lease")


# ------------------------------------------------------------------ Right to Challenge and community asset transfer

EOI_RTC = {"service_name": "Library opening hours", "relevant_body_type": "charitable_body",
           "outcomes": "Longer opening, volunteers", "financial_resources": "£40k reserves (private)",
           "capability_evidence": "We run two libraries"}
EOI_CAT = {"proposal": "A community café", "community_benefit": "A warm space", "tenure_sought": "lease",
           "funding": "Private: grant bid"}


def _row_html(body: str, rule: str) -> str:
    match = re.search(r'<tr class="govuk-table__row" data-rule="' + rule + r'".*?</tr>', body)
    assert match is not None, rule
    return match.group(0)


def _cell(row_html: str, name: str) -> str:
    match = re.search(r'data-cell="' + name + r'">(.*?)</td>', row_html)
    assert match is not None, name
    return match.group(1)


@pytest.fixture()
def england(db_session):
    code = empty_authority("england")
    assets = {key: make_asset(code, f"E-{key}") for key in ("C1", "C2", "C3", "C4", "hidden")}
    world = build(code)
    db.session.flush()

    def challenge(received, notified, decide_by):
        case = engine.open_case("right_to_challenge", "submit_eoi", world.cig_rep, EOI_RTC, received,
                                authority_code=code, organisation_id=world.cig.id, title="Library opening hours")
        engine.transition(case.id, "notify_timetable", world.officer, {"decision_by": decide_by.isoformat()},
                          notified)
        return case

    # R1: EOI received Mon 5 January 2026; told on 20 January the decision would be made by 31 March; accepted on
    # 20 March, keyed in on 23 March with the day it happened. 26 days to 31 Jan + 28 (Feb) + 20 = 74 days from
    # receipt (59 from the timetable notice, which is not the start); in time. Promised: 26 + 28 + 31 = 85 days.
    r1 = challenge(date(2026, 1, 5), date(2026, 1, 20), date(2026, 3, 31))
    engine.transition(r1.id, "accept", world.decision_maker, {"effective_date": "2026-03-20"}, date(2026, 3, 23))
    # R2: received Mon 2 February 2026; promised by 30 April; rejected Wed 6 May, after the promised day.
    # 26 (to 28 Feb) + 31 + 30 + 6 = 93 days, not in time; promised 26 + 31 + 30 = 87 days.
    r2 = challenge(date(2026, 2, 2), date(2026, 2, 16), date(2026, 4, 30))
    engine.transition(r2.id, "reject", world.decision_maker,
                      {"grounds": ["G6"], "reasons": "Already out to tender."}, date(2026, 5, 6))
    # R3: timetable notified, not decided yet: not counted.
    challenge(date(2026, 3, 2), date(2026, 3, 9), date(2026, 6, 30))

    def request(key, received):
        return engine.open_case("cat", "submit_eoi", world.rep, EOI_CAT, received, authority_code=code,
                                asset_id=assets[key].id, organisation_id=world.group.id)

    def assessed(key, received, on):
        case = request(key, received)
        engine.transition(case.id, "invite_business_case", world.officer, {}, on)
        engine.transition(case.id, "submit_business_case", world.rep, {"business_case_summary": "Break-even"}, on)
        engine.transition(case.id, "record_assessment", world.officer,
                          {"assessment_score": "72", "assessment_summary": "Strong"}, on)
        return case

    # C1: request received Mon 12 January 2026; approved in principle 1 April; formal decision Tue 30 June 2026.
    # 19 (to 31 Jan) + 28 + 31 + 30 + 31 + 30 = 169 days.
    c1 = assessed("C1", date(2026, 1, 12), date(2026, 2, 16))
    engine.transition(c1.id, "approve_in_principle", world.decision_maker, {"reasons": "Good plan"},
                      date(2026, 4, 1))
    engine.transition(c1.id, "agree_heads_of_terms", world.officer,
                      {"tenure": "lease", "lease_term_years": "25", "market_value_gbp": "1000",
                       "consideration_gbp": "1000"}, date(2026, 5, 4))
    engine.transition(c1.id, "formal_decision", world.decision_maker,
                      {"decision_reference": "Cabinet 6/2026", "reasons": "Approved"}, date(2026, 6, 30))
    # C2: received Mon 2 March 2026, the expression of interest declined on Mon 23 March: 21 days.
    c2 = request("C2", date(2026, 3, 2))
    engine.transition(c2.id, "decline_eoi", world.officer, {"reasons": "Needed for the service"}, date(2026, 3, 23))
    # C3: received Mon 2 February 2026, refused after assessment on Mon 11 May: 26 + 31 + 30 + 11 = 98 days.
    c3 = assessed("C3", date(2026, 2, 2), date(2026, 3, 2))
    engine.transition(c3.id, "refuse", world.decision_maker, {"reasons": "Not viable"}, date(2026, 5, 11))
    # C4: approved in principle only (1 July 2026): the request is not yet answered, so not counted.
    c4 = assessed("C4", date(2026, 5, 1), date(2026, 5, 18))
    engine.transition(c4.id, "approve_in_principle", world.decision_maker, {"reasons": "Good plan"},
                      date(2026, 7, 1))
    # A request declined on an asset the council has since withheld is never counted.
    hidden = request("hidden", date(2026, 1, 5))
    engine.transition(hidden.id, "decline_eoi", world.officer, {"reasons": "No"}, date(2026, 1, 6))
    assets["hidden"].withheld = True
    db.session.flush()
    return SimpleNamespace(code=code, world=world)


def test_time_to_decision_right_to_challenge_against_the_promised_date(england):
    rows = {(r["year"], r["rule_code"]): r for r in dashboards.time_to_decision(england.code)}
    assert set(rows) == {(2026, "rtc_decision_due"), (2026, "cat_decision")}
    rtc = rows[(2026, "rtc_decision_due")]
    # 74 and 93 days: median (74 + 93) / 2 = 83.5; one of two in time: 50%; promised 85 and 87: median 86.
    assert (rtc["decided"], rtc["decided_in_time"], rtc["share_in_time_pct"]) == (2, 1, 50.0)
    assert (rtc["median_days"], rtc["median_limit_days"], rtc["limit"]) == (83.5, 86, "promised")


def test_time_to_decision_community_asset_transfer_has_no_statutory_limit(england):
    cat = next(r for r in dashboards.time_to_decision(england.code) if r["rule_code"] == "cat_decision")
    # 169, 21 and 98 days: median 98. No limit: no share in time and no limit days.
    assert (cat["decided"], cat["median_days"], cat["limit"]) == (3, 98, "none")
    assert (cat["decided_in_time"], cat["share_in_time_pct"], cat["median_limit_days"]) == (None, None, None)


def test_time_to_decision_page_csv_and_api_agree_for_rtc_and_cat(client, england):
    body = client.get(f"/authorities/{england.code}/dashboard").get_data(as_text=True)
    rtc_html, cat_html = _row_html(body, "rtc_decision_due"), _row_html(body, "cat_decision")
    assert (_cell(rtc_html, "in-time"), _cell(rtc_html, "share")) == ("1", "50.0%")
    assert _cell(rtc_html, "limit") == "86 (the date promised)" and ">83.5<" in rtc_html
    assert (_cell(cat_html, "in-time"), _cell(cat_html, "share")) == ("", "")
    assert _cell(cat_html, "limit") == "No statutory limit" and ">98<" in cat_html
    # The share chart draws only the rows that have a limit: Right to Challenge, not the transfers.
    chart = re.search(r'<figure class="dashboard-chart".*?</figure>', body.split('id="time-to-decision"')[1],
                      re.S).group(0)
    assert "Right to Challenge" in chart and "Community asset transfer" not in chart

    csv_rows = {r["rule_code"]: r for r in csv.DictReader(io.StringIO(client.get(
        f"/authorities/{england.code}/dashboard/time-to-decision.csv").get_data(as_text=True)))}
    assert set(csv_rows) == {"rtc_decision_due", "cat_decision"}
    assert [csv_rows["rtc_decision_due"][k] for k in ("limit", "decided", "decided_in_time", "share_in_time_pct",
                                                      "median_days", "median_limit_days")] == \
        ["promised", "2", "1", "50.0", "83.5", "86"]
    assert [csv_rows["cat_decision"][k] for k in ("limit", "decided", "decided_in_time", "share_in_time_pct",
                                                  "median_days", "median_limit_days")] == \
        ["none", "3", "", "", "98", ""]

    api = client.get(f"/api/authorities/{england.code}/dashboard").get_json()
    chart = next(c for c in api["charts"] if c["name"] == "time-to-decision")
    assert "limit" in chart["columns"]
    by_rule = {r["rule_code"]: r for r in chart["rows"]}
    assert {k: by_rule["rtc_decision_due"][k] for k in ("limit", "decided_in_time", "share_in_time_pct",
                                                        "median_days", "median_limit_days")} == \
        {"limit": "promised", "decided_in_time": 1, "share_in_time_pct": 50.0, "median_days": 83.5,
         "median_limit_days": 86}
    assert {k: by_rule["cat_decision"][k] for k in ("limit", "decided_in_time", "share_in_time_pct",
                                                    "median_days", "median_limit_days")} == \
        {"limit": "none", "decided_in_time": None, "share_in_time_pct": None, "median_days": 98,
         "median_limit_days": None}
