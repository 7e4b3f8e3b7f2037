"""Real council registers (fixtures/samples/councils, see its README) through the importer.

Every expected value is worked out from the files themselves with the csv module and by hand, and
every position is checked against an independent conversion (PROJ's Helmert transformation for
British National Grid, which is within a few metres of OSTN15; the file's own longitude/latitude
for WGS84), never against the code under test.
"""

import csv
import functools
import json
from pathlib import Path

import pytest
import shapely
import shapely.geometry
from pyproj import Geod, Transformer
from sqlalchemy import text

from registry import db, imports, places
from registry.vocabulary import GSS_PREFIX_KIND

from .conftest import add_package_postcodes

COUNCILS = Path(__file__).resolve().parents[2] / "fixtures" / "samples" / "councils"
FORMATS = COUNCILS / "formats"
CHELTENHAM, TRAFFORD, LEEDS = "E07000078", "E08000009", "E08000035"
GEOD = Geod(ellps="WGS84")
HELMERT = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)


def distance_m(lon1, lat1, lon2, lat2) -> float:
    return GEOD.inv(lon1, lat1, lon2, lat2)[2]


def file_records(name: str, encoding: str = "utf-8") -> list[dict]:
    """The file's records as the csv module reads them, blank records dropped."""
    with (COUNCILS / name).open(newline="", encoding=encoding) as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    out = []
    for number, row in enumerate(rows[1:], start=2):
        if any(cell.strip() for cell in row):
            out.append({"_row": number, **{h: row[i] for i, h in enumerate(header) if h not in {}}})
    return out


@functools.cache
def package_postcodes() -> list[tuple]:
    """GL and WA postcodes from the ONS package the gazetteer loads (the test database has neither area)."""
    return list(places.iter_postcode_rows({"GL", "WA"}))


@pytest.fixture()
def council_world(db_session):
    """Cheltenham and Altrincham's postcodes and districts, and both councils with a known boundary."""
    rows = package_postcodes()
    add_package_postcodes(rows)
    db.session.execute(text(
        "INSERT INTO postcode_district (outcode, point, postcode_count) "
        "SELECT split_part(postcode, ' ', 1), ST_Centroid(ST_Collect(point)), count(*) FROM postcode "
        "WHERE postcode LIKE 'GL%' OR postcode LIKE 'WA%' GROUP BY 1 ON CONFLICT (outcode) DO NOTHING"))
    for code, name in ((CHELTENHAM, "Cheltenham"), (TRAFFORD, "Trafford")):
        kind, nation = GSS_PREFIX_KIND[code[:3]]
        db.session.execute(text(
            "INSERT INTO authority (code, name, kind, nation, boundary_source) "
            "VALUES (:code, :name, :kind, :nation, 'approximate-postcodes') ON CONFLICT (code) DO NOTHING"),
            {"code": code, "name": name, "kind": kind, "nation": nation})
        # A boundary we can reason about: the convex hull of the district's postcodes.
        db.session.execute(text("DELETE FROM authority_boundary_part WHERE authority_code = :c"), {"c": code})
        db.session.execute(text(
            "INSERT INTO authority_boundary_part (authority_code, source, geom) "
            "SELECT CAST(:c AS varchar), 'approximate-postcodes', ST_ConvexHull(ST_Collect(point)) FROM postcode "
            "WHERE district_code = :c"), {"c": code})
    return {code: shapely.from_wkt(db.session.execute(text(
        "SELECT ST_AsText(ST_Union(geom)) FROM authority_boundary_part WHERE authority_code = :c"),
        {"c": code}).scalar_one()) for code in (CHELTENHAM, TRAFFORD)}


def known(postcodes: set[str]) -> set[str]:
    return {r[0] for r in package_postcodes() if r[0] in postcodes} | {
        row[0] for row in db.session.execute(text("SELECT postcode FROM postcode WHERE postcode = ANY(:p)"),
                                             {"p": sorted(postcodes)})}


def districts() -> set[str]:
    return {row[0] for row in db.session.execute(text("SELECT outcode FROM postcode_district"))}


def stored(prefix_authority: str) -> dict[str, dict]:
    return {r["reference"]: dict(r) for r in db.session.execute(text(
        "SELECT reference, name, asset_type, postcode, uprn, ST_X(point) AS lon, ST_Y(point) AS lat "
        "FROM asset WHERE authority_code = :a AND point IS NOT NULL"), {"a": prefix_authority}).mappings()}


