"""The asset importer against the real database: every test's writes are rolled back.

Sample files are in fixtures/samples/ (see its README). British National Grid accuracy is checked
against Ordnance Survey's own OSTN15 test points (OSTN15 developer pack, TestInput/TestOutput files),
not against the library that does the conversion.
"""

import csv
import random
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
import shapely
from pyproj import Geod, Transformer
from sqlalchemy import text

from registry import db, imports, places

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "samples"
LEEDS, EDINBURGH, CARDIFF, GLASGOW = "E08000035", "S12000036", "W06000015", "S12000049"
GEOD = Geod(ellps="WGS84")
HELMERT = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)  # PROJ without the OSTN15 grid

# OS OSTN15 test points: OSGB36 National Grid E, N -> ETRS89 lat, lon (TP01 St Mary's, Scilly; TP05 Southampton, former OS HQ;
# TP09 Lambeth; TP20 near Leeds; TP30 near Inverness; TP40 Shetland). ETRS89 is WGS84 to well
# under a metre for this purpose.
OS_TEST_POINTS = [
    ("TP01", 91492.146, 11318.804, 49.92226393730, -6.29977752014),
    ("TP05", 438710.920, 114792.250, 50.93127937910, -1.45051433700),
    ("TP09", 530624.974, 178388.464, 51.48936564950, -0.11992557180),
    ("TP20", 422242.186, 433818.701, 53.80021519630, -1.66379168242),
    ("TP30", 267056.768, 846176.972, 57.48625000720, -4.21926398555),
    ("TP40", 395999.668, 1138728.951, 60.13308091660, -2.07382822798),
]


def run(name_or_path, **options):
    path = name_or_path if isinstance(name_or_path, Path) else SAMPLES / name_or_path
    return imports.import_file(path, **options)


def asset_rows(prefix: str) -> list[dict]:
    return [dict(r) for r in db.session.execute(
        text("SELECT reference, authority_code, name, asset_type, surplus_status, occupancy, occupancy_since, "
             "uprn, title_numbers, postcode, market_value_gbp, floor_area_m2, area_code, "
             "ST_X(point) AS lon, ST_Y(point) AS lat, ST_AsText(footprint) AS footprint, "
             "GeometryType(footprint) AS footprint_type, ST_Contains(footprint, point) AS inside "
             "FROM asset WHERE reference LIKE :p ORDER BY reference"),
        {"p": prefix + "%"},
    ).mappings()]


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def distance_m(lon1, lat1, lon2, lat2) -> float:
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


# ---------------------------------------------------------------- good files


def test_lon_lat_csv_imports_every_row_with_spreadsheet_headers(db_session):
    report = run("assets_lonlat.csv")

    assert report.rejected == []
    assert (report.written, report.total, report.inserted, report.updated) == (True, 5, 5, 0)
    assert (report.format, report.encoding, report.crs) == ("csv", "utf-8", "4326")
    rows = {r["reference"]: r for r in asset_rows("LDS-")}
    assert set(rows) == {"LDS-0001", "LDS-0002", "LDS-0003", "LDS-0004", "LDS-0005"}
    chapeltown = rows["LDS-0001"]
    assert chapeltown["name"] == "Chapeltown Community Centre"
    assert chapeltown["asset_type"] == "community_centre"  # "Community centre" in the file
    assert chapeltown["market_value_gbp"] == Decimal(450000)  # "450,000"
    assert (chapeltown["lon"], chapeltown["lat"]) == pytest.approx((-1.5318, 53.8146))
    assert chapeltown["area_code"] == LEEDS
    armley = rows["LDS-0002"]
    assert armley["title_numbers"] == ["WYK223344", "WYK223345"]  # "Title Number(s)": two, with a ";"
    assert (armley["surplus_status"], armley["occupancy"]) == ("under_review", "partly_used")
    assert str(armley["occupancy_since"]) == "2023-09-30"  # "Vacant since"
    assert rows["LDS-0004"]["surplus_status"] == "available_for_transfer"


def test_bng_csv_takes_the_owner_from_the_authority_option(db_session):
    report = run("assets_bng.csv", default_authority=EDINBURGH)

    assert report.rejected == [] and report.inserted == 4
    assert report.crs == "27700"
    rows = {r["reference"]: r for r in asset_rows("EDI-")}
    assert {r["authority_code"] for r in rows.values()} == {EDINBURGH}
    assert rows["EDI-100"]["floor_area_m2"] == Decimal(820)  # "GIA"
    # Independent check of the grid conversion: PROJ's Helmert is within a few metres of OSTN15.
    helmert = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    lon, lat = helmert.transform(326950, 676350)
    assert distance_m(lon, lat, rows["EDI-100"]["lon"], rows["EDI-100"]["lat"]) < 10
    assert rows["EDI-100"]["area_code"] == EDINBURGH


