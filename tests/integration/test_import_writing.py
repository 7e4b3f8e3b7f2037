"""Writing imported records safely: reference keys, present fields, missing and withdrawn assets, dry runs,
import runs, location sources in search. Real PostgreSQL + PostGIS; every test's writes are rolled back.

Expected values are worked out by hand from the records each test writes (and distances with pyproj's
geodesic, not the database's), never from the writer's own answers.
"""

import csv
import hashlib
import io

import pytest
import shapely
from pyproj import Geod
from sqlalchemy import text

from registry import db
from registry.assets import AssetRecord
from registry.imports import runs, writing

GEOD = Geod(ellps="WGS84")


@pytest.fixture()
def place(db_session):
    """An authority with no demo assets, and one of its postcodes (code, postcode, lon, lat)."""
    row = db.session.execute(text(
        "SELECT a.code, p.postcode, ST_X(p.point), ST_Y(p.point) FROM authority a "
        "JOIN postcode p ON p.district_code = a.code "
        "WHERE NOT EXISTS (SELECT 1 FROM asset WHERE authority_code = a.code) ORDER BY a.code, p.compact LIMIT 1"
    )).one()
    return tuple(row)


def record(code, reference, name="Hall", *, lon=None, lat=None, source="surveyed", **fields):
    point = shapely.Point(lon, lat) if lon is not None else None
    return AssetRecord(authority_code=code, reference=reference, name=name, asset_type=fields.pop("asset_type", "other"),
                       point=point, location_source=source if point is not None else "none", **fields)


def stored(code):
    return {r["reference"]: dict(r) for r in db.session.execute(text(
        "SELECT id, reference, name, postcode, tenure, tenure_detail, surplus_status, location_source, "
        "ST_X(point) AS lon, ST_Y(point) AS lat, updated_at FROM asset WHERE authority_code = :c"),
        {"c": code}).mappings()}


def write(records, **options):
    options.setdefault("present_fields", None)
    return writing.write(list(enumerate(records, start=2)), **options)


def grid_is_exact():
    """The trigger-kept totals (status '*') equal a fresh count of the assets the map shows, cell by cell."""
    mismatches = db.session.execute(text(
        """
        WITH expect AS (
            SELECT asset_grid_x(point) AS cx, asset_grid_y(point) AS cy, count(*)::int AS n, sum(ST_X(point)) AS sx
              FROM asset WHERE NOT withheld AND point IS NOT NULL AND surplus_status <> 'withdrawn'
             GROUP BY 1, 2)
        SELECT count(*) FROM expect e FULL JOIN (SELECT * FROM asset_grid_cell WHERE status = '*') g USING (cx, cy)
         WHERE e.n IS DISTINCT FROM g.asset_count OR abs(coalesce(e.sx, 0) - coalesce(g.sum_lon, 0)) > 1e-6
        """)).scalar_one()
    return mismatches == 0


# ---------------------------------------------------------------- matching and present fields


def test_references_match_after_normalising_case_and_spaces(place):
    code, _, lon, lat = place
    write([record(code, "09/01609/Land", lon=lon, lat=lat), record(code, "A 1", lon=lon, lat=lat)])

    summary = write([record(code, "09/01609/LAND", lon=lon, lat=lat), record(code, "  a\u00a0  1 ", lon=lon, lat=lat)])

    assert summary.counts() == {"new": 0, "updated": 2, "unchanged": 0, "missing": 0, "retired": 0, "duplicates": 0}
    assert [c.fields for c in summary.updated] == [("reference",), ("reference",)]
    # No duplicates: two assets, carrying the latest file's spelling.
    assert sorted(stored(code)) == ["  a\u00a0  1 ", "09/01609/LAND"]


def test_a_column_absent_from_the_file_never_wipes_a_stored_value(place):
    code, postcode, lon, lat = place
    write([record(code, "T-1", "Old name", lon=lon, lat=lat, postcode=postcode, tenure="Freehold",
                  tenure_detail="Leased to a named tenant")])

    summary = write([record(code, "T-1", "New name", lon=lon, lat=lat)],
                    present_fields={"authority_code", "reference", "name", "asset_type", "point"})

    assert [(c.reference, c.fields) for c in summary.updated] == [("T-1", ("name",))]
    row = stored(code)["T-1"]
    assert (row["name"], row["postcode"], row["tenure"], row["tenure_detail"]) == (
        "New name", postcode, "Freehold", "Leased to a named tenant")