# ---------------------------------------------------------------- Trafford: every Transparency Code column


def test_trafford_register_is_read_mapped_located_and_explained(council_world):
    records = file_records("trafford_land_and_building_assets_2023.csv")
    report = imports.import_file(COUNCILS / "trafford_land_and_building_assets_2023.csv")

    assert report.total == len(records) == 158
    assert report.rejected == []
    assert report.accepted == 158 and report.authorities == {TRAFFORD: 158}  # from OrganisationURI
    assert report.ignored_columns == ["EnergyRating"]  # reported by name and kept with each row
    assert {"reference", "name", "tenure", "tenure_detail", "other_detail", "holding_type", "street_number",
            "street", "post_town", "postcode", "uprn", "floor_area_m2", "site_area_m2", "effective_date",
            "authority_code", "point"} <= report.present_fields

    # Where each row is, worked out from the file: coordinates win; else a known full postcode; else
    # its district (an outward code, or a full postcode we do not know); else nowhere.
    with_coordinates = [r for r in records if r["GeoX"].strip() and r["GeoY"].strip()]
    rest = [r for r in records if r not in with_coordinates]
    full = {places.normalise_postcode(r["PostCode"]) for r in rest} - {None}
    found = known(full)
    outward = districts()

    def expected_source(r):
        postcode = places.normalise_postcode(r["PostCode"])
        if postcode in found:
            return "postcode"
        outcode = postcode.split(" ")[0] if postcode else " ".join(r["PostCode"].split()).upper()
        return "postcode_district" if outcode in outward else "none"

    expected = {"surveyed": len(with_coordinates)}
    for r in rest:
        expected[expected_source(r)] = expected.get(expected_source(r), 0) + 1
    assert report.locations == expected
    assert expected["surveyed"] == 135 and expected.get("none", 0) > 0  # the file has all four kinds

    # Positions: the file's own WGS84 numbers (TMBC0396's, given as lat, lon, swapped back).
    rows = stored(TRAFFORD)
    assert len(rows) == 158 - expected.get("none", 0)
    for r in with_coordinates:
        lon, lat = float(r["GeoX"]), float(r["GeoY"])
        if r["AssetCode"] == "TMBC0396/P0000036":
            lon, lat = lat, lon
        got = rows[r["AssetCode"]]
        assert distance_m(lon, lat, got["lon"], got["lat"]) < 5, r["AssetCode"]

    # The messages an officer can act on, in the file's own column names.
    texts = [w.text for w in report.warnings]
    assert ("Record 133 (spreadsheet row 134, AssetCode TMBC0350): PostCode 'M32 OXZ' is not a known postcode; "
            "the GeoX/GeoY coordinates are used.") in texts
    swapped = [w for w in report.warnings if "wrong way round" in w.message]
    position = next(n for n, r in enumerate(records, start=1) if r["AssetCode"] == "TMBC0396/P0000036")
    assert (position, records[position - 1]["_row"]) == (139, 140)
    assert [(w.record, w.row, w.reference) for w in swapped] == [(139, 140, "TMBC0396/P0000036")]
    outward_with_coordinates = [r for r in with_coordinates
                                if r["PostCode"].strip() and places.normalise_postcode(r["PostCode"]) is None
                                and places.OUTCODE.match(r["PostCode"].strip().upper())]
    assert outward_with_coordinates, "the extract has outward-only postcodes on located rows"
    for r in outward_with_coordinates:
        assert any(w.row == r["_row"] and "first half of a postcode" in w.message for w in report.warnings)
    for r in rest:
        assert any(w.row == r["_row"] and "No coordinates" in w.message for w in report.warnings), r["AssetCode"]
    assert not any(w.row == 0 for w in report.warnings)


BOUNDARIES = COUNCILS.parent / "boundaries"
TRAFFORD_DISTRICT = BOUNDARIES / "trafford_district_lad23.geojson"
TRAFFORD_PARISHES = BOUNDARIES / "trafford_parishes_par23.geojson"


