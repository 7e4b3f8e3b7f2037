"""The ACV round trip (issue 10 item 10): a council's list in, the planning.data CSV out.

The fixture is fixtures/samples/acv/camden_acv_list.csv (Camden's column layout). Every expected value
below was worked out by hand from it:

- CAMACV17 (2nd moratorium): nominated 06/01/2025, listed 24/02/2025. The 5 years "beginning with the
  date of that entry" (s.87(3)) end on 23/02/2030; Camden's list says 24/02/2030, so its date is published
  and the difference reported. Notice to dispose received 02/03/2026: the interim moratorium (6 weeks
  beginning with 2 March) ended 12/04/2026; the full moratorium (6 months beginning with 2 March) ended
  01/09/2026, so on 30/11/2026 the owner is free to sell; the protected period (18 months) ends 01/09/2027.
  Location (51.5384267, -0.1357449) is `POINT (-0.135745 51.538427)` to 6 decimals, lon first.
- CAMACV21: nominated by a person (kept private); listed 21/07/2025, expires 20/07/2030; matched to the
  asset the test puts 9 m away with the same name.
- CAMACV25: unsuccessful (not of community value), so on the unsuccessful list, not the ACV list.
- CAMACV30: listed 24/11/2025, no coordinates: its asset is placed at the centre of NW5 1LP, the postcode its
  address ends with, marked approximate, so planning.data gets no point for it.
"""

import csv
import io
import shutil
from datetime import date
from pathlib import Path

import pytest
import shapely
from sqlalchemy import text

from registry import acv_lists, assets, db, registers
from registry.errors import Forbidden, TransitionRefused
from registry.workflow import cases, engine

from .conftest import add_package_postcodes, csrf_token, sign_in

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "samples" / "acv"
CAMDEN = "E09000007"
STOCKPORT = "E08000007"
TODAY = date(2026, 11, 30)

#: digital-land/specification content/dataset/asset-of-community-value.md (HEAD 5e802e8, 2026-08-21), its
#: `fields:` list, less `entity` and `prefix`, which planning.data assigns.
SPEC_FIELDS = {
    "address-text", "decision", "decision-date", "description", "end-date", "entry-date", "expiry-date",
    "geometry", "interested-group", "name", "nominating-group", "nomination-date", "notes",
    "notification-to-sell-date", "organisation", "point", "protected-period-start-date", "reference",
    "start-date",
}


@pytest.fixture()
def farm(db_session):
    """An asset already in the register 9 m from Camden's CAMACV21 point, under another reference."""
    record = assets.AssetRecord(authority_code=CAMDEN, reference="CAM-ASSET-9001", name="Kentish Town City Farm",
                                asset_type="other", point=shapely.Point(-0.1486037, 51.5519822))
    return assets.create(record)


def planning_rows(client) -> tuple[list[str], dict[str, dict]]:
    body = client.get(f"/registers/assets-of-community-value/planning-data.csv?authority={CAMDEN}")
    assert body.status_code == 200
    reader = csv.DictReader(io.StringIO(body.get_data(as_text=True)))
    return list(reader.fieldnames), {r["reference"]: r for r in reader}


