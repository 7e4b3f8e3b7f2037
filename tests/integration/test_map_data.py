"""The map's data endpoint: exact cluster counts, footprints at high zoom, validators."""

import pytest
from sqlalchemy import text

from registry import search


def count_items(client, bbox, extra=""):
    url = "/api/collections/assets/items?limit=1&bbox=" + ",".join(repr(v) for v in bbox) + extra
    return client.get(url).get_json()["numberMatched"]


@pytest.mark.parametrize("zoom", [4, 6, 8, 10, 11, 12, 13, 14])
@pytest.mark.parametrize("view", [(-2.2, 53.4, -1.2, 54.0), (-3.4, 55.85, -3.0, 56.0), (-6.0, 50.0, 2.0, 59.0)])
def test_cluster_counts_add_up_to_the_assets_in_view(client, zoom, view):
    document = client.get(f"/api/map/clusters?bbox={','.join(map(str, view))}&zoom={zoom}").get_json()
    assert all(f["properties"].get("cluster") for f in document["features"])
    total = sum(f["properties"]["count"] for f in document["features"])
    assert total == count_items(client, document["bbox"])
    for feature in document["features"]:
        # Each asset once in the total and once per status: every asset has a surplus status.
        assert sum(feature["properties"]["statuses"].values()) >= feature["properties"]["count"]
        assert max(feature["properties"]["statuses"].values()) <= feature["properties"]["count"]


def test_cluster_counts_with_filters_match_filtered_items(client, db_session):
    view = "-2.0,53.5,-1.0,54.0"
    # Some surplus libraries in view also run a process (a live status), and some others only run one:
    # both status rules (the clusters' and the items') must see an asset through any of its statuses.
    ids = db_session.execute(text(
        "SELECT id FROM asset WHERE NOT withheld AND asset_type = 'library' AND surplus_status = 'surplus' "
        "AND ST_Intersects(point, ST_MakeEnvelope(-2.0, 53.5, -1.0, 54.0, 4326)) ORDER BY id LIMIT 2"
    )).scalars().all()
    others = db_session.execute(text(
        "SELECT id FROM asset WHERE NOT withheld AND asset_type = 'library' AND surplus_status <> 'surplus' "
        "AND ST_Intersects(point, ST_MakeEnvelope(-2.0, 53.5, -1.0, 54.0, 4326)) ORDER BY id LIMIT 2"
    )).scalars().all()
    assert len(ids) == 2 and len(others) == 2
    db_session.execute(text("UPDATE asset SET live_statuses = '{listed}', live_status = 'listed' "
                            "WHERE id = ANY(:ids)"), {"ids": ids[:1] + others})
    db_session.commit()
    for status, at_least in (("surplus", 2), ("listed", 3)):
        document = client.get(f"/api/map/clusters?bbox={view}&zoom=9&type=library&status={status}").get_json()
        total = sum(f["properties"]["count"] for f in document["features"])
        assert total == count_items(client, document["bbox"], f"&type=library&status={status}") >= at_least
    surplus_only = client.get(f"/api/map/clusters?bbox={view}&zoom=9&status=surplus").get_json()
    assert all(set(f["properties"]["statuses"]) == {"surplus"} for f in surplus_only["features"])


def test_high_zoom_shows_each_asset_with_its_footprint(client, db_session):
    lon, lat = db_session.execute(text(
        "SELECT ST_X(point), ST_Y(point) FROM asset WHERE footprint IS NOT NULL AND NOT withheld "
        "ORDER BY id LIMIT 1")).one()
    bbox = f"{lon - 0.005},{lat - 0.003},{lon + 0.005},{lat + 0.003}"
    document = client.get(f"/api/map/clusters?bbox={bbox}&zoom=17").get_json()
    assets = [f for f in document["features"] if not f["properties"].get("cluster")]
    assert assets and len(assets) == document["total"]
    with_footprint = [f for f in assets if "footprint" in f["properties"]]
    assert with_footprint and with_footprint[0]["properties"]["footprint"]["type"] == "MultiPolygon"
    for feature in assets:
        assert feature["properties"]["url"] == f"/assets/{feature['id']}"
    zoom15 = client.get(f"/api/map/clusters?bbox={bbox}&zoom=15").get_json()
    assert all("footprint" not in f["properties"] for f in zoom15["features"])


def test_etag_revalidates_and_changes_when_an_asset_changes(client, db_session):
    url = "/api/map/clusters?bbox=-1.6,53.78,-1.5,53.83&zoom=12"
    first = client.get(url)
    etag = first.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    db_session.execute(text("UPDATE asset SET surplus_status = 'surplus' WHERE id = "
                            "(SELECT id FROM asset WHERE surplus_status <> 'surplus' ORDER BY id LIMIT 1)"))
    db_session.commit()
    again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 200 and again.headers["ETag"] != etag