def test_a_file_without_owners_and_no_authority_option_says_what_to_pass(db_session):
    report = run("assets_bng.csv")

    assert not report.written
    assert [(r.row, r.field) for r in report.rejected] == [(n, "authority_code") for n in (2, 3, 4, 5)]
    assert "--authority" in report.rejected[0].message


def test_geojson_points_polygons_and_multipolygons(db_session):
    report = run("assets.geojson")

    assert report.rejected == [] and report.inserted == 4 and report.format == "geojson"
    rows = {r["reference"]: r for r in asset_rows("CDF-")}
    assert rows["CDF-01"]["name"] == "Cathays Branch Library"  # reference from the feature's id
    assert rows["CDF-01"]["footprint"] is None
    assert rows["CDF-01"]["uprn"] == 10002512345
    for reference in ("CDF-03", "CDF-04"):
        assert rows[reference]["footprint_type"] == "MULTIPOLYGON"
        assert rows[reference]["inside"], "the point of a footprint lies inside it"
    assert rows["CDF-03"]["title_numbers"] == ["CYM123456"]
    assert report.ignored_columns == []


def test_geojson_in_british_national_grid_declared_by_its_crs_member(db_session):
    report = run("assets_bng.geojson")

    assert report.rejected == [] and report.inserted == 2 and report.crs == "27700"
    rows = {r["reference"]: r for r in asset_rows("GLA-")}
    # Independent of the conversion under test: PROJ's Helmert is within a few metres of OSTN15.
    lon, lat = HELMERT.transform(259560, 665230)
    assert distance_m(lon, lat, rows["GLA-01"]["lon"], rows["GLA-01"]["lat"]) < 5
    assert rows["GLA-02"]["inside"] and rows["GLA-02"]["footprint_type"] == "MULTIPOLYGON"
    assert rows["GLA-02"]["area_code"] == GLASGOW


def test_geojson_crs_option_that_contradicts_the_file_is_refused(db_session):
    report = run("assets_bng.geojson", crs="4326")

    assert not report.written
    assert [(r.row, r.field) for r in report.rejected] == [(0, "crs")]


@pytest.mark.parametrize("crs", ["auto", "27700"])
def test_ambiguous_x_y_columns_in_grid_metres(db_session, tmp_path, crs):
    path = write_csv(tmp_path / "xy.csv", ["ref", "name", "type", "GeoX", "GeoY"],
                     [["XY-1", "Grid metres", "depot", "429500", "433500"]])

    report = run(path, default_authority=LEEDS, crs=crs)

    assert report.rejected == [] and report.crs == "27700"
    lon, lat = HELMERT.transform(429500, 433500)
    row = asset_rows("XY-")[0]
    assert distance_m(lon, lat, row["lon"], row["lat"]) < 5


def test_ambiguous_x_y_columns_in_degrees(db_session, tmp_path):
    path = write_csv(tmp_path / "xy.csv", ["ref", "name", "type", "X", "Y"],
                     [["XY-2", "Degrees", "depot", "-1.55", "53.80"]])

    report = run(path, default_authority=LEEDS)

    assert report.rejected == [] and report.crs == "4326"
    assert (asset_rows("XY-")[0]["lon"], asset_rows("XY-")[0]["lat"]) == pytest.approx((-1.55, 53.80))


def test_rows_with_a_known_postcode_and_no_coordinates_are_placed_at_it(db_session, tmp_path):
    postcode, lon, lat = db.session.execute(
        text("SELECT postcode, ST_X(point), ST_Y(point) FROM postcode WHERE district_code = :c LIMIT 1"),
        {"c": LEEDS}).one()
    path = write_csv(tmp_path / "pc.csv", ["ref", "name", "type", "postcode", "lon", "lat"],
                     [["PC-1", "Placed by postcode", "office", postcode.lower().replace(" ", ""), "", ""],
                      ["PC-2", "Unknown postcode", "office", "ZZ9 9ZZ", "", ""]])

    report = run(path, default_authority=LEEDS)

    # Both rows are accepted: one placed at its postcode (approximate), one with no location at all.
    assert report.rejected == [] and report.accepted == 2
    assert report.locations == {"postcode": 1, "none": 1}
    assert [(w.row, w.field) for w in report.warnings] == [(2, "postcode"), (3, "lon/lat")]
    assert "placed at the centre of postcode" in report.warnings[0].message
    assert "'ZZ9 9ZZ' is not a known postcode" in report.warnings[1].message
    assert "without a location" in report.warnings[1].message
    placed = [r for r in asset_rows("PC-") if r["lon"] is not None]
    assert [r["reference"] for r in placed] == ["PC-1"]
    assert (placed[0]["lon"], placed[0]["lat"]) == pytest.approx((lon, lat))