def test_the_acv_round_trip(db_session, client, farm):
    report = acv_lists.import_list(SAMPLES / "camden_acv_list.csv", authority_code=CAMDEN, today=TODAY)
    assert report.problems == [] and report.written
    assert report.cases_created == ["CAMACV17 (2nd moratorium)", "CAMACV21", "CAMACV25", "CAMACV30"]
    assert report.matched == {"CAMACV21": "a point within 25 m with a similar name"}
    assert report.assets_created == ["CAMACV17 (2nd moratorium)", "CAMACV25", "CAMACV30"]
    assert report.placed_at_postcode == {"CAMACV30": "NW5 1LP"} and report.without_asset == []
    assert report.unmapped_columns == ["Ward"]
    # The council's expiry date wins, and the difference is reported.
    assert [(d.reference, d.what, d.council, d.computed) for d in report.date_differences] == [
        ("CAMACV17 (2nd moratorium)", "listing expiry date", date(2030, 2, 24), date(2030, 2, 23))]
    db_session.commit()

    header, rows = planning_rows(client)
    assert set(header) == SPEC_FIELDS and len(header) == len(SPEC_FIELDS)
    assert set(rows) == {"CAMACV17 (2nd moratorium)", "CAMACV21", "CAMACV30"}  # byte for byte

    lion = rows["CAMACV17 (2nd moratorium)"]
    assert lion["organisation"] == "local-authority:CMD"
    assert lion["point"] == "POINT (-0.135745 51.538427)"
    assert lion["name"] == "The Golden Lion"
    assert lion["nominating-group"] == "Camden Town Pubs Society"
    assert (lion["nomination-date"], lion["start-date"]) == ("2025-01-06", "2025-01-06")
    assert (lion["decision"], lion["decision-date"], lion["entry-date"]) == ("successful", "2025-02-24", "2025-02-24")
    assert lion["expiry-date"] == "2030-02-24"
    assert lion["notification-to-sell-date"] == "2026-03-02" == lion["protected-period-start-date"]
    assert lion["interested-group"] == "Golden Lion Community Benefit Society"

    farm_row = rows["CAMACV21"]
    assert farm_row["nominating-group"] == ""  # a person's name is never published
    assert (farm_row["decision-date"], farm_row["expiry-date"]) == ("2025-07-21", "2030-07-20")
    assert farm_row["point"] == "POINT (-0.148604 51.551982)"  # the matched asset's own point
    assert rows["CAMACV30"]["point"] == "" and rows["CAMACV30"]["expiry-date"] == "2030-11-23"

    csv_text = client.get("/registers/assets-of-community-value/planning-data.csv").get_data(as_text=True)
    assert "Jane Example" not in csv_text

    # The recorded state, through the engine: the moratorium is over, the protected period runs.
    lion_case = acv_lists.find_imported_case(CAMDEN, "CAMACV17 (2nd moratorium)")
    assert lion_case.state == "listed" and lion_case.reference.startswith("ACV-")
    assert [e.action for e in cases.events_of(lion_case.id)] == [
        "record_nomination", "begin_validation", "accept_nomination", "list"]
    assert [(e.action, e.effective_date) for e in cases.events_of(lion_case.id)][-1] == ("list", date(2025, 2, 24))
    (moratorium,) = cases.children_of(lion_case.id)
    assert moratorium.state == "free_to_dispose"
    steps = [(e.action, e.effective_date) for e in cases.events_of(moratorium.id)]
    assert steps == [("receive_notice", date(2026, 3, 2)), ("request_to_bid", date(2026, 3, 2)),
                     ("end_full", date(2026, 9, 2))]
    dues = {d.rule_code: d.due_date for d in moratorium.deadlines}
    assert dues["acv_interim_moratorium_end"] == date(2026, 4, 12)
    assert dues["acv_full_moratorium_end"] == date(2026, 9, 1)
    assert dues["acv_protected_period_end"] == date(2027, 9, 1)

    farm_case = acv_lists.find_imported_case(CAMDEN, "CAMACV21")
    assert farm_case.asset_id == farm
    assert farm_case.private_data["nominator_name"] == "Jane Example"
    assert "nominating_group" not in farm_case.data

    unsuccessful = {r["reference"]: r for r in registers.unsuccessful_list(TODAY, CAMDEN)}
    bell = next(r for r in unsuccessful.values() if r["name"] == "The Bell")
    assert bell["reason_code"] == "not_community_value" and bell["nominating_group"] == (
        "Example Street Residents Association")
    assert bell["decision_date"] == "2025-10-26"  # no decision date: the last day of the 8 weeks, as reported
    assert any("CAMACV25: decided on 2025-10-26" in a for a in report.assumptions)