def test_grid_stays_exact_through_inserts_updates_and_deletes(db_session):
    def grid_total():
        return db_session.execute(text("SELECT coalesce(sum(asset_count), 0) FROM asset_grid_cell")).scalar_one()

    def public_total():
        return db_session.execute(text("SELECT count(*) FROM asset WHERE NOT withheld")).scalar_one()

    assert grid_total() == public_total()
    db_session.execute(text("UPDATE asset SET withheld = true WHERE id IN (SELECT id FROM asset ORDER BY id LIMIT 3)"))
    db_session.execute(text("UPDATE asset SET point = ST_Translate(point, 0.5, 0.1) WHERE id IN "
                            "(SELECT id FROM asset ORDER BY id DESC LIMIT 5)"))
    db_session.execute(text("UPDATE asset SET live_statuses = '{under_consideration,listed}', live_status = 'listed' "
                            "WHERE id IN (SELECT id FROM asset WHERE NOT withheld ORDER BY id LIMIT 4 OFFSET 10)"))
    db_session.execute(text("DELETE FROM asset WHERE id = (SELECT max(id) FROM asset)"))
    assert grid_total() == public_total()
    # The fine grid is the z16 Web Mercator tile grid (slippy-map formula, worked here in SQL).
    tile_x = "floor((ST_X(point) + 180) / 360 * 65536)::int"
    tile_y = "floor((1 - ln(tan(radians(ST_Y(point))) + 1 / cos(radians(ST_Y(point)))) / pi()) / 2 * 65536)::int"
    totals_differ = db_session.execute(text(
        f"SELECT count(*) FROM (SELECT cx, cy, asset_count FROM asset_grid_cell EXCEPT ALL "
        f"SELECT {tile_x}, {tile_y}, count(*)::int FROM asset WHERE NOT withheld GROUP BY 1, 2) d")).scalar_one()
    assert totals_differ == 0
    # Once in each of its statuses: the surplus status and every live status.
    statuses_differ = db_session.execute(text(
        f"SELECT count(*) FROM (SELECT cx, cy, status, asset_count FROM asset_grid_status_cell EXCEPT ALL "
        f"SELECT x, y, status, count(*)::int FROM (SELECT {tile_x} AS x, {tile_y} AS y, surplus_status AS status "
        f"FROM asset WHERE NOT withheld UNION ALL SELECT {tile_x}, {tile_y}, unnest(live_statuses) FROM asset "
        f"WHERE NOT withheld) s GROUP BY 1, 2, 3) d")).scalar_one()
    assert statuses_differ == 0
    assert db_session.execute(text(
        "SELECT sum(asset_count) FROM asset_grid_status_cell WHERE status = 'under_consideration'")).scalar_one() >= 4
    # The middle (z13, 8 × 8 fine cells) and coarse (z11, 32 × 32) levels are the fine level summed.
    for fine, coarse, factor in (("asset_grid_cell", "asset_grid_coarse_cell", 32),
                                 ("asset_grid_status_cell", "asset_grid_coarse_status_cell", 32),
                                 ("asset_grid_cell", "asset_grid_mid_cell", 8),
                                 ("asset_grid_status_cell", "asset_grid_mid_status_cell", 8)):
        coarse_differs = db_session.execute(text(
            f"SELECT count(*) FROM ((SELECT cx, cy, status, asset_count FROM {coarse} EXCEPT ALL "
            f"SELECT cx / {factor}, cy / {factor}, status, sum(asset_count)::int FROM {fine} GROUP BY 1, 2, 3) "
            f"UNION ALL (SELECT cx / {factor}, cy / {factor}, status, sum(asset_count)::int FROM {fine} "
            f"GROUP BY 1, 2, 3 EXCEPT ALL SELECT cx, cy, status, asset_count FROM {coarse})) d")).scalar_one()
        assert coarse_differs == 0, (coarse, coarse_differs)