# ---------------------------------------------------------------- re-importing


def test_importing_the_same_file_again_changes_nothing_and_duplicates_nothing(db_session):
    first = run("assets_lonlat.csv")
    again = run("assets_lonlat.csv")

    assert (first.inserted, first.updated) == (5, 0)
    assert (again.inserted, again.updated, again.unchanged, again.written) == (0, 0, 5, True)
    assert len(asset_rows("LDS-")) == 5


def test_reimporting_a_changed_file_updates_by_authority_and_reference(db_session, tmp_path):
    run("assets_lonlat.csv")
    before = {r["reference"]: r for r in asset_rows("LDS-")}
    changed = (SAMPLES / "assets_lonlat.csv").read_text().replace(
        "Chapeltown Community Centre", "Chapeltown Community Hub").replace("-1.53180,53.81460", "-1.53000,53.81500")
    path = tmp_path / "changed.csv"
    path.write_text(changed)

    report = run(path)

    assert (report.inserted, report.updated, report.unchanged) == (0, 1, 4)
    after = {r["reference"]: r for r in asset_rows("LDS-")}
    assert len(after) == 5
    assert after["LDS-0001"]["name"] == "Chapeltown Community Hub"
    assert (after["LDS-0001"]["lon"], after["LDS-0001"]["lat"]) == pytest.approx((-1.53, 53.815))
    assert after["LDS-0002"] == before["LDS-0002"]


def test_the_same_file_differently_encoded_is_the_same_data(db_session):
    cp1252 = run("assets_cp1252.csv")
    bom = run("assets_utf8_bom.csv")

    assert (cp1252.encoding, cp1252.inserted) == ("cp1252", 2)
    assert (bom.encoding, bom.unchanged, bom.inserted, bom.updated) == ("utf-8 (with BOM)", 2, 0, 0)
    rows = {r["reference"]: r for r in asset_rows("ENC-")}
    assert rows["ENC-1"]["name"] == "St Mary\u2019s Café"
    assert rows["ENC-1"]["market_value_gbp"] == Decimal(250000)  # "£250,000"
    assert rows["ENC-2"]["name"] == "Crèche at Harehills \u2013 old school"


