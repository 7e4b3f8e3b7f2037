"""Vector tiles of the register and of the base map, decoded with mapbox-vector-tile.

Expected numbers come from the OGC items endpoint (numberMatched over the tile's
lon/lat box, worked out here from the tile formula) or from plain SQL, never from
the tile code.
"""

import math

import mapbox_vector_tile
import pytest
from sqlalchemy import text

LEEDS = (-1.5491, 53.7997)
EDINBURGH = (-3.1883, 55.9533)


def tile_of(lon, lat, z):
    """The slippy-map tile holding a point (OpenStreetMap wiki formula)."""
    n = 2**z
    x = int((lon + 180.0) / 360.0 * n)
    y = int((1.0 - math.log(math.tan(math.radians(lat)) + 1 / math.cos(math.radians(lat))) / math.pi) / 2.0 * n)
    return x, y


def tile_bbox(z, x, y):
    n = 2**z

    def lat(yy):
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * yy / n))))

    return (x / n * 360.0 - 180.0, lat(y + 1), (x + 1) / n * 360.0 - 180.0, lat(y))


def items_matched(client, bbox, extra=""):
    url = "/api/collections/assets/items?limit=1&bbox=" + ",".join(repr(v) for v in bbox) + extra
    return client.get(url).get_json()["numberMatched"]


def decode(response):
    assert response.status_code == 200 and response.mimetype == "application/vnd.mapbox-vector-tile"
    return mapbox_vector_tile.decode(response.data)


STATUS_KEYS = {"operational", "under_review", "surplus", "available_for_transfer", "transferred", "disposed",
               "nominated", "listed", "in_moratorium", "under_consideration"}


@pytest.mark.parametrize("z", [5, 7, 9, 10, 12, 14])
@pytest.mark.parametrize("place", [LEEDS, EDINBURGH])
def test_cluster_counts_in_a_tile_add_up_to_the_assets_in_it(client, z, place):
    x, y = tile_of(*place, z)
    layers = decode(client.get(f"/tiles/assets/{z}/{x}/{y}.mvt"))
    clusters = layers["clusters"]["features"]
    total = sum(f["properties"]["count"] for f in clusters)
    expected = items_matched(client, tile_bbox(z, x, y))
    assert expected > 0 and total == expected
    # Every status segment adds up to the assets with that status in the tile (the one status rule).
    for status in ("operational", "surplus", "available_for_transfer"):
        segment = sum(f["properties"].get(status, 0) for f in clusters)
        assert segment == items_matched(client, tile_bbox(z, x, y), f"&status={status}")
    for feature in clusters:
        props = feature["properties"]
        assert props["cluster"] is True and props["count"] > 0
        assert set(props) - {"count", "cluster"} <= STATUS_KEYS
        # Points are inside the tile (extent 4096): a cluster's centre lies within its cells.
        px, py = feature["geometry"]["coordinates"]
        assert 0 <= px <= 4096 and 0 <= py <= 4096


def test_filtered_cluster_tiles_match_filtered_items(client):
    z, (x, y) = 9, tile_of(*LEEDS, 9)
    bbox = tile_bbox(z, x, y)
    for extra in ("&type=library", "&status=surplus", "&status=surplus,operational", "&authority=E08000035"):
        layers = decode(client.get(f"/tiles/assets/{z}/{x}/{y}.mvt?{extra[1:]}"))
        total = sum(f["properties"]["count"] for f in layers.get("clusters", {"features": []})["features"])
        assert total == items_matched(client, bbox, extra), extra