def test_an_unchanged_re_import_changes_nothing(place):
    code, postcode, lon, lat = place
    records = [record(code, "U-1", lon=lon, lat=lat, postcode=postcode, extra={"Tenant": "A. Person"}),
               record(code, "U-2", lon=lon + 0.001, lat=lat)]
    write(records)
    before = stored(code)

    summary = write(records)

    assert summary.counts()["unchanged"] == 2 and not summary.new and not summary.updated
    assert stored(code) == before  # updated_at included


def test_an_approximate_location_never_replaces_a_surveyed_one_and_no_location_never_wipes_it(place):
    code, postcode, lon, lat = place
    write([record(code, "L-1", lon=lon + 0.002, lat=lat), record(code, "L-2", lon=lon + 0.002, lat=lat)])

    summary = write([record(code, "L-1", lon=lon, lat=lat, source="postcode", postcode=postcode),
                     record(code, "L-2")])

    assert [c.fields for c in summary.updated] == [("postcode",)]
    assert summary.unchanged == 1
    rows = stored(code)
    assert (rows["L-1"]["lon"], rows["L-1"]["location_source"]) == (pytest.approx(lon + 0.002), "surveyed")
    assert (rows["L-2"]["lon"], rows["L-2"]["location_source"]) == (pytest.approx(lon + 0.002), "surveyed")


def test_a_reference_twice_in_one_file_is_written_once(place):
    code, _, lon, lat = place
    summary = write([record(code, "D-1", "First", lon=lon, lat=lat), record(code, "d-1", "Second", lon=lon, lat=lat)])

    assert [(c.row, c.reference) for c in summary.new] == [(2, "D-1")]
    assert [(c.row, c.reference, c.first_row) for c in summary.duplicates] == [(3, "d-1", 2)]
    assert stored(code)["D-1"]["name"] == "First"


# ---------------------------------------------------------------- missing, withdrawn, dry run


def test_missing_assets_are_listed_and_retired_as_withdrawn_never_deleted(client, place):
    code, _, lon, lat = place
    write([record(code, f"M-{i}", lon=lon + i * 0.001, lat=lat) for i in (1, 2, 3)])
    db.session.execute(text("UPDATE asset SET live_status = 'listed' WHERE authority_code = :c AND reference = 'M-3'"),
                       {"c": code})

    listed = write([record(code, f"M-{i}", lon=lon + i * 0.001, lat=lat) for i in (1, 2)])
    assert [(m.reference, m.live_status) for m in listed.missing] == [("M-3", "listed")]
    assert stored(code)["M-3"]["surplus_status"] == "operational"

    retired = write([record(code, f"M-{i}", lon=lon + i * 0.001, lat=lat) for i in (1,)], retire_missing=True)
    assert retired.retired == 2 and [m.reference for m in retired.missing] == ["M-2", "M-3"]
    rows = stored(code)
    assert {r: rows[r]["surplus_status"] for r in rows} == {"M-1": "operational", "M-2": "withdrawn",
                                                              "M-3": "withdrawn"}
    assert any("live case (listed), which stays" in line for line in runs.summary_lines(retired))
    db.session.commit()

    # Hidden from search unless asked for by status.
    listed_ids = {f["properties"]["reference"] for f in client.get(
        f"/api/collections/assets/items?authority={code}").get_json()["features"]}
    withdrawn = {f["properties"]["reference"] for f in client.get(
        f"/api/collections/assets/items?authority={code}&status=withdrawn").get_json()["features"]}
    # An asset matches a status filter if its surplus or live status does: M-3 is withdrawn and listed.
    assert (listed_ids, withdrawn) == ({"M-1"}, {"M-2", "M-3"})
    assert grid_is_exact()

    # Back in the next file (which has no status column): no longer withdrawn.
    back = write([record(code, "M-2", lon=lon + 0.002, lat=lat)],
                 present_fields={"authority_code", "reference", "name", "asset_type", "point"})
    assert [(c.reference, c.fields) for c in back.updated] == [("M-2", ("surplus_status",))]
    assert stored(code)["M-2"]["surplus_status"] == "operational"