def test_bytes_that_are_not_cp1252_fall_back_to_latin_1(db_session, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("ref,name,type,lon,lat\nL1-1,Caf\xe9 \x81,office,-1.55,53.8\n".encode("latin-1"))

    report = run(path, default_authority=LEEDS)

    assert report.encoding == "latin-1" and report.inserted == 1


# ---------------------------------------------------------------- rejections


BAD_ROWS = [
    (5, "authority", "There is no authority with the code 'E07999999'"),
    (6, "longitude", "is outside the UK"),
    (8, "latitude", "Latitude 'north' is not a number"),
    (9, "reference", "reference 'BAD-01' for E08000035 is already on spreadsheet row 2"),
    (10, "name", "Enter the name"),
]
# Values mapped, not refused (issue 10): these rows are accepted with a warning.
BAD_ROW_WARNINGS = [
    (3, "type", "'spaceport' is not one of our asset types: stored as Other"),
    (4, "uprn", "UPRN must be a whole number"),
    (7, "longitude", "were the wrong way round: they have been swapped"),
    (11, "longitude/latitude", "No coordinates and no postcode: stored without a location"),
]


def test_a_file_with_bad_rows_writes_nothing_and_names_each_row_and_field(db_session):
    report = run("assets_bad_rows.csv")

    assert not report.written and report.total == 11
    assert [(r.row, r.field) for r in report.rejected] == [(row, field) for row, field, _ in BAD_ROWS]
    for rejection, (_, _, message) in zip(report.rejected, BAD_ROWS, strict=True):
        assert message in rejection.message
    assert [(w.row, w.field) for w in report.warnings] == [(row, field) for row, field, _ in BAD_ROW_WARNINGS]
    for warning, (_, _, message) in zip(report.warnings, BAD_ROW_WARNINGS, strict=True):
        assert message in warning.message
    assert report.rejected[0].text.startswith("Record 4 (spreadsheet row 5, reference BAD-04): ")
    assert asset_rows("BAD-") == []


def test_skip_bad_rows_writes_the_good_ones(db_session):
    report = run("assets_bad_rows.csv", skip_bad_rows=True)

    assert report.written and report.accepted == 6 and len(report.rejected) == len(BAD_ROWS)
    located = [r for r in asset_rows("BAD-") if r["lon"] is not None]
    assert [(r["reference"], r["asset_type"]) for r in located] == [
        ("BAD-01", "community_centre"), ("BAD-02", "other"), ("BAD-03", "library"), ("BAD-06", "library"),
        ("BAD-10", "depot")]
    swapped = next(r for r in located if r["reference"] == "BAD-06")
    assert (swapped["lon"], swapped["lat"]) == pytest.approx((-1.5318, 53.8146))
    assert next(r for r in located if r["reference"] == "BAD-03")["uprn"] is None  # '12AB' kept as a detail


def test_bad_geometry_is_rejected_with_a_clear_message(db_session):
    report = run("assets_bad.geojson")

    assert not report.written
    assert [(r.row, r.field) for r in report.rejected] == [(2, "geometry"), (3, "geometry"), (4, "geometry")]
    bow_tie, path, iceland = (r.message for r in report.rejected)
    assert "not a valid polygon: self-intersection near -3.195, 51.485" in bow_tie
    assert "LineString" in path and "Point, Polygon or MultiPolygon" in path
    assert "outside the UK" in iceland
    assert run("assets_bad.geojson", skip_bad_rows=True).inserted == 1


def test_skip_bad_rows_with_no_good_rows_writes_nothing(db_session, tmp_path):
    path = write_csv(tmp_path / "none.csv", ["ref", "name", "type", "lon", "lat"],
                     [["NONE-1", "", "castle", "-1.55", "53.8"]])

    report = run(path, default_authority=LEEDS, skip_bad_rows=True)

    assert not report.written
    assert report.closing_line() == "Nothing written: all 1 rows are invalid."


def test_grid_references_outside_the_grid_or_ostn15_are_rejected(db_session, tmp_path):
    path = write_csv(tmp_path / "far.csv", ["ref", "name", "type", "easting", "northing"],
                     [["FAR-1", "Negative", "land", "-10", "5000"],
                      ["FAR-2", "Far out at sea", "land", "690000", "1290000"],
                      ["FAR-3", "Fine", "land", "429500", "433500"]])

    report = run(path, default_authority=LEEDS)

    assert [(r.row, r.field) for r in report.rejected] == [(2, "easting"), (3, "easting")]
    assert "0–700000" in report.rejected[0].message
    assert "outside" in report.rejected[1].message


@pytest.mark.parametrize(("lon", "lat", "hint"), [
    (1.5318, 53.8146, "Check the sign of the longitude"),  # Leeds with its minus sign lost: the North Sea
    (1.8600, 50.9500, "outside the UK."),  # Calais
    (-6.2600, 53.3500, "outside the UK."),  # Dublin
    (-1.5318, 33.8146, "outside the UK."),
], ids=["sign", "calais", "dublin", "sahara"])
def test_points_outside_the_uk_are_rejected_with_a_hint(db_session, tmp_path, lon, lat, hint):
    path = write_csv(tmp_path / "out.csv", ["ref", "name", "type", "lon", "lat"],
                     [["OUT-1", "Somewhere", "land", lon, lat]])

    report = run(path, default_authority=LEEDS)

    assert [(r.row, r.field) for r in report.rejected] == [(2, "lon")]
    assert "is outside the UK" in report.rejected[0].message and hint in report.rejected[0].message


def test_the_uk_outline_holds_every_postcode_in_the_gazetteer(db_session):
    lons, lats = map(np.array, zip(*db.session.execute(text("SELECT ST_X(point), ST_Y(point) FROM postcode")),
                                   strict=True))
    assert len(lons) > 1000
    assert shapely.contains_xy(imports.UK_OUTLINE, lons, lats).all()


def test_files_that_cannot_be_read_are_reported_not_raised(db_session, tmp_path):
    empty = tmp_path / "empty.csv"
    empty.write_text("reference,name,type,lon,lat\n")
    no_coordinates = write_csv(tmp_path / "none.csv", ["reference", "name"], [["A", "B"]])
    broken_json = tmp_path / "broken.geojson"
    broken_json.write_text('{"type": "FeatureCollection", "features": [')

    assert [(r.row, r.field) for r in run(empty).rejected] == [(0, "file")]
    assert [(r.row, r.field) for r in run(no_coordinates).rejected] == [(1, "file")]
    assert [(r.row, r.field) for r in run(broken_json).rejected] == [(0, "file")]
    assert not any(run(p).written for p in (empty, no_coordinates, broken_json))


# ---------------------------------------------------------------- British National Grid accuracy


def test_os_ostn15_test_points_land_within_a_metre_of_their_published_position(db_session, tmp_path):
    path = write_csv(tmp_path / "os.csv", ["Asset Ref", "Name", "Type", "Easting", "Northing"],
                     [[tp, f"OS test point {tp}", "land", e, n] for tp, e, n, _, _ in OS_TEST_POINTS])

    report = run(path, default_authority=LEEDS)

    assert report.rejected == [] and report.inserted == len(OS_TEST_POINTS)
    rows = {r["reference"]: r for r in asset_rows("TP")}
    for tp, _, _, lat, lon in OS_TEST_POINTS:
        assert distance_m(lon, lat, rows[tp]["lon"], rows[tp]["lat"]) < 1.0, tp


def test_grid_conversion_round_trips_and_agrees_with_helmert():
    rng = np.random.default_rng(5)
    eastings, northings = rng.uniform(150_000, 650_000, 200), rng.uniform(20_000, 950_000, 200)
    lons, lats = places.bng_to_wgs84(eastings, northings)
    ok = np.isfinite(lons)
    back_e, back_n = places.wgs84_to_bng(lons[ok], lats[ok])
    inverse_ok = np.isfinite(back_e)  # convertbng's inverse has its own, smaller, lon/lat box
    assert inverse_ok.sum() > 100
    assert np.hypot(back_e - eastings[ok], back_n - northings[ok])[inverse_ok].max() < 0.05
    helmert = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    h_lons, h_lats = helmert.transform(eastings[ok], northings[ok])
    assert max(distance_m(*pair) for pair in zip(h_lons, h_lats, lons[ok], lats[ok], strict=True)) < 10


# ---------------------------------------------------------------- progress and bulk


def generated_rows(count: int, seed: int = 3) -> list[list]:
    rng = random.Random(seed)
    postcodes = db.session.execute(
        text("SELECT postcode, ST_X(point), ST_Y(point) FROM postcode WHERE district_code = :c"),
        {"c": LEEDS}).all()
    rows = []
    for i in range(count):
        postcode, lon, lat = postcodes[rng.randrange(len(postcodes))]
        rows.append([f"GEN-{i:06d}", f"Generated asset {i}", "office", postcode,
                     f"{lon + rng.uniform(-5e-4, 5e-4):.6f}", f"{lat + rng.uniform(-3e-4, 3e-4):.6f}"])
    return rows


def districts_differing_from_district_code_at(prefix: str) -> int:
    return db.session.execute(text(
        "SELECT count(*) FROM asset WHERE reference LIKE :p "
        "AND area_code IS DISTINCT FROM district_code_at(point)"), {"p": prefix + "%"}).scalar_one()


def test_progress_is_reported_every_thousand_rows(db_session, tmp_path):
    path = write_csv(tmp_path / "gen.csv", ["ref", "name", "type", "postcode", "lon", "lat"],
                     generated_rows(2500))
    calls = []

    report = run(path, default_authority=LEEDS, progress=lambda done, total: calls.append((done, total)))

    assert report.inserted == 2500
    assert calls == [(1000, 2500), (2000, 2500), (2500, 2500)]
    assert districts_differing_from_district_code_at("GEN-") == 0


def test_a_bulk_import_keeps_the_map_grid_and_districts_exact(db_session, tmp_path):
    rows = generated_rows(imports.BULK_ROWS + 100) + [
        ["GEN-CAIRNGORMS", "Bothy far from any postcode", "other", "", "-3.6500", "57.0800"],
        ["GEN-NORTH-SEA", "Platform with no district", "other", "", "-0.6000", "55.0000"],
        ["GEN-BORDER", "Near a district boundary", "land", "", "-1.2900", "53.9400"],
    ]
    path = write_csv(tmp_path / "gen.csv", ["ref", "name", "type", "postcode", "lon", "lat"], rows)
    # An official boundary over central Leeds (owned, for the test, by Manchester) must win over
    # the nearest postcode, as it does in district_code_at.
    db.session.execute(text(
        "INSERT INTO authority_boundary_part (authority_code, source, geom) "
        "VALUES ('E08000003', 'ons', ST_MakeEnvelope(-1.56, 53.79, -1.54, 53.81, 4326))"))

    report = run(path, default_authority=LEEDS)

    assert report.inserted == len(rows)
    official = db.session.execute(text(
        "SELECT count(*) FROM asset WHERE reference LIKE 'GEN-%' AND area_code = 'E08000003'")).scalar_one()
    assert official > 0
    grid_total, public = db.session.execute(text(
        "SELECT (SELECT sum(asset_count) FROM asset_grid_cell), "
        "(SELECT count(*) FROM asset WHERE NOT withheld)")).one()
    assert grid_total == public
    triggers = dict(db.session.execute(text(
        "SELECT tgname, tgenabled FROM pg_trigger WHERE tgname LIKE 'asset_grid_%'")).all())
    assert triggers == {"asset_grid_insert": "O", "asset_grid_update": "O", "asset_grid_delete": "O"}
    assert districts_differing_from_district_code_at("GEN-") == 0


# ---------------------------------------------------------------- the command


def test_the_command_imports_and_commits_once(app, db_session):
    runner = app.test_cli_runner()

    result = runner.invoke(args=["assets", "import", str(SAMPLES / "assets.geojson")])

    assert result.exit_code == 0, result.output
    assert "4 added, 0 updated, 0 unchanged, 0 rejected" in result.output
    # The command's commit only released the test's savepoint: this session sees the rows ...
    assert len(asset_rows("CDF-")) == 4
    # ... and another connection does not, so the test's rollback still removes them.
    with db.engine().connect() as other:
        assert other.execute(text("SELECT count(*) FROM asset WHERE reference LIKE 'CDF-%'")).scalar() == 0


def test_the_command_reports_bad_rows_and_writes_nothing(app, db_session):
    runner = app.test_cli_runner()

    result = runner.invoke(args=["assets", "import", str(SAMPLES / "assets_bad_rows.csv")])

    assert result.exit_code == 1
    assert "rejected: Record 4 (spreadsheet row 5, reference BAD-04): There is no authority" in result.output
    assert "warning: Record 2 (spreadsheet row 3, reference BAD-02): type 'spaceport'" in result.output
    assert "Nothing written: 5 of 11 rows are invalid" in result.output
    assert asset_rows("BAD-") == []


def test_the_command_passes_authority_crs_and_skip_bad_rows(app, db_session):
    runner = app.test_cli_runner()

    result = runner.invoke(args=["assets", "import", str(SAMPLES / "assets_bng.csv"), "--authority", EDINBURGH,
                                 "--crs", "27700"])
    skipped = runner.invoke(args=["assets", "import", str(SAMPLES / "assets_bad_rows.csv"), "--skip-bad-rows"])

    assert result.exit_code == 0 and "4 added" in result.output
    assert skipped.exit_code == 0 and "5 rejected" in skipped.output


def test_the_command_says_which_encoding_it_read_and_refuses_unreadable_files(app, db_session, tmp_path):
    runner = app.test_cli_runner()
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json")

    encoded = runner.invoke(args=["assets", "import", str(SAMPLES / "assets_cp1252.csv")])
    refused = runner.invoke(args=["assets", "import", str(broken)])

    assert encoded.exit_code == 0 and "in cp1252" in encoded.output
    assert refused.exit_code == 1
    assert "rejected: The file: The file is not valid JSON" in refused.output
    assert "Nothing written: the file cannot be imported as it is." in refused.output


def test_a_bulk_import_goes_on_while_another_writer_holds_the_table(db_session, tmp_path):
    # No DDL and no table lock stronger than an ordinary writer's: the grid is kept by statement triggers.
    rows = generated_rows(imports.BULK_ROWS + 10, seed=9)
    path = write_csv(tmp_path / "gen.csv", ["ref", "name", "type", "postcode", "lon", "lat"], rows)
    with db.engine().connect() as writer:
        writer.execute(text("LOCK TABLE asset IN ROW EXCLUSIVE MODE"))  # as any other writer holds it
        report = run(path, default_authority=LEEDS)
        writer.rollback()

    assert report.inserted == len(rows)
    grid_total, public = db.session.execute(text(
        "SELECT (SELECT sum(asset_count) FROM asset_grid_cell), "
        "(SELECT count(*) FROM asset WHERE NOT withheld)")).one()
    assert grid_total == public