def test_an_asset_in_several_processes_counts_once_in_the_total_and_once_per_status(client, db_session):
    ids = db_session.execute(text(
        "SELECT id FROM asset WHERE NOT withheld AND authority_code = 'E08000035' ORDER BY id LIMIT 3")).scalars().all()
    db_session.execute(text("UPDATE asset SET live_statuses = '{in_moratorium,under_consideration,listed}', "
                            "live_status = 'in_moratorium' WHERE id = ANY(:ids)"), {"ids": ids})
    db_session.commit()
    view = "-2.2,53.4,-1.2,54.0"
    for zoom in (6, 9, 10, 11, 12):  # the coarse, middle and fine grid levels
        document = client.get(f"/api/map/clusters?bbox={view}&zoom={zoom}").get_json()
        total = sum(f["properties"]["count"] for f in document["features"])
        assert total == count_items(client, document["bbox"])
        for status in ("listed", "under_consideration", "in_moratorium", "operational"):
            segment = sum(f["properties"]["statuses"].get(status, 0) for f in document["features"])
            assert segment == count_items(client, document["bbox"], f"&status={status}")
        listed = sum(f["properties"]["statuses"].get("listed", 0) for f in document["features"])
        assert listed >= 3


@pytest.mark.parametrize("query, bad", [("zoom=3", "bbox"), ("bbox=1,2,3&zoom=3", "bbox"),
                                        ("bbox=-2,53,-1,54&zoom=99", "zoom"),
                                        ("bbox=-2,53,-1,54&zoom=5&type=castle", "type")])
def test_bad_map_requests_name_the_parameter(client, query, bad):
    response = client.get(f"/api/map/clusters?{query}")
    assert response.status_code == 400 and response.get_json()["invalid_param"] == bad


def test_cluster_cell_size_follows_zoom():
    assert search.cluster_factor(14) == 1
    assert search.cluster_factor(10) == 16
    cells, box = search.snapped_view((-1.6, 53.7, -1.5, 53.8), 10)
    assert box[0] <= -1.6 and box[1] <= 53.7 and box[2] >= -1.5 and box[3] >= 53.8
    assert (cells[2] - cells[0] + 1) % 16 == 0 and (cells[3] - cells[1] + 1) % 16 == 0
    # Cluster cells are z12 tiles at zoom 10: the snapped box starts on a z12 tile edge.
    assert cells[0] % 16 == 0 and cells[1] % 16 == 0
    assert search.grid_index(-1.5491, 53.7997) == (32485, 21104)  # the z16 tile holding Leeds station (OSM wiki formula, by hand)


# The fine grid is the z16 Web Mercator tile grid: the slippy-map formula (OSM wiki), written out here in SQL.
TILE_X = "floor((ST_X(point) + 180) / 360 * 65536)::int"
TILE_Y = "floor((1 - ln(tan(radians(ST_Y(point))) + 1 / cos(radians(ST_Y(point)))) / pi()) / 2 * 65536)::int"
# What the map counts, recounted from `asset` by a plain GROUP BY: each public asset with a point once per
# cell in the totals ('*'), and once per distinct status (its surplus status and its live statuses).
RECOUNT = f"""
    WITH shown AS (SELECT id, point, surplus_status, live_statuses FROM asset
                    WHERE point IS NOT NULL AND NOT withheld AND surplus_status <> 'withdrawn'),
    per_status AS (SELECT id, point, surplus_status AS status FROM shown
                   UNION SELECT id, point, unnest(live_statuses) FROM shown),
    cells AS (SELECT {TILE_X} / :factor AS cx, {TILE_Y} / :factor AS cy, '*'::text AS status,
                     ST_X(point) AS lon, ST_Y(point) AS lat FROM shown),
    status_cells AS (SELECT {TILE_X} / :factor AS cx, {TILE_Y} / :factor AS cy, status::text,
                            ST_X(point) AS lon, ST_Y(point) AS lat FROM per_status)
    SELECT cx, cy, status, count(*)::int AS n, sum(lon) AS sum_lon, sum(lat) AS sum_lat
      FROM (SELECT * FROM cells UNION ALL SELECT * FROM status_cells) c GROUP BY 1, 2, 3
"""
GRID_LEVELS = ((1, ("asset_grid_cell", "asset_grid_status_cell")),
               (8, ("asset_grid_mid_cell", "asset_grid_mid_status_cell")),
               (32, ("asset_grid_coarse_cell", "asset_grid_coarse_status_cell")))


def grid_mismatches(session):
    """Cells where the grid tables and the recount differ: count exactly, coordinate sums to 1e-7 degrees."""
    found = []
    for factor, (totals, statuses) in GRID_LEVELS:
        rows = session.execute(text(f"""
            WITH expect AS ({RECOUNT}),
            grid AS (SELECT cx, cy, status::text, asset_count, sum_lon, sum_lat FROM {totals}
                     UNION ALL SELECT cx, cy, status::text, asset_count, sum_lon, sum_lat FROM {statuses})
            SELECT '{totals}', cx, cy, status, e.n, g.asset_count
              FROM expect e FULL JOIN grid g USING (cx, cy, status)
             WHERE e.n IS DISTINCT FROM g.asset_count
                OR abs(e.sum_lon - g.sum_lon) > 1e-7 OR abs(e.sum_lat - g.sum_lat) > 1e-7"""),
            {"factor": factor}).all()
        found.extend(rows)
    return found