def test_a_dry_run_shows_everything_and_writes_nothing(place):
    code, _, lon, lat = place
    write([record(code, "R-1", "One", lon=lon, lat=lat), record(code, "R-2", lon=lon, lat=lat)])
    before = stored(code)
    version = db.session.execute(text("SELECT version FROM map_version")).scalar_one()
    count = db.session.execute(text("SELECT count(*) FROM asset")).scalar_one()

    summary = write([record(code, "R-1", "Renamed", lon=lon, lat=lat), record(code, "R-9", lon=lon, lat=lat)],
                    dry_run=True, retire_missing=True)

    assert [(c.reference, c.fields) for c in summary.updated] == [("R-1", ("name",))]
    assert [c.reference for c in summary.new] == ["R-9"]
    assert [m.reference for m in summary.missing] == ["R-2"] and summary.retired == 0
    assert stored(code) == before
    assert db.session.execute(text("SELECT count(*) FROM asset")).scalar_one() == count
    assert db.session.execute(text("SELECT version FROM map_version")).scalar_one() == version


# ---------------------------------------------------------------- location sources


def test_an_asset_without_a_location_is_listed_but_never_spatial(client, place):
    code, _, lon, lat = place
    summary = write([record(code, "N-1", "Nowhere hall"), record(code, "N-2", lon=lon, lat=lat)])
    db.session.commit()
    nowhere = summary.new[0].asset_id
    row = db.session.execute(text("SELECT point IS NULL, location_source FROM asset WHERE id = :i"),
                             {"i": nowhere}).one()
    assert tuple(row) == (True, "none")

    listed = client.get(f"/api/collections/assets/items?authority={code}").get_json()["features"]
    assert {f["properties"]["reference"]: f["geometry"] for f in listed}["N-1"] is None
    box = f"{lon - 1},{lat - 1},{lon + 1},{lat + 1}"
    in_box = client.get(f"/api/collections/assets/items?authority={code}&bbox={box}").get_json()["features"]
    assert [f["properties"]["reference"] for f in in_box] == ["N-2"]
    nearest = client.get(f"/api/collections/assets/items?authority={code}&nearest={lon},{lat}&limit=5"
                         "&include_approximate=true").get_json()["features"]
    assert [f["properties"]["reference"] for f in nearest] == ["N-2"]
    page = client.get(f"/assets/{nowhere}")
    assert page.status_code == 200
    assert b'data-location-source="none"' in page.data and b"N-1" in page.data
    assert grid_is_exact()


def test_include_approximate_both_ways(client, place):
    code, postcode, lon, lat = place
    # 0.0015 degrees of latitude east and north of the centre: about 100 and 167 m.
    surveyed = (lon, lat + 0.0015)
    approximate = (lon + 0.0015, lat)
    write([record(code, "S-1", "Surveyed", lon=surveyed[0], lat=surveyed[1]),
           record(code, "P-1", "At the postcode", lon=approximate[0], lat=approximate[1], source="postcode",
                  postcode=postcode)])
    db.session.commit()
    centre = (lon, lat)
    d_surveyed = GEOD.inv(*centre, *surveyed)[2]
    d_approximate = GEOD.inv(*centre, *approximate)[2]
    assert d_approximate < d_surveyed < 300  # the approximate one is the nearer

    base = f"/api/collections/assets/items?authority={code}&near={lon},{lat}&radius=300"
    plain = client.get(base).get_json()["features"]
    assert [(f["properties"]["reference"], f["properties"]["distance_m"]) for f in plain] == [
        ("S-1", pytest.approx(d_surveyed, abs=0.5))]
    both = client.get(base + "&include_approximate=true").get_json()["features"]
    assert [(f["properties"]["reference"], f["properties"]["location_source"]) for f in both] == [
        ("P-1", "postcode"), ("S-1", "surveyed")]

    nearest = f"/api/collections/assets/items?authority={code}&nearest={lon},{lat}&limit=1"
    assert [f["properties"]["reference"] for f in client.get(nearest).get_json()["features"]] == ["S-1"]
    assert [f["properties"]["reference"] for f in client.get(
        nearest + "&include_approximate=true").get_json()["features"]] == ["P-1"]

    bad = client.get(base + "&include_approximate=perhaps")
    assert bad.status_code == 400 and bad.mimetype == "application/problem+json"
    assert "include_approximate" in bad.get_data(as_text=True)

    # The map's data says which are approximate.
    box = f"{lon - 0.01},{lat - 0.01},{lon + 0.01},{lat + 0.01}"
    features = client.get(f"/api/map/clusters?bbox={box}&zoom=17&authority={code}").get_json()["features"]
    assert {f["properties"]["name"]: f["properties"]["approximate"] for f in features} == {
        "Surveyed": False, "At the postcode": True}