def test_trafford_register_counts_by_its_real_parishes(app, client, council_world):
    """Trafford's register and the ONS parishes of Trafford (May 2023, area_code/area_name): counts by parish.

    Expected sets come from shapely on the parish file and the points read back; the surveyed ones
    were also checked by hand against the file: the nine located records whose PostTown is Partington
    lie in Partington, TMBC0076/J0000214 (an Altrincham record) in Dunham Massey, none in Carrington
    or Warburton.
    """
    report = imports.import_file(COUNCILS / "trafford_land_and_building_assets_2023.csv")
    assert report.written and report.accepted == 158
    runner = app.test_cli_runner()
    district = runner.invoke(args=["places", "import-boundaries", str(TRAFFORD_DISTRICT)])
    assert district.exit_code == 0 and "1 districts imported" in district.output, district.output
    parishes = runner.invoke(args=["places", "import-boundaries", str(TRAFFORD_PARISHES)])
    assert parishes.exit_code == 0, parishes.output
    assert "4 parishes imported from trafford_parishes_par23.geojson" in parishes.output  # E04 codes say parish

    collection = json.loads(TRAFFORD_PARISHES.read_text())
    shapes = {f["properties"]["area_code"]: (f["properties"]["area_name"], shapely.geometry.shape(f["geometry"]))
              for f in collection["features"]}
    stored_parishes = dict(db.session.execute(text(
        "SELECT code, district_code FROM area_boundary WHERE kind = 'parish' AND code = ANY(:c)"),
        {"c": sorted(shapes)}).all())
    assert stored_parishes == {code: TRAFFORD for code in shapes}

    points = db.session.execute(text("SELECT id, reference, location_source, ST_X(point), ST_Y(point) FROM asset "
                                     "WHERE authority_code = :a AND point IS NOT NULL AND NOT withheld"),
                                {"a": TRAFFORD}).all()
    expected = {code: {p.id for p in points if geometry.intersects(shapely.Point(p[3], p[4]))}
                for code, (_name, geometry) in shapes.items()}
    surveyed = {code: sorted(p.reference for p in points if p.id in ids and p.location_source == "surveyed")
                for code, ids in expected.items()}
    assert surveyed == {
        "E04000009": [],
        "E04000010": ["TMBC0076/J0000214"],
        "E04000011": ["TMBC0005/TN000076", "TMBC0032/JN0000019", "TMBC0033/J0000224", "TMBC0036/J0000194",
                      "TMBC0062", "TMBC0063", "TMBC0081/J0000102", "TMBC0092/J0000036", "TMBC0131"],
        "E04000012": [],
    }

    from registry import authorities

    counted = {row["code"]: row["asset_count"] for row in authorities.counts_by_area(TRAFFORD, "parish")}
    assert counted == {code: len(ids) for code, ids in expected.items()}
    for code, ids in expected.items():
        response = client.get(f"/api/collections/assets/items?area={code}&limit=1000")
        assert response.status_code == 200, response.get_data(as_text=True)
        assert {f["id"] for f in response.get_json()["features"]} == ids, code
    assert places.parish_at(-2.425277, 53.417552)["name"] == "Partington"  # TMBC0005's own GeoX/GeoY


def test_trafford_fields_are_kept_as_the_standard_defines_them(council_world):
    report = imports.import_file(COUNCILS / "trafford_land_and_building_assets_2023.csv", mapping=None)
    assert report.rejected == []
    records = {r["AssetCode"]: r for r in file_records("trafford_land_and_building_assets_2023.csv")}
    parsed = imports.reading.read(COUNCILS / "trafford_land_and_building_assets_2023.csv", "auto", None, None)
    good, _rejected = imports.check_rows(parsed, None, None)
    by_ref = {record.reference: record for _, record in good}
    town_hall = by_ref["TMBC0001/T0000003"]
    assert records["TMBC0001/T0000003"]["PropertyName"] == "Altrincham Town Hall"
    assert (town_hall.name, town_hall.tenure, town_hall.tenure_detail, town_hall.other_detail) == (
        "Altrincham Town Hall", "Freehold", "Owner Occupied", "Town Hall")
    assert (town_hall.holding_type, town_hall.street, town_hall.post_town, town_hall.postcode) == (
        "building", "Market Street", "Altrincham", "WA14 1PF")
    assert str(town_hall.floor_area_m2) == "415.05" and town_hall.uprn == 100012797623
    assert town_hall.asset_type == "office"  # "Town Hall" in the name; HoldingType "Buildings"
    assert str(town_hall.effective_date) == "2023-09-29" and town_hall.extra == {"EnergyRating": "E"}
    broomwood = by_ref["TMBC0002/B0000066"]
    assert (broomwood.street_number, broomwood.address) == ("105", "105 Mainwood Road, Altrincham")
    holding = {r["HoldingType"] for r in records.values()}
    assert holding == {"Land", "Land/Buildings", "Buildings"}
    assert {by_ref[ref].holding_type for ref, r in records.items() if r["HoldingType"] == "Land/Buildings"} == {
        "land_and_building"}