def test_a_reimport_makes_no_duplicates(db_session, farm):
    first = acv_lists.import_list(SAMPLES / "camden_acv_list.csv", authority_code=CAMDEN, today=TODAY)
    assert first.written
    counts = db.session.execute(text(
        """SELECT (SELECT count(*) FROM "case" WHERE authority_code = :a),
                  (SELECT count(*) FROM asset WHERE authority_code = :a)"""), {"a": CAMDEN}).one()

    again = acv_lists.import_list(SAMPLES / "camden_acv_list.csv", authority_code=CAMDEN, today=TODAY)

    assert again.problems == [] and again.cases_created == [] and again.assets_created == []
    assert again.unchanged == ["CAMACV17 (2nd moratorium)", "CAMACV21", "CAMACV25", "CAMACV30"]
    assert db.session.execute(text(
        """SELECT (SELECT count(*) FROM "case" WHERE authority_code = :a),
                  (SELECT count(*) FROM asset WHERE authority_code = :a)"""), {"a": CAMDEN}).one() == counts


def test_a_dry_run_writes_nothing_and_a_bad_row_writes_nothing(db_session, tmp_path):
    before = db.session.execute(text('SELECT count(*) FROM "case"')).scalar()
    dry = acv_lists.import_list(SAMPLES / "camden_acv_list.csv", authority_code=CAMDEN, today=TODAY, dry_run=True)
    assert dry.problems == [] and len(dry.cases_created) == 4 and not dry.written

    bad = tmp_path / "bad.csv"
    content = (SAMPLES / "camden_acv_list.csv").read_text(encoding="utf-8")
    bad.write_text(content.replace("21/07/2025", "31/02/2025"), encoding="utf-8")
    refused = acv_lists.import_list(bad, authority_code=CAMDEN, today=TODAY)
    assert not refused.written
    assert refused.problems == ["Row 3: not a date: decision date '31/02/2025' (write 05/03/2014 or 2014-03-05)."]
    assert db.session.execute(text('SELECT count(*) FROM "case"')).scalar() == before


def test_stockport_layer_columns(db_session):
    report = acv_lists.import_list(SAMPLES / "stockport_acv_layer.csv", authority_code=STOCKPORT, today=TODAY)
    assert report.problems == [] and report.unmapped_columns == []
    assert report.without_asset == ["ACV/2025/004", "ACV/2025/009"]  # the layer's geometry is not in the CSV
    assert report.date_differences == []  # 2030-04-27 is the last day of 5 years beginning with 2025-04-28
    arms = acv_lists.find_imported_case(STOCKPORT, "ACV/2025/004")
    green = acv_lists.find_imported_case(STOCKPORT, "ACV/2025/009")
    assert arms.state == "listed" and arms.data["decision_date"] == "2025-04-28"
    assert green.state == "not_listed" and green.data["decline_reason"] == "excluded_land"
    assert green.private_data["nominator_name"] == "A Resident" and "nominating_group" not in green.data


def test_the_cli(app, db_session, tmp_path):
    path = tmp_path / "camden.csv"
    shutil.copy(SAMPLES / "camden_acv_list.csv", path)
    runner = app.test_cli_runner()
    dry = runner.invoke(args=["acv", "import", str(path), "--authority", "London Borough of Camden", "--dry-run",
                              "--today", TODAY.isoformat()])
    assert dry.exit_code == 0, dry.output
    assert "Would import 4 row(s) for E09000007: 4 new case(s)" in dry.output
    assert ("CAMACV17 (2nd moratorium): the council's listing expiry date is 2030-02-24, the computed one "
            "2030-02-23; the council's date is used.") in dry.output
    assert "Columns not mapped (not imported): Ward" in dry.output
    assert acv_lists.find_imported_case(CAMDEN, "CAMACV21") is None  # the dry run wrote nothing
    done = runner.invoke(args=["acv", "import", str(path), "--authority", "E09000007", "--today", TODAY.isoformat()])
    assert done.exit_code == 0, done.output
    assert "Imported 4 row(s) for E09000007: 4 new case(s), 0 already in the register (unchanged)" in done.output
    assert acv_lists.find_imported_case(CAMDEN, "CAMACV21").state == "listed"
    unknown = runner.invoke(args=["acv", "import", str(path), "--authority", "Nowhere"])
    assert unknown.exit_code == 2 and "names no council we know" in unknown.output


# ------------------------------------------------------------------ the engine changes the import relies on