def test_grid_equals_a_recount_after_a_mixed_sequence_of_big_and_small_writes(db_session):
    def ids(where, limit, offset=0):
        return db_session.execute(text(f"SELECT id FROM asset WHERE {where} ORDER BY id LIMIT :n OFFSET :o"),
                                  {"n": limit, "o": offset}).scalars().all()

    def run(sql, **params):
        return db_session.execute(text(sql), params).rowcount

    assert grid_mismatches(db_session) == []
    # A one-row move first: plpgsql keeps the plans it made for these one-row transition tables (0032).
    assert run("UPDATE asset SET point = ST_Translate(point, 0.01, 0.01) WHERE id = :id",
               id=ids("point IS NOT NULL", 1)[0]) == 1
    # Enough assets for a 2,000-row move: copies of the fixture's, 300 m east.
    added = run("INSERT INTO asset (authority_code, reference, name, asset_type, surplus_status, live_statuses, "
                "live_status, withheld, point, location_source) "
                "SELECT authority_code, reference || '-grid', name, asset_type, surplus_status, live_statuses, "
                "live_status, withheld, ST_Translate(point, 0.0045, 0), location_source FROM asset ORDER BY id")
    assert added >= 1500
    assert run("UPDATE asset SET point = ST_Translate(point, 0.03, -0.02) WHERE id = ANY(:ids)",
               ids=ids("point IS NOT NULL", 2000)) == 2000
    # A move inside one z16 cell (about 1 m): the count stays, the coordinate sums move.
    run("UPDATE asset SET point = ST_Translate(point, 0.00001, 0) WHERE id = ANY(:ids)",
        ids=ids("point IS NOT NULL", 200, 2000))
    # A big write that changes nothing the grid counts: every row's two sides cancel.
    run("UPDATE asset SET name = name || ' (renamed)' WHERE id = ANY(:ids)", ids=ids("true", 1000))
    # Visibility and status: withheld on and off, withdrawn and back, live statuses gained and lost.
    run("UPDATE asset SET withheld = true WHERE id = ANY(:ids)", ids=ids("NOT withheld", 120, 30))
    run("UPDATE asset SET withheld = false WHERE id = ANY(:ids)", ids=ids("withheld", 40))
    run("UPDATE asset SET surplus_status = 'withdrawn' WHERE id = ANY(:ids)",
        ids=ids("surplus_status <> 'withdrawn'", 90, 400))
    run("UPDATE asset SET surplus_status = 'surplus' WHERE id = ANY(:ids)",
        ids=ids("surplus_status = 'withdrawn'", 25))
    run("UPDATE asset SET live_statuses = '{listed,in_moratorium}', live_status = 'listed' WHERE id = ANY(:ids)",
        ids=ids("point IS NOT NULL", 150, 700))
    run("UPDATE asset SET live_statuses = '{}', live_status = NULL WHERE id = ANY(:ids)",
        ids=ids("live_statuses <> '{}'", 20))
    # Status and point together on the same rows, then deletes of some of the copies.
    run("UPDATE asset SET surplus_status = 'available_for_transfer', point = ST_Translate(point, -0.05, 0.04) "
        "WHERE id = ANY(:ids)", ids=ids("point IS NOT NULL", 300, 1000))
    assert run("DELETE FROM asset WHERE id = ANY(:ids)", ids=ids("reference LIKE '%-grid'", 700, 100)) == 700
    assert run("DELETE FROM asset WHERE id = ANY(:ids)", ids=ids("reference LIKE '%-grid'", 1)) == 1
    assert grid_mismatches(db_session) == []
    # Not vacuous: the grid holds every counted asset, and the statuses set above are in it.
    shown = db_session.execute(text("SELECT count(*) FROM asset WHERE point IS NOT NULL AND NOT withheld "
                                    "AND surplus_status <> 'withdrawn'")).scalar_one()
    assert shown > 2000
    assert db_session.execute(text("SELECT sum(asset_count) FROM asset_grid_cell")).scalar_one() == shown
    assert db_session.execute(text("SELECT sum(asset_count) FROM asset_grid_coarse_status_cell "
                                   "WHERE status = 'in_moratorium'")).scalar_one() >= 100