# ---------------------------------------------------------------- Cheltenham: cp1252, repeated headers, bare CRs


def test_cheltenham_2021_register_in_british_national_grid(council_world):
    records = file_records("cheltenham_land_and_assets_2021.csv", encoding="cp1252")
    report = imports.import_file(COUNCILS / "cheltenham_land_and_assets_2021.csv", skip_bad_rows=True)

    assert (report.total, report.encoding, report.crs) == (len(records), "cp1252", "27700")
    assert report.total == 182
    # Two references appear twice: 09/00069/Land exactly (records 177, 178), 09/00677/LAND and
    # 09/00677/Land differing only in case (records 143, 182).
    assert [(r.record, r.row, r.field) for r in report.rejected] == [(178, 179, "AssetCode"),
                                                                       (182, 183, "AssetCode")]
    assert report.rejected[1].text == (
        "Record 182 (spreadsheet row 183, AssetCode 09/00677/Land): AssetCode '09/00677/Land' for E07000078 is "
        "already on spreadsheet row 144: each asset must appear once.")
    assert report.authorities == {CHELTENHAM: 180}  # "Cheltenham Borough Council" / "23UB"
    no_coordinates = [r for r in records if not r["GeoX"].strip()]
    assert [r["AssetCode"] for r in no_coordinates] == ["09/00942/RES"]
    assert report.locations == {"surveyed": 179, "none": 1}
    rows = stored(CHELTENHAM)
    assert len(rows) == 179
    for r in records:
        if r["GeoX"].strip() and r["_row"] not in (179, 183):
            lon, lat = HELMERT.transform(float(r["GeoX"]), float(r["GeoY"]))
            got = rows[r["AssetCode"]]
            assert distance_m(lon, lat, got["lon"], got["lat"]) < 5, r["AssetCode"]
    # Councils own land outside their area: accepted and flagged. Which rows lie outside the test's
    # boundary (the hull of Cheltenham's postcodes) is worked out with Helmert positions and shapely.
    hull = council_world[CHELTENHAM]
    outside = set()
    for r in records:
        if r["GeoX"].strip() and r["_row"] not in (179, 183):
            lon, lat = HELMERT.transform(float(r["GeoX"]), float(r["GeoY"]))
            if not hull.contains(shapely.Point(lon, lat)):
                outside.add(r["AssetCode"])
    flagged = {w.reference for w in report.warnings if "outside the area of E07000078" in w.message}
    assert flagged == outside and len(outside) >= 1
    assert all(ref in rows for ref in outside)  # accepted and stored all the same


def test_cheltenham_2021_cells_are_cleaned_and_holdings_mapped(council_world):
    parsed = imports.reading.read(COUNCILS / "cheltenham_land_and_assets_2021.csv", "auto", None, None)
    good, _ = imports.check_rows(parsed, None, None)
    by_ref = {record.reference: record for _, record in good}
    fountain = by_ref["14/00023/STRUC"]  # TenureType is "Freehold" + a non-breaking space (byte A0)
    assert fountain.tenure == "Freehold" and fountain.postcode == "GL50 4JE"
    studio = next(r for r in by_ref.values() if r.street and r.street.startswith("10 Berkeley Mews"))
    assert studio.street == "10 Berkeley Mews High Street"  # "10 Berkeley Mews\rHigh Street\r \r " in the file
    first = by_ref["09/00025/Land and Building"]
    assert (first.holding_type, first.postcode, first.name) == ("land_and_building", "GL50 1DY", "1 Berkeley Mews")
    assert by_ref["09/00803/Land"].holding_type == "land"
    assert {r.holding_type for r in by_ref.values()} == {"land", "land_and_building"}
    # "Organisation" and "OrganisationLabel" each appear twice: the repeats are kept as extra details.
    assert parsed.ignored_columns == []
    assert parsed.columns.authority_columns == [0, 2, 1, 3]