def test_an_officer_records_a_paper_nomination_and_its_dates_are_the_effective_ones(db_session):
    from .workflow_world import build

    world = build()
    case = engine.open_case("acv", "record_nomination", world.officer, {
        "nomination_received_on": "2026-03-02", "council_reference": "LDS/ACV/7",
        "nominating_group": "Friends of the Green", "nominator_name": "Pat Example",
        "land_description": "The green"}, date(2026, 3, 9), authority_code=world.asset.authority_code,
        asset_id=world.asset.id)
    assert case.state == "submitted" and case.data["nomination_date"] == "2026-03-02"
    assert case.data["council_reference"] == "LDS/ACV/7" and case.private_data["nominator_name"] == "Pat Example"
    assert "nominator_name" not in case.data
    # 8 weeks from receipt of the nomination (reg 7, counted "after"): 2 March + 56 days = 27 April 2026.
    assert {d.rule_code: d.due_date for d in cases.all_deadlines(case.id)}["acv_decision_due"] == date(2026, 4, 27)
    # An ordinary officer still faces the validation checks the import does not run again.
    engine.transition(case.id, "begin_validation", world.officer, {}, date(2026, 3, 9))
    with pytest.raises(TransitionRefused, match="does not pass validation"):
        engine.transition(case.id, "accept_nomination", world.officer,
                          {"owner_notified_on": "2026-03-09"}, date(2026, 3, 9))
    # A group rep may not record one (that is the officers' step).
    with pytest.raises(Forbidden):
        engine.open_case("acv", "record_nomination", world.rep, {"nomination_received_on": "2026-03-02"},
                         date(2026, 3, 9), authority_code=world.asset.authority_code, asset_id=world.asset.id)


def test_a_request_to_bid_still_needs_a_group_unless_it_comes_from_a_council_list(db_session):
    from .workflow_world import build, list_asset

    world = build()
    listed = list_asset(world, date(2026, 3, 2))
    case = engine.open_case("moratorium", "receive_notice", world.officer,
                            {"notice_received_on": "2026-06-01", "disposal_type": "freehold_sale"},
                            date(2026, 6, 1), authority_code=listed.authority_code, asset_id=listed.asset_id,
                            parent_case_id=listed.id, title=listed.title)
    with pytest.raises(TransitionRefused, match="Choose the community interest group"):
        engine.transition(case.id, "request_to_bid", world.officer, {"interested_group": "Anyone At All"},
                          date(2026, 6, 2))
    engine.transition(case.id, "request_to_bid", world.officer,
                      {"organisation_id": world.cig.id, "interested_group": "Typed Over"}, date(2026, 6, 2))
    assert case.data["interested_group"] == "Green Community Trust"  # the chosen organisation's own name


def test_a_newer_list_adds_the_decision_and_the_disposal_notice(db_session, tmp_path):
    header = ("Reference,Property name and address,Nominated By,Date Nomination Received,Date Listed,"
              "Notice To Dispose Received By Council Date,Location\r\n")
    # The older copy has no decision yet: its status says so (a Camden row without one reads as listed).
    older = tmp_path / "older.csv"
    older.write_text(header.replace("Location\r\n", "Location,Status\r\n")
                     + 'CAMACV40,"The Example Tavern, 2 Example Row, London NW1 1AA",CAMRA,'
                     '07/07/2025,,,"(51.5400000, -0.1400000)",Nomination received\r\n', encoding="utf-8")
    newer = tmp_path / "newer.csv"
    newer.write_text(header + 'CAMACV40,"The Example Tavern, 2 Example Row, London NW1 1AA",CAMRA,'
                     '07/07/2025,01/09/2025,03/11/2026,"(51.5400000, -0.1400000)"\r\n', encoding="utf-8")

    first = acv_lists.import_list(older, authority_code=CAMDEN, today=TODAY)
    case = acv_lists.find_imported_case(CAMDEN, "CAMACV40")
    assert first.problems == [] and case.state == "validation"

    second = acv_lists.import_list(newer, authority_code=CAMDEN, today=TODAY)
    assert second.problems == [] and second.updated == ["CAMACV40"] and second.cases_created == []
    assert case.state == "listed" and case.data["decision_date"] == "2025-09-01"
    (moratorium,) = cases.children_of(case.id)
    # Notice received 3 November 2026: the 6 weeks beginning with it end on 14 December 2026.
    assert moratorium.state == "interim_moratorium"
    assert {d.rule_code: d.due_date for d in moratorium.deadlines}["acv_interim_moratorium_end"] == date(2026, 12, 14)

    third = acv_lists.import_list(newer, authority_code=CAMDEN, today=TODAY)
    assert third.updated == [] and third.unchanged == ["CAMACV40"] and len(cases.children_of(case.id)) == 1


