"""Wards and parishes: official boundary files in, `area=` and council pages counting by them.

Expected counts come from shapely on the same file and the assets' points read
back from the database: never from the code under test.
"""

import json
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from convertbng.cutil import convert_bng
from shapely.geometry import shape
from sqlalchemy import text

from registry import places

ROOT = Path(__file__).resolve().parents[2]
WARDS = ROOT / "fixtures" / "samples" / "boundaries" / "leeds_wards_wd19.geojson"
LEEDS = "E08000035"


def ward_shapes() -> dict[str, object]:
    collection = json.loads(WARDS.read_text())
    return {f["properties"]["wd19cd"]: shape(f["geometry"]) for f in collection["features"]}


def public_points(db_session) -> list[tuple[int, float, float]]:
    return db_session.execute(text("SELECT id, ST_X(point), ST_Y(point) FROM asset WHERE NOT withheld")).all()


def expected_ids_in(geometry, points) -> set[int]:
    return {asset_id for asset_id, lon, lat in points if geometry.intersects(shapely.Point(lon, lat))}


def import_file(app, path, *extra):
    return app.test_cli_runner().invoke(args=["places", "import-boundaries", str(path), *extra])


def test_ward_file_loads_and_area_counts_by_ward(app, db_session, client):
    result = import_file(app, WARDS)
    assert result.exit_code == 0, result.output
    assert "5 wards imported from leeds_wards_wd19.geojson" in result.output
    stored = dict(db_session.execute(text("SELECT code, district_code FROM area_boundary WHERE kind = 'ward'")).all())
    assert set(ward_shapes()) <= set(stored)
    assert stored["E05011397"] == LEEDS  # worked out from the boundary: the ward lies in Leeds
    points = public_points(db_session)
    checked = 0
    for code, geometry in ward_shapes().items():
        expected = expected_ids_in(geometry, points)
        response = client.get(f"/api/collections/assets/items?area={code}&limit=1000")
        assert response.status_code == 200, response.get_data(as_text=True)
        got = {f["id"] for f in response.get_json()["features"]}
        assert got == expected, code
        checked += len(expected)
    assert checked > 0  # the demo assets reach into these wards: the test is not comparing empty sets


def test_council_page_counts_assets_by_ward(app, db_session, client):
    assert import_file(app, WARDS).exit_code == 0
    points = db_session.execute(text("SELECT id, ST_X(point), ST_Y(point) FROM asset "
                                     "WHERE NOT withheld AND authority_code = :c"), {"c": LEEDS}).all()
    expected = {code: len(expected_ids_in(g, points)) for code, g in ward_shapes().items()}
    page = client.get(f"/authorities/{LEEDS}").get_data(as_text=True)
    assert "Leeds City Council" in page and 'id="counts-by-wards"' in page
    from registry import authorities

    counted = {row["code"]: row["asset_count"] for row in authorities.counts_by_area(LEEDS, "ward")}
    assert {code: counted[code] for code in expected} == expected
    assert sum(expected.values()) > 0


def test_wards_at_and_has_boundaries(app, db_session):
    assert import_file(app, WARDS).exit_code == 0
    # Headingley Stadium (St Michael's Lane), inside Headingley & Hyde Park on the ONS map.
    assert [w["code"] for w in places.wards_at(-1.5820, 53.8175)] == ["E05011397"]
    assert places.wards_at(-3.19, 55.95) == []  # Edinburgh: no wards imported there
    assert places.has_boundaries("ward", LEEDS)
    assert not places.has_boundaries("ward", "S12000036")
    entry = db_session.execute(text("SELECT action, detail FROM audit_entry WHERE target_type = 'boundary_file' "
                                    "ORDER BY id DESC LIMIT 1")).one()
    assert entry.action == "boundaries.import"
    assert entry.detail["kind"] == "ward" and entry.detail["imported"] == 5
    assert entry.detail["code_property"] == "wd19cd"


def test_parish_file_in_british_national_grid_geopackage(app, db_session, client, tmp_path):
    """A parish layer as GeoPackage in EPSG:27700 with PAR23CD/PAR23NM properties, reprojected on the way in.

    The polygon is made for the test (see fixtures/samples/README.md: no real parish extract for a demo
    council was found); it is a box around real demo assets, so the expected count is not empty.
    """
    centre_lon, centre_lat = db_session.execute(
        text("SELECT ST_X(point), ST_Y(point) FROM asset WHERE authority_code = :c AND NOT withheld "
             "ORDER BY id LIMIT 1"), {"c": LEEDS}).one()
    lonlat_box = shapely.box(centre_lon - 0.03, centre_lat - 0.02, centre_lon + 0.03, centre_lat + 0.02)
    # Densify so the BNG polygon follows the lon/lat box closely, then convert with OSTN15.
    ring = np.asarray(shapely.segmentize(lonlat_box, 0.001).exterior.coords)
    eastings, northings = convert_bng(ring[:, 0], ring[:, 1])
    bng_polygon = shapely.Polygon(np.column_stack([eastings, northings]))
    path = tmp_path / "parishes.gpkg"
    pyogrio.raw.write(str(path), geometry=np.array([shapely.to_wkb(bng_polygon)], dtype=object),
                      field_data=[np.array(["E04000999"]), np.array(["Testshire Parish"])],
                      fields=["PAR23CD", "PAR23NM"], geometry_type="Polygon", crs="EPSG:27700",
                      driver="GPKG")
    result = import_file(app, path)
    assert result.exit_code == 0, result.output
    assert "1 parishes imported" in result.output
    points = public_points(db_session)
    expected = expected_ids_in(shapely.segmentize(lonlat_box, 0.001), points)
    assert expected
    got = {f["id"] for f in client.get("/api/collections/assets/items?area=E04000999&limit=1000")
           .get_json()["features"]}
    # Points within a metre of the edge could fall either side after two OSTN15 conversions; there are none here.
    near_edge = {i for i, lon, lat in points
                 if lonlat_box.exterior.distance(shapely.Point(lon, lat)) < 0.00002}
    assert got - near_edge == expected - near_edge
    parish = places.parish_at(centre_lon, centre_lat)
    assert parish["code"] == "E04000999" and parish["name"] == "Testshire Parish"
    assert parish["district_code"] == LEEDS
    assert places.has_boundaries("parish", LEEDS)