def test_cheltenham_2023_register_types_from_holding_categories(council_world):
    records = file_records("cheltenham_land_and_assets_2023.csv")
    report = imports.import_file(COUNCILS / "cheltenham_land_and_assets_2023.csv")

    assert report.total == len(records) == 197  # the two trailing empty rows are not records
    assert report.rejected == [] and report.accepted == 197
    parsed = imports.reading.read(COUNCILS / "cheltenham_land_and_assets_2023.csv", "auto", None, None)
    good, _ = imports.check_rows(parsed, None, None)
    by_ref = {record.reference: record for _, record in good}
    labels = {r["AssetCode"]: r["Holding Type"] for r in records}
    # Worked out by hand from the council's own "Holding Type" words.
    by_hand = {"Car Parks": "car_park", "Public Conveinences": "public_toilet",
               "Parks, Gardens and open space": "land", "Open Space Land and Allottments": "land"}
    for reference, label in labels.items():
        if label in by_hand:
            assert by_ref[reference].asset_type == by_hand[label], (reference, label)
            assert by_ref[reference].asset_type_label == label
    commercial = [ref for ref, label in labels.items() if label == "Commercial"]
    assert commercial and all(by_ref[ref].asset_type in ("other", "office", "depot", "public_house",
                                                          "car_park") for ref in commercial)
    first = by_ref["10/00022/LAND"]
    assert first.name == "Street Record Pittville Crescent Cheltenham Gloucestershire"  # from Site Address
    assert first.tenure_detail == "Occupied by local authority" and first.holding_type is None
    rows = stored(CHELTENHAM)
    for r in records:
        lon, lat = HELMERT.transform(float(r["GeoX"]), float(r["GeoY"]))
        assert distance_m(lon, lat, rows[r["AssetCode"]]["lon"], rows[r["AssetCode"]]["lat"]) < 5


# ---------------------------------------------------------------- every reader, one real extract


EXTRACT = [r for r in csv.DictReader((FORMATS / "trafford_2023_extract.csv").open(newline="", encoding="utf-8"))]


@pytest.mark.parametrize(("name", "options", "fmt"), [
    ("trafford_2023_extract.csv", {}, "csv"),
    ("trafford_2023_extract.xlsx", {}, "xlsx"),
    ("trafford_2023_extract.ods", {}, "ods"),
    ("trafford_2023_extract_bng.geojson", {}, "geojson"),
    ("trafford_2023_extract.gpkg", {}, "geopackage"),
    ("trafford_2023_extract_shp.zip", {"mapping": FORMATS / "shapefile_mapping.yaml"}, "shapefile"),
    ("trafford_2023_extract.kml", {}, "kml"),
], ids=["csv", "xlsx", "ods", "geojson-legacy-crs", "geopackage", "zipped-shapefile", "kml"])
def test_each_reader_reads_the_same_real_extract(council_world, name, options, fmt):
    report = imports.import_file(FORMATS / name, **options)

    assert report.format == fmt
    assert report.rejected == [], [r.text for r in report.rejected]
    assert report.total == report.accepted == len(EXTRACT) == 25
    assert report.authorities == {TRAFFORD: 25} and report.locations == {"surveyed": 25}
    rows = stored(TRAFFORD)
    for r in EXTRACT:
        got = rows[r["AssetCode"]]
        assert got["name"] == r["PropertyName"]
        assert distance_m(float(r["GeoX"]), float(r["GeoY"]), got["lon"], got["lat"]) < 5, (name, r["AssetCode"])
        assert got["uprn"] == (int(r["UPRN"]) if r["UPRN"] else None)


# ---------------------------------------------------------------- the authority from the file


@pytest.mark.parametrize("organisation", [
    "E08000035", "Leeds City Council", "Leeds Council", "http://opendatacommunities.org/id/metropolitan-district-council/leeds",
    "https://opendatacommunities.org/id/metropolitan-district-council/leeds", "local-authority:LDS",
    "statistical-geography:E08000035", "00DA",
])
def test_the_authority_is_found_from_each_form_councils_use(db_session, tmp_path, organisation):
    path = tmp_path / "org.csv"
    path.write_text(f"Organisation,AssetCode,PropertyName,GeoX,GeoY\n\"{organisation}\",ORG-1,Civic Hall,429900,434300\n")

    report = imports.import_file(path)

    assert report.rejected == [] and report.authorities == {LEEDS: 1}