# ------------------------------------------------------------------ a real council's list: Oxford City Council

OXFORD = "E07000178"
OXFORD_PUBLISHED = date(2017, 10, 1)  # the day the council put the file in its open-data repository


@pytest.fixture()
def oxford(db_session):
    """Oxford City Council and the OX postcodes of the ONS package (the test database has neither)."""
    from registry import places

    rows = list(places.iter_postcode_rows({"OX"}))
    add_package_postcodes(rows)
    db.session.execute(text(
        "INSERT INTO authority (code, name, kind, nation, boundary_source) "
        "VALUES (:c, 'Oxford', 'district', 'england', 'approximate-postcodes') ON CONFLICT (code) DO NOTHING"),
        {"c": OXFORD})
    return {r[0]: (r[3], r[4]) for r in rows}


def test_oxford_city_councils_published_list(db_session, client, oxford):
    """fixtures/samples/acv/oxford_assets_of_community_value.csv, whole: 18 listed assets (Oxford City
    Council's open-data repository, October 2017). Every expected value was worked out by hand from the file
    and the statute's words (Localism Act 2011 s.87(3), s.95(6); SI 2012/2421 reg 2(a)):

    - No status column: a published list of assets of community value, so every row is a listing.
    - 13 addresses end in a postcode and have no coordinates: each asset is placed at its postcode's centre,
      marked approximate; the 5 without one (Sandy Lane, Hertford Street, Collingwood Road, 263 Iffley Road,
      Salford Road) have no asset.
    - 6 rows give a date the owner announced an intention to dispose: 6 moratorium cases. The interim
      moratorium is "the six weeks beginning with the date of receipt" (the notice day is day 1, so it ends
      41 days later); Oxford writes the 42nd day each time (15/07/2013 -> 26/08/2013, computed 25/08/2013).
    - 3 give the date the full moratorium was triggered: a request to be treated as a bidder that day,
      though the list names no group. The full moratorium (6 months beginning with the notice) and the
      protected period (18 months) again end a day later in Oxford's list than computed, except
      The Ampleforth Arms (15_004): its full moratorium "will end 20/02/2015", six months *before* the notice
      of 20/08/2015 (a typed year): not used, the computed 19/02/2016 stands; its protected period "20/02/2016"
      is a year short of the computed 19/02/2017, but it is after the notice, so the council's date is used.
    """
    report = acv_lists.import_list(SAMPLES / "oxford_assets_of_community_value.csv", authority_code=OXFORD,
                                   today=OXFORD_PUBLISHED)

    assert report.problems == [] and report.written and report.unmapped_columns == []
    assert report.rows == 18 and len(report.cases_created) == 18
    assert report.cases_created[:3] == ["15/006", "13/002PF270615", "15/001"]  # byte for byte, "/" and "_"
    assert report.without_asset == ["15_002", "14/003", "15_004", "13/004PF277072", "15_003"]
    assert report.placed_at_postcode == {
        "15/006": "OX4 3LZ", "13/002PF270615": "OX3 7EN", "15/001": "OX4 3NH", "16/004": "OX4 2ES",
        "16/003": "OX4 1SN", "15/005": "OX3 7JF", "16/002": "OX4 1EJ", "16/008": "OX2 0BD", "13/001PF267549": "OX4 4XP",
        "13/003PF271120": "OX2 8NY", "16/007": "OX3 0PH", "16/001": "OX3 0EN", "16/005": "OX2 8PQ"}
    assert report.assets_created == list(report.placed_at_postcode)
    assert report.moratoria_created == ["13/002PF270615", "14/003", "15_004", "13/004PF277072", "16/008",
                                        "13/003PF271120"]
    interim, full, protected = "interim moratorium end", "full moratorium end", "protected period end"
    assert [(d.reference, d.what, d.council, d.computed) for d in report.date_differences] == [
        ("13/002PF270615", interim, date(2013, 8, 26), date(2013, 8, 25)),
        ("14/003", interim, date(2017, 1, 27), date(2017, 1, 26)),
        ("15_004", interim, date(2015, 10, 1), date(2015, 9, 30)),
        ("15_004", protected, date(2016, 2, 20), date(2017, 2, 19)),
        ("13/004PF277072", interim, date(2013, 12, 17), date(2013, 12, 16)),
        ("13/004PF277072", protected, date(2015, 5, 5), date(2015, 5, 4)),
        ("13/004PF277072", full, date(2014, 5, 5), date(2014, 5, 4)),
        ("16/008", interim, date(2017, 5, 17), date(2017, 5, 16)),
        ("13/003PF271120", interim, date(2013, 9, 3), date(2013, 9, 2)),
        ("13/003PF271120", protected, date(2015, 1, 23), date(2015, 1, 22)),
        ("13/003PF271120", full, date(2014, 1, 23), date(2014, 1, 22)),
    ]
    assert report.dates_not_used == [
        "15_004: the council's full moratorium end 2015-02-20 is before the period began (2015-08-20); "
        "the computed 2016-02-19 is kept."]
    assert "Council dates not used (1): the computed date stands:" in report.lines()

    # Placed at the postcode's centre, marked approximate (issue 10 item 6), with the postcode stored.
    hollybush = db.session.execute(text(
        "SELECT a.postcode, a.location_source, ST_X(a.point) AS lon, ST_Y(a.point) AS lat FROM \"case\" c "
        "JOIN asset a ON a.id = c.asset_id WHERE c.process = 'acv' AND c.data->>'council_reference' = '16/008'")).one()
    assert (hollybush.postcode, hollybush.location_source) == ("OX2 0BD", "postcode")
    assert (hollybush.lon, hollybush.lat) == pytest.approx(oxford["OX2 0BD"], abs=1e-7)

    # On 1 October 2017: all 18 listed (the first listing, 10/05/2013, runs to 09/05/2018).
    states = db.session.execute(text(
        "SELECT state, count(*) FROM \"case\" WHERE authority_code = :a AND process = 'acv' GROUP BY state"),
        {"a": OXFORD}).all()
    assert dict(states) == {"listed": 18}
    post_box = acv_lists.find_imported_case(OXFORD, "13/003PF271120")
    (moratorium,) = cases.children_of(post_box.id)
    assert [(e.action, e.effective_date) for e in cases.events_of(moratorium.id)] == [
        ("receive_notice", date(2013, 7, 23)), ("request_to_bid", date(2013, 8, 30)),
        ("end_full", date(2014, 1, 24)), ("expire_protected", date(2015, 1, 24))]
    assert moratorium.data["interested_group"] == "A community interest group (the council's list does not name it)"
    hollybush_case = acv_lists.find_imported_case(OXFORD, "16/008")
    (hollybush_moratorium,) = cases.children_of(hollybush_case.id)
    assert hollybush_moratorium.state == "free_to_dispose"  # protected until 04/10/2018 (18 months from 05/04/2017)
    db_session.commit()

    body = client.get(f"/registers/assets-of-community-value/planning-data.csv?authority={OXFORD}")
    rows = {r["reference"]: r for r in csv.DictReader(io.StringIO(body.get_data(as_text=True)))}
    assert len(rows) == 18 and {"15_004", "13/002PF270615", "16/008"} <= set(rows)
    holly = rows["16/008"]
    assert holly["organisation"] == "local-authority:OXO"
    assert holly["name"] == "The Hollybush"  # the list's trailing space trimmed
    assert holly["address-text"] == "106 Bridge Street, Oxford OX2 0BD"  # its postcode not written twice
    assert holly["point"] == ""  # a postcode's centre is not published as the asset's point
    assert (holly["nomination-date"], holly["decision-date"], holly["expiry-date"]) == (
        "2016-09-29", "2017-02-13", "2022-02-12")
    assert holly["notification-to-sell-date"] == "2017-04-05"
    assert rows["15_004"]["notification-to-sell-date"] == ""  # its protected period is over


