"""The ACV list and the unsuccessful list, generated from cases: page, CSV, GeoJSON, planning.data fields."""

import csv
import io
from datetime import date

import pytest

from registry import registers
from registry.formats import planning_data
from registry.workflow import engine

from .workflow_world import build, list_asset, nominate

PRIVATE_BITS = ("Mr A Owner", "secret@example.org", "Ann Secret", "1 The Lane")


@pytest.fixture()
def world(db_session):
    return build()


@pytest.fixture()
def listed_in_moratorium(world):
    case = list_asset(world, date(2026, 3, 2))
    engine.open_case("moratorium", "receive_notice", world.officer,
                     {"notice_received_on": "2026-06-01", "disposal_type": "freehold_sale"}, date(2026, 6, 1),
                     authority_code=case.authority_code, asset_id=case.asset_id, parent_case_id=case.id)
    return case


def test_acv_register_page_csv_geojson(client, listed_in_moratorium):
    case = listed_in_moratorium
    rows = registers.acv_list(case.authority_code)
    row = next(r for r in rows if r["case_id"] == case.id)
    assert row["expiry_date"] == "2031-03-01" and row["interim_moratorium_end"] == "2026-07-12"
    assert row["status"] == "in_moratorium" and "Interim moratorium until 2026-07-12" == row["moratorium_label"]

    page = client.get(f"/registers/assets-of-community-value?authority={case.authority_code}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and case.reference in body and "Interim moratorium" in body

    csv_text = client.get("/registers/assets-of-community-value.csv").get_data(as_text=True)
    parsed = list(csv.DictReader(io.StringIO(csv_text)))
    assert any(r["reference"] == case.reference and r["protected_period_end"] == "2027-11-30" for r in parsed)

    geo = client.get("/registers/assets-of-community-value.geojson")
    assert geo.mimetype == "application/geo+json"
    feature = next(f for f in geo.get_json()["features"] if f["id"] == case.reference)
    assert feature["geometry"]["type"] in ("Point", "MultiPolygon")
    assert feature["properties"]["status"] == "in_moratorium"

    planning = client.get("/registers/assets-of-community-value/planning-data.csv").get_data(as_text=True)
    reader = csv.DictReader(io.StringIO(planning))
    assert tuple(reader.fieldnames) == planning_data.FIELDS
    entry = next(r for r in reader if r["reference"] == case.reference)
    assert entry["decision"] == "successful" and entry["notification-to-sell-date"] == "2026-06-01"
    # Leeds (E08000035) is `local-authority:LDS` in digital-land's organisation list.
    assert case.authority_code == "E08000035" and entry["organisation"] == "local-authority:LDS"
    assert entry["point"].startswith("POINT")

    api = client.get(f"/api/registers/assets-of-community-value?authority={case.authority_code}").get_json()
    assert any(i["reference"] == case.reference for i in api["items"])

    for text in (body, csv_text, geo.get_data(as_text=True), planning, str(api)):
        for bit in PRIVATE_BITS:
            assert bit not in text


def test_unsuccessful_register(client, world):
    case = nominate(world, date(2026, 6, 1))
    engine.transition(case.id, "begin_validation", world.officer, {}, date(2026, 6, 1))
    engine.transition(case.id, "accept_nomination", world.officer, {"owner_notified_on": "2026-06-01"},
                      date(2026, 6, 1))
    engine.transition(case.id, "decline", world.decision_maker,
                      {"decline_reason": "not_community_value", "reasons": "Ancillary use."}, date(2026, 6, 20))
    rows = registers.unsuccessful_list(date(2026, 7, 1), case.authority_code)
    row = next(r for r in rows if r["case_id"] == case.id)
    assert row["reasons"] == "Ancillary use." and row["reason_label"].startswith("Not of community value")
    assert not any(r["case_id"] == case.id for r in registers.acv_list(case.authority_code))
    page = client.get("/registers/unsuccessful-nominations").get_data(as_text=True)
    assert case.reference in page and "Ancillary use." in page
    # kept for 5 years, then dropped
    assert not any(r["case_id"] == case.id for r in registers.unsuccessful_list(date(2031, 7, 1)))
    for bit in PRIVATE_BITS:
        assert bit not in page


def test_unknown_register_and_authority(client, db_session):
    assert client.get("/registers/nope").status_code == 404
    assert client.get("/api/registers/nope").status_code == 404
    assert client.get("/registers/assets-of-community-value?authority=E99999999").status_code == 404
    assert client.get("/registers").status_code == 200


def test_authority_decisions_atom_feed(client, world):
    from xml.etree import ElementTree

    case = list_asset(world, date(2026, 3, 2))
    response = client.get(f"/authorities/{case.authority_code}/decisions.atom")
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    feed = ElementTree.fromstring(response.data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in feed.findall("a:entry", ns)]
    assert any(case.reference in t and "List the land" in t for t in titles)
    for bit in PRIVATE_BITS:
        assert bit not in response.get_data(as_text=True)
    assert client.get("/authorities/E99999999/decisions.atom").status_code == 404