@pytest.mark.parametrize(("organisation", "code"), [
    ("Cheltenham Borough Council", CHELTENHAM), ("23UB", CHELTENHAM), ("Trafford Council", TRAFFORD),
    ("local-authority:TRF", TRAFFORD), ("City of Edinburgh Council", "S12000036"),
])
def test_council_names_and_codes_resolve(organisation, code):
    assert imports.authority_names.resolve(organisation) == code


def test_an_unknown_organisation_is_named_and_authority_option_covers_it(db_session, tmp_path):
    path = tmp_path / "org.csv"
    path.write_text("Organisation,AssetCode,PropertyName,GeoX,GeoY\nNowhere Parish Council,ORG-2,Hut,429900,434300\n")

    refused = imports.import_file(path)
    covered = imports.import_file(path, default_authority="Leeds City Council")

    assert [r.text for r in refused.rejected] == [
        ("Record 1 (spreadsheet row 2, AssetCode ORG-2): Organisation 'Nowhere Parish Council' is not an authority "
        "we know: give a GSS code like E08000035, or pass --authority.")]
    assert covered.rejected == [] and covered.authorities == {LEEDS: 1}
    assert "--authority E08000035 is used" in covered.warnings[0].message


def test_an_asset_outside_its_authority_is_accepted_and_flagged(db_session, tmp_path):
    path = tmp_path / "away.csv"
    # Leeds owns a depot in central Manchester (53.4808, -2.2426).
    path.write_text("authority,reference,name,type,lon,lat\nE08000035,AWAY-1,Depot in Manchester,depot,-2.2426,53.4808\n")

    report = imports.import_file(path)

    assert report.rejected == [] and report.accepted == 1
    assert [w.text for w in report.warnings] == [
        ("Record 1 (spreadsheet row 2, reference AWAY-1): The asset lies outside the area of E08000035, its "
        "authority: accepted (councils own land elsewhere) and flagged.")]


def test_coordinate_system_column_and_irish_grid(db_session, tmp_path):
    # Belfast City Hall: Irish Grid 333950, 374050 (EPSG:29903); an independent PROJ conversion is the reference.
    lon, lat = Transformer.from_crs("EPSG:29903", "EPSG:4326", always_xy=True).transform(333950, 374050)
    path = tmp_path / "ni.csv"
    path.write_text("Organisation,AssetCode,PropertyName,CoordinateReferenceSystem,GeoX,GeoY\n"
                    "Belfast City Council,NI-1,City Hall,Irish Grid,333950,374050\n"
                    "Belfast City Council,NI-2,City Hall again,,333950,374050\n")
    belfast = "N09000003"
    db.session.execute(text("INSERT INTO authority (code, name, kind, nation) VALUES (:c, 'Belfast', 'district', "
                            "'northern_ireland') ON CONFLICT DO NOTHING"), {"c": belfast})
    parsed = imports.reading.read(path, "auto", None, None)
    good, rejected = imports.check_rows(parsed, None, None)
    assert rejected == []
    for _, record in good:  # by the column, then by the authority's nation
        assert distance_m(lon, lat, record.point.x, record.point.y) < 1


def test_a_mapping_file_overrides_the_standard_names(db_session, tmp_path):
    path = tmp_path / "own.csv"
    path.write_text("Ref No,Known As,Kind,Eastings,Northings,Hectares\nOWN-1,Potternewton Park,Parks,430000,437000,1.5\n")
    mapping = tmp_path / "map.json"
    mapping.write_text('{"Ref No": "reference", "Known As": "name", "Kind": "asset_type"}')

    without = imports.import_file(path, default_authority=LEEDS)
    report = imports.import_file(path, default_authority=LEEDS, mapping=mapping)

    assert [r.field for r in without.rejected] == ["reference"]
    assert report.rejected == [] and report.ignored_columns == []
    parsed = imports.reading.read(path, "auto", imports.load_mapping(mapping), LEEDS)
    (_, record), = imports.check_rows(parsed, LEEDS, None)[0]
    assert (record.reference, record.name, record.asset_type, record.asset_type_label) == (
        "OWN-1", "Potternewton Park", "land", "Parks")
    assert str(record.site_area_m2) == "15000"  # 1.5 hectares