def test_area_code_properties_need_the_kind_or_the_codes(app, db_session, tmp_path):
    collection = json.loads(WARDS.read_text())
    for feature in collection["features"]:
        props = feature["properties"]
        feature["properties"] = {"area_code": props["wd19cd"], "area_name": props["wd19nm"]}
    path = tmp_path / "wards_area_code.geojson"
    path.write_text(json.dumps(collection))
    # E05 codes say "ward" on their own.
    result = import_file(app, path)
    assert result.exit_code == 0, result.output
    assert "5 wards imported" in result.output
    name = db_session.execute(text("SELECT name FROM area_boundary WHERE code = 'E05011402'")).scalar()
    assert name == "Kirkstall"


def test_kind_override(app, db_session, tmp_path):
    collection = json.loads(WARDS.read_text())
    for feature in collection["features"]:
        props = feature["properties"]
        feature["properties"] = {"code": props["wd19cd"], "name": props["wd19nm"]}
    path = tmp_path / "wards_plain.geojson"
    path.write_text(json.dumps(collection))
    result = import_file(app, path, "--kind", "ward")
    assert result.exit_code == 0, result.output
    assert db_session.execute(text("SELECT kind FROM area_boundary WHERE code = 'E05011389'")).scalar() == "ward"


@pytest.mark.parametrize(("content", "message"), [
    (b'{"type": "FeatureCollection", "features": [ {"type": "Feat', "not a boundary file we can read"),
    (json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"colour": "red", "size": 3},
         "geometry": {"type": "Polygon", "coordinates": [[[-1.6, 53.8], [-1.5, 53.8], [-1.5, 53.9],
                                                          [-1.6, 53.8]]]}}]}).encode(),
     "No property holds the areas' GSS codes"),
    (b"name,population\nLeeds,812000\nBradford,546000\n", "This file has no shapes"),
    (b"\x00\x01\x02 not a file format at all \xff\xfe", "not a boundary file we can read"),
], ids=["broken-json", "unknown-properties", "csv-without-shapes", "binary-noise"])
def test_a_file_it_cannot_read_gets_one_clear_line(app, db_session, tmp_path, content, message):
    suffix = ".csv" if content.startswith(b"name,") else ".geojson"
    path = tmp_path / f"bad{suffix}"
    path.write_bytes(content)
    before = db_session.execute(text("SELECT count(*) FROM area_boundary")).scalar()
    result = import_file(app, path)
    assert result.exit_code == 1
    output = result.output.strip()  # stdout and stderr together
    assert message in output
    assert "Traceback" not in output and len(output.splitlines()) == 1
    assert db_session.execute(text("SELECT count(*) FROM area_boundary")).scalar() == before



@pytest.mark.parametrize("driver", ["ESRI Shapefile", "KML", "GPKG"])
def test_any_format_gdal_reads(tmp_path, driver):
    """The same real ward extract as zipped Shapefile, KML and GeoPackage reads back to the same areas."""
    import zipfile

    originals = ward_shapes()
    names = {f["properties"]["wd19cd"]: f["properties"]["wd19nm"]
             for f in json.loads(WARDS.read_text())["features"]}
    codes = sorted(originals)
    suffix = {"ESRI Shapefile": ".shp", "KML": ".kml", "GPKG": ".gpkg"}[driver]
    path = tmp_path / f"wards{suffix}"
    pyogrio.raw.write(str(path), geometry=np.array([shapely.to_wkb(originals[c]) for c in codes], dtype=object),
                      field_data=[np.array(codes), np.array([names[c] for c in codes])], fields=["WD19CD", "WD19NM"],
                      geometry_type="MultiPolygon", crs="EPSG:4326", driver=driver)
    if driver == "ESRI Shapefile":
        zipped = tmp_path / "wards.zip"
        with zipfile.ZipFile(zipped, "w") as archive:
            for part in tmp_path.glob("wards.*"):
                if part != zipped:
                    archive.write(part, part.name)
        path = zipped
    parsed = places.read_boundary_file(path)
    assert parsed["kind"] == "ward"
    read = {code: (name, geometry) for code, name, _d, geometry in parsed["features"]}
    assert sorted(read) == codes
    for code in codes:
        assert read[code][0] == names[code]
        assert read[code][1].symmetric_difference(originals[code]).area < 1e-9