def test_private_details_stay_private_until_published(client, place):
    code, _, lon, lat = place
    summary = write([record(code, "V-1", lon=lon, lat=lat, tenure="Leasehold", tenure_detail="Let to Mr A Tenant",
                            other_detail="Rent arrears", extra={"Occupier": "Ms B Occupier"})])
    db.session.commit()
    asset_id = summary.new[0].asset_id
    item = client.get(f"/api/collections/assets/items/{asset_id}").get_data(as_text=True)
    page = client.get(f"/assets/{asset_id}").get_data(as_text=True)
    for body in (item, page):
        assert "Leasehold" in body and "V-1" in body
        assert "Tenant" not in body and "arrears" not in body and "Occupier" not in body

    db.session.execute(text("UPDATE asset SET published_details = true WHERE id = :i"), {"i": asset_id})
    db.session.commit()
    item = client.get(f"/api/collections/assets/items/{asset_id}").get_json()
    assert (item["properties"]["tenure_detail"], item["properties"]["other_detail"]) == (
        "Let to Mr A Tenant", "Rent arrears")
    assert "Occupier" not in str(item)  # unmapped columns are never published


# ---------------------------------------------------------------- the command and the import record


def test_the_command_dry_runs_imports_records_the_run_and_downloads_its_report(app, db_session, place, tmp_path):
    code, postcode, lon, lat = place
    path = tmp_path / "register.csv"
    path.write_text("ref,name,type,postcode,lon,lat\n"
                    f"C-1,Cedar Hall,community centre,{postcode},{lon:.6f},{lat:.6f}\n"
                    f"C-2,Elm Library,library,{postcode},{lon + 0.001:.6f},{lat:.6f}\n", encoding="utf-8")
    runner = app.test_cli_runner()
    runs_before = db.session.execute(text("SELECT count(*) FROM import_run")).scalar_one()

    dry = runner.invoke(args=["assets", "import", str(path), "--authority", code, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Dry run: 2 new, 0 updated, 0 unchanged, 0 in the register but not in this file." in dry.output
    assert stored(code) == {}
    assert db.session.execute(text("SELECT count(*) FROM import_run")).scalar_one() == runs_before

    first = runner.invoke(args=["assets", "import", str(path), "--authority", code])
    assert first.exit_code == 0, first.output
    path.write_text("ref,name,type,postcode,lon,lat\n"
                    f"c-1,Cedar Hall Community Centre,community centre,{postcode},{lon:.6f},{lat:.6f}\n",
                    encoding="utf-8")
    second = runner.invoke(args=["assets", "import", str(path), "--authority", code, "--retire-missing"])
    assert second.exit_code == 0, second.output
    assert "0 new, 1 updated, 0 unchanged, 1 in the register but not in this file." in second.output
    assert "row 2 c-1: reference, name" in second.output
    assert "1 marked withdrawn" in second.output and "C-2 Elm Library" in second.output

    run = db.session.execute(text("SELECT * FROM import_run ORDER BY id DESC LIMIT 1")).mappings().one()
    assert (run["file_name"], run["actor"], run["via"], run["written"], run["retire_missing"]) == (
        "register.csv", "cli", "cli", True, True)
    assert run["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert run["counts"] == {"rows": 1, "rejected": 0, "new": 0, "updated": 1, "unchanged": 0, "missing": 1,
                             "retired": 1, "duplicates": 0}
    audit_rows = db.session.execute(text(
        "SELECT action, via FROM audit_entry WHERE target_type = 'import_run' AND target_id = :i"),
        {"i": str(run["id"])}).all()
    assert [tuple(r) for r in audit_rows] == [("assets.import", "cli")]

    report = runner.invoke(args=["assets", "import-report", str(run["id"]), "--csv"])
    assert report.exit_code == 0, report.output
    lines = list(csv.reader(io.StringIO(report.output)))
    assert lines[0] == ["row", "reference", "outcome", "field", "fields_changed", "asset_id", "message"]
    assert [line[:3] + [line[4]] for line in lines[1:]] == [["2", "c-1", "updated", "reference, name"],
                                                           ["", "C-2", "withdrawn", ""]]


def test_a_refused_import_is_recorded_too(app, db_session, place, tmp_path):
    code, _, _, _ = place
    path = tmp_path / "bad.csv"
    path.write_text("ref,name,type,lon,lat\nB-1,,library,-1.5,53.8\n", encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["assets", "import", str(path), "--authority", code])
    assert result.exit_code == 1
    run = db.session.execute(text("SELECT file_name, written, counts, report FROM import_run ORDER BY id DESC "
                                  "LIMIT 1")).mappings().one()
    assert (run["file_name"], run["written"], run["counts"]["rejected"]) == ("bad.csv", False, 1)
    assert [(r["row"], r["outcome"], r["field"]) for r in run["report"]] == [(2, "rejected", "name")]
    assert stored(code) == {}


def test_report_csv_cells_cannot_run_as_formulas():
    from registry.formats.import_report import report_csv

    out = report_csv([{"row": 3, "reference": "=HYPERLINK(\"http://x\")", "outcome": "new", "fields": "",
                       "asset_id": 1, "message": "+1"}])
    assert list(csv.reader(io.StringIO(out)))[1] == ["3", "'=HYPERLINK(\"http://x\")", "new", "", "", "1", "'+1"]


def test_a_bulk_import_runs_as_a_role_that_owns_nothing(place):
    """As the app's non-owner role: only SELECT/INSERT/UPDATE/DELETE and temporary tables. DDL on asset,
    DISABLE TRIGGER or TRUNCATE would fail here (they need the owner)."""
    code, _, lon, lat = place
    try:
        with db.session.begin_nested():
            db.session.execute(text("CREATE ROLE imwrite_app_role_test NOLOGIN"))
    except Exception:  # noqa: BLE001
        pytest.skip("this database role may not create roles")
    database = db.session.execute(text("SELECT current_database()")).scalar_one()
    db.session.execute(text("GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public "
                            "TO imwrite_app_role_test"))
    db.session.execute(text("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO imwrite_app_role_test"))
    db.session.execute(text(f'GRANT TEMPORARY ON DATABASE "{database}" TO imwrite_app_role_test'))
    db.session.execute(text("SET LOCAL ROLE imwrite_app_role_test"))
    records = [record(code, f"B-{i:05d}", lon=lon + (i % 50) * 0.0002, lat=lat + (i // 50) * 0.0002)
               for i in range(writing.NEAREST_IN_ONE_PASS_ROWS + 200)]

    first = write(records)
    again = write(records[:-1], retire_missing=True)

    assert (len(first.new), again.unchanged, again.retired) == (1200, 1199, 1)
    assert db.session.execute(text("SELECT current_user")).scalar_one() == "imwrite_app_role_test"
    db.session.execute(text("RESET ROLE"))
    assert grid_is_exact()


def test_the_table_computes_the_same_reference_key_as_python(place):
    from registry.assets import reference_key

    code, _, lon, lat = place
    references = ("09/01609/Land", "  B   1 ", "c\u00a01", "D\t1\n", "CAMACV17 (2nd moratorium)")
    write([record(code, reference, lon=lon, lat=lat) for reference in references])
    stored_keys = dict(db.session.execute(text("SELECT reference, reference_key FROM asset WHERE authority_code = :c"),
                                          {"c": code}).all())
    assert stored_keys == {reference: reference_key(reference) for reference in references}