def test_the_import_page_takes_oxfords_list_previews_it_and_imports_it(client, oxford, make_user, two_authorities):
    officer = make_user("council_officer", authority_code=OXFORD)
    stranger = make_user("council_officer", authority_code=two_authorities[0])
    db.session.commit()
    sign_in(client, officer)
    path = SAMPLES / "oxford_assets_of_community_value.csv"

    empty = client.post("/imports/acv", data={"csrf_token": csrf_token(client)}, content_type="multipart/form-data")
    assert empty.status_code == 400 and "Choose the council&#39;s list to import." in empty.get_data(as_text=True)

    uploaded = client.post("/imports/acv", data={"csrf_token": csrf_token(client),
                                                 "acv_file": (io.BytesIO(path.read_bytes()), path.name)},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 302
    page_url = uploaded.headers["Location"]
    upload_id = int(page_url.rsplit("/", 1)[1])
    preview = client.get(page_url).get_data(as_text=True)
    assert "Would import 18 row(s) for E07000178: 18 new case(s)" in preview
    assert ("15_004: the council&#39;s full moratorium end 2015-02-20 is before the period began (2015-08-20); "
            "the computed 2016-02-19 is kept.") in preview
    assert "Confirm and import the list" in preview
    count = 'SELECT count(*) FROM "case" WHERE authority_code = :a'
    assert db.session.execute(text(count), {"a": OXFORD}).scalar() == 0  # a preview writes nothing

    assert client.get(f"/imports/{upload_id}").status_code == 404  # not a register's upload
    sign_in(client, stranger)
    assert client.get(page_url).status_code == 403
    sign_in(client, officer)

    confirmed = client.post(f"/imports/acv/{upload_id}/confirm", data={"csrf_token": csrf_token(client)})
    assert confirmed.status_code == 302
    done = client.get(page_url).get_data(as_text=True)
    assert "Imported 18 row(s) for E07000178: 18 new case(s)" in done
    db.session.expire_all()
    assert db.session.execute(text(count + " AND process = 'acv'"), {"a": OXFORD}).scalar() == 18
    run_id = db.session.execute(text("SELECT import_run_id FROM import_upload WHERE id = :id"),
                                {"id": upload_id}).scalar()
    run_counts = db.session.execute(text("SELECT counts FROM import_run WHERE id = :id"), {"id": run_id}).scalar()
    assert run_counts["new cases"] == 18 and run_counts["moratoria"] == 6 and run_counts["new assets"] == 13
    report = list(csv.DictReader(io.StringIO(client.get(f"/imports/runs/{run_id}.csv").get_data(as_text=True))))
    ampleforth = next(r for r in report if r["reference"] == "15_004")
    assert (ampleforth["row"], ampleforth["outcome"]) == ("8", "new case")  # the spreadsheet's own row 8
    assert "before the period began" in ampleforth["message"]

    # Confirming again does nothing more.
    client.post(f"/imports/acv/{upload_id}/confirm", data={"csrf_token": csrf_token(client)})
    assert db.session.execute(text(count + " AND process = 'acv'"), {"a": OXFORD}).scalar() == 18
    # Imported today (not on the day Oxford published it), every listing's five years are over: the clock's own
    # step removed each one the day after (The Hollybush: listed 13/02/2017, last day 12/02/2022).
    hollybush = acv_lists.find_imported_case(OXFORD, "16/008")
    assert hollybush.state == "removed"
    assert [(e.action, e.effective_date) for e in cases.events_of(hollybush.id)][-1] == ("expire", date(2022, 2, 13))
    register = client.get(f"/registers/assets-of-community-value?authority={OXFORD}").get_data(as_text=True)
    assert "The Hollybush" not in register