def test_high_zoom_tiles_carry_each_asset_and_footprints(client, db_session):
    asset_id, lon, lat = db_session.execute(text(
        "SELECT id, ST_X(point), ST_Y(point) FROM asset WHERE footprint IS NOT NULL AND NOT withheld "
        "ORDER BY id LIMIT 1")).one()
    x, y = tile_of(lon, lat, 16)
    layers = decode(client.get(f"/tiles/assets/16/{x}/{y}.mvt"))
    assert "clusters" not in layers
    assets = layers["assets"]["features"]
    assert len(assets) == items_matched(client, tile_bbox(16, x, y))
    mine = [f for f in assets if f["properties"]["id"] == asset_id]
    assert mine and mine[0]["properties"]["url"] == f"/assets/{asset_id}"
    assert mine[0]["geometry"]["type"] == "Point"
    footprints = [f for f in layers["footprints"]["features"] if f["properties"]["id"] == asset_id]
    assert footprints and footprints[0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    x15, y15 = tile_of(lon, lat, 15)
    assert "footprints" not in decode(client.get(f"/tiles/assets/15/{x15}/{y15}.mvt"))


def test_withheld_assets_never_reach_a_tile(client, db_session):
    asset_id, lon, lat = db_session.execute(text(
        "SELECT id, ST_X(point), ST_Y(point) FROM asset WHERE NOT withheld ORDER BY id LIMIT 1")).one()
    db_session.execute(text("UPDATE asset SET withheld = true WHERE id = :id"), {"id": asset_id})
    db_session.commit()
    x, y = tile_of(lon, lat, 17)
    layers = decode(client.get(f"/tiles/assets/17/{x}/{y}.mvt"))
    ids = [f["properties"]["id"] for f in layers.get("assets", {"features": []})["features"]]
    assert asset_id not in ids
    for feature in layers.get("assets", {"features": []})["features"]:
        assert set(feature["properties"]) == {"id", "name", "status", "statuses", "asset_type", "url"}


def test_a_listing_changes_the_next_etag_and_the_status_mix(client, db_session):
    asset_id, lon, lat = db_session.execute(text(
        "SELECT id, ST_X(point), ST_Y(point) FROM asset WHERE NOT withheld AND authority_code = 'E08000035' "
        "AND live_statuses = '{}' ORDER BY id LIMIT 1")).one()
    x, y = tile_of(lon, lat, 10)
    url = f"/tiles/assets/10/{x}/{y}.mvt"
    first = client.get(url)
    etag = first.headers["ETag"]
    # Anonymous: a shared cache may keep it, but must ask again each time (registry/web/caching.py).
    assert first.headers["Cache-Control"] == "public, max-age=0, must-revalidate"
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    before = decode(first)["clusters"]["features"]
    db_session.execute(text("UPDATE asset SET live_statuses = '{listed}', live_status = 'listed' WHERE id = :id"),
                       {"id": asset_id})
    db_session.commit()
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag
    after = decode(again)["clusters"]["features"]
    # Counted once more in "listed", and still once in the total.
    assert sum(f["properties"].get("listed", 0) for f in after) == \
        sum(f["properties"].get("listed", 0) for f in before) + 1
    assert sum(f["properties"]["count"] for f in after) == sum(f["properties"]["count"] for f in before)


@pytest.mark.parametrize("path, field", [("/tiles/assets/23/0/0.mvt", "z"), ("/tiles/assets/3/8/0.mvt", "x"),
                                         ("/tiles/assets/3/0/9.mvt", "y"), ("/tiles/base/17/0/0.mvt", "z")])
def test_bad_tile_addresses_name_the_parameter(client, path, field):
    response = client.get(path)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    assert response.get_json()["invalid_param"] == field


def test_bad_tile_filter_names_the_parameter(client):
    response = client.get("/tiles/assets/5/15/10.mvt?status=castle")
    assert response.status_code == 400 and response.get_json()["invalid_param"] == "status"


def test_base_tiles_draw_land_boundaries_and_place_labels(client, db_session):
    z = 10
    x, y = tile_of(*LEEDS, z)
    response = client.get(f"/tiles/base/{z}/{x}/{y}.mvt")
    layers = decode(response)
    assert "max-age" in response.headers["Cache-Control"]
    assert layers["land"]["features"] and layers["land"]["features"][0]["geometry"]["type"] in (
        "Polygon", "MultiPolygon")
    # Approximate boundaries are drawn where two councils meet, named by both ("Bradford / Leeds").
    councils = {name for f in layers["boundaries"]["features"] for name in f["properties"]["name"].split(" / ")}
    assert "Leeds" in councils
    labels = {f["properties"]["name"] for f in layers["places"]["features"]}
    assert "LS1" in labels
    # The North Sea east of Flamborough Head: no land there.
    sea_x, sea_y = tile_of(1.2, 54.3, 10)
    assert "land" not in decode(client.get(f"/tiles/base/10/{sea_x}/{sea_y}.mvt"))
    etag = response.headers["ETag"]
    assert client.get(f"/tiles/base/{z}/{x}/{y}.mvt", headers={"If-None-Match": etag}).status_code == 304


def test_approximate_council_edges_follow_where_two_councils_boundaries_meet(db_session):
    # Checked against PostGIS's own intersection of the two councils' approximate boundaries (the
    # union of grid cells), not the cell-side construction of migration 0029: every edge lies within
    # one cell (0.02 degrees) of the line where the pair's boundaries meet, and only pairs that touch
    # have edges. Leeds (E08000035) meets Bradford (E08000032) in the test's postcode areas.
    rows = db_session.execute(text(
        """
        SELECT e.left_code, e.right_code, ST_Intersects(l.boundary, r.boundary) AS touch,
               ST_Covers(ST_Buffer(ST_Intersection(l.boundary, r.boundary), 0.02), e.geom) AS along
        FROM authority_edge e JOIN authority l ON l.code = e.left_code JOIN authority r ON r.code = e.right_code
        """)).all()
    assert {("E08000032", "E08000035")} <= {(row.left_code, row.right_code) for row in rows}
    assert [row for row in rows if not (row.touch and row.along)] == []
    # An edge never faces the sea or an empty cell: Leeds's edges are shorter than its ring.
    ring, edges = db_session.execute(text(
        "SELECT ST_Length(ST_Boundary(boundary)), (SELECT sum(ST_Length(geom)) FROM authority_edge "
        "WHERE 'E08000035' IN (left_code, right_code)) FROM authority WHERE code = 'E08000035'")).one()
    assert 0 < edges < ring


def test_an_official_boundary_is_drawn_whole_and_its_approximate_edges_are_not(client, db_session):
    db_session.execute(text("UPDATE authority SET boundary_source = 'ons', updated_at = now() WHERE code = 'E08000035'"))
    db_session.flush()
    z = 10
    x, y = tile_of(*LEEDS, z)
    features = decode(client.get(f"/tiles/base/{z}/{x}/{y}.mvt"))["boundaries"]["features"]
    leeds = [f for f in features if f["properties"]["code"] == "E08000035"]
    assert len(leeds) == 1 and leeds[0]["properties"]["source"] == "ons"
    assert [f for f in features if "E08000035|" in f["properties"]["code"] or
            "|E08000035" in f["properties"]["code"]] == []


def test_base_tiles_carry_the_gazetteers_towns_by_zoom_each_in_one_tile_only(client, db_session):
    # Horsforth: a GeoNames town (population 19,350) at -1.63754, 53.8426.
    horsforth = (-1.63754, 53.8426)
    x, y = tile_of(*horsforth, 12)
    towns = {f["properties"]["name"]: f["properties"] for f in decode(client.get(f"/tiles/base/12/{x}/{y}.mvt"))
             ["places"]["features"]}
    assert towns["Horsforth"]["kind"] == "town" and towns["Horsforth"]["rank"] == 2
    # Not in the neighbour's tile (buffer 0: the browser draws each name once) nor at zoom 9 (towns from 10).
    neighbour = decode(client.get(f"/tiles/base/12/{x + 1}/{y}.mvt")).get("places", {"features": []})
    assert "Horsforth" not in {f["properties"]["name"] for f in neighbour["features"]}
    x9, y9 = tile_of(*horsforth, 9)
    at_9 = decode(client.get(f"/tiles/base/9/{x9}/{y9}.mvt")).get("places", {"features": []})
    assert "Horsforth" not in {f["properties"]["name"] for f in at_9["features"]}
    assert "Leeds" in {f["properties"]["name"] for f in at_9["features"]}


def test_a_configured_pmtiles_archive_replaces_the_built_in_base_map(app, client, tmp_path):
    import gzip

    from pmtiles.tile import Compression, TileType, zxy_to_tileid
    from pmtiles.writer import Writer

    tile = mapbox_vector_tile.encode([{"name": "water", "features": [
        {"geometry": "POLYGON ((0 0, 4096 0, 4096 4096, 0 4096, 0 0))", "properties": {"kind": "sea"}}]}])
    path = tmp_path / "uk.pmtiles"
    with path.open("wb") as handle:
        writer = Writer(handle)
        writer.write_tile(zxy_to_tileid(5, 15, 10), gzip.compress(tile))
        writer.finalize({"tile_type": TileType.MVT, "tile_compression": Compression.GZIP, "min_zoom": 5,
                         "max_zoom": 5, "min_lon_e7": -100000000, "min_lat_e7": 500000000,
                         "max_lon_e7": 20000000, "max_lat_e7": 600000000, "center_zoom": 5,
                         "center_lon_e7": -20000000, "center_lat_e7": 540000000}, {"name": "test"})
    settings = app.config["SETTINGS"]
    settings.basemap_pmtiles = str(path)
    try:
        response = client.get("/tiles/base/5/15/10.mvt")
        assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
        layers = mapbox_vector_tile.decode(gzip.decompress(response.data))
        assert list(layers) == ["water"] and layers["water"]["features"][0]["properties"] == {"kind": "sea"}
        assert client.get("/tiles/base/5/16/10.mvt").status_code == 204  # not in the archive
    finally:
        settings.basemap_pmtiles = ""


def test_an_asset_tile_reads_the_change_counter_once(client):
    # The caching hook reads the counter for the validator; the tile's own ETag reuses it.
    from registry import db

    statements = []

    def listener(sql, params):
        statements.append(sql)

    db.on_read(listener)
    try:
        response = client.get("/tiles/assets/14/8100/5400.mvt")
    finally:
        db.off_read(listener)
    assert response.status_code == 200
    assert response.headers["ETag"]
    assert sum("map_version" in sql for sql in statements) == 1
