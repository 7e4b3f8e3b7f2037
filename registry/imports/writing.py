"""Writing checked records in bulk: COPY into a staging table, then one INSERT ... ON CONFLICT.

Flushes, never commits: the command commits once.
"""

from __future__ import annotations

import time

import numpy as np
import psycopg
import shapely
from pyproj import Geod

from .. import assets, db

RAW_COLUMNS = (
    ("row_number", "integer"), ("authority_code", "varchar(9)"), ("reference", "varchar(100)"),
    ("name", "varchar(300)"), ("description", "text"), ("address", "text"), ("postcode", "varchar(8)"),
    ("uprn", "bigint"), ("title_numbers", "varchar(20)[]"), ("asset_type", "varchar(40)"),
    ("current_use", "text"), ("condition", "varchar(20)"), ("occupancy", "varchar(20)"),
    ("occupancy_since", "date"), ("surplus_status", "varchar(40)"), ("floor_area_m2", "numeric(12, 2)"),
    ("site_area_m2", "numeric(14, 2)"), ("market_value_gbp", "numeric(14, 2)"), ("lon", "float8"),
    ("lat", "float8"), ("footprint_wkb", "bytea"),
)
# Columns written from the file; point, footprint and area_code come from the geometry.
DATA_COLUMNS = tuple(name for name, _ in RAW_COLUMNS[1:18])
COMPARED_COLUMNS = tuple(c for c in DATA_COLUMNS if c not in ("authority_code", "reference"))
# Above this many rows to write, the per-row map-grid trigger is switched off for the statement and
# the grid rebuilt in one pass afterwards (migration 0001, asset_grid_rebuild).
BULK_ROWS = 5000
GRID_LOCK_TIMEOUT_MS = 5000  # how long to wait for the table lock before keeping the trigger on
# Above this many new or moved points, their nearest postcodes are found in one pass in Python
# rather than by one index search each (see MERGE_SQL).
NEAREST_IN_ONE_PASS_ROWS = 1000

STAGE_SQL = f"""
CREATE TEMP TABLE asset_import_stage ON COMMIT DROP AS
SELECT r.*, g.pt, g.fp, a.area_code AS existing_area_code,
       coalesce(a.point = g.pt, false) AS same_point,
       a.id IS NOT NULL AND ({", ".join(f"a.{c}" for c in COMPARED_COLUMNS)}, a.point, a.footprint)
           IS NOT DISTINCT FROM ({", ".join(f"r.{c}" for c in COMPARED_COLUMNS)}, g.pt, g.fp) AS unchanged
  FROM asset_import_raw r
 CROSS JOIN LATERAL (SELECT ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326) AS pt,
                            ST_Multi(ST_GeomFromWKB(r.footprint_wkb, 4326)) AS fp) g
  LEFT JOIN asset a ON a.authority_code = r.authority_code AND a.reference = r.reference
"""

# area_code: the district the point lies in (district_code_at, migration 0001), worked out only
# for points that are new or moved: it is the costly part of a write (a nearest-postcode search,
# ~0.3 ms a row here). For big files the nearest-postcode step is done for the whole file at once
# (`nearest_postcode_districts`) and the function's other two steps by DISTRICT_STEPS_SQL.
MERGE_SQL = f"""
WITH written AS (
    INSERT INTO asset AS a ({", ".join(DATA_COLUMNS)}, point, footprint, area_code)
    SELECT {", ".join(DATA_COLUMNS)}, s.pt, s.fp,
           CASE WHEN s.same_point THEN s.existing_area_code
                WHEN n.row_number IS NULL THEN district_code_at(s.pt)
                ELSE n.district_code
           END
      FROM asset_import_stage s LEFT JOIN asset_import_nearest n USING (row_number)
     WHERE NOT s.unchanged ORDER BY s.row_number
    ON CONFLICT (authority_code, reference) DO UPDATE SET
        {", ".join(f"{c} = EXCLUDED.{c}" for c in COMPARED_COLUMNS)},
        point = EXCLUDED.point, footprint = EXCLUDED.footprint, area_code = EXCLUDED.area_code,
        updated_at = now()
    RETURNING (xmax = 0) AS inserted
)
SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM written
"""

# district_code_at's first and last steps, for the rows whose nearest postcode is already known:
# an official (ONS) boundary wins over the nearest postcode; the approximate boundary is the fallback.
DISTRICT_STEPS_SQL = (
    """
    UPDATE asset_import_nearest n SET district_code = coalesce(
        (SELECT authority_code FROM authority_boundary_part
          WHERE source = 'ons' AND ST_Intersects(geom, s.pt) LIMIT 1), n.district_code)
      FROM asset_import_stage s
     WHERE s.row_number = n.row_number
       AND EXISTS (SELECT 1 FROM authority_boundary_part WHERE source = 'ons')
    """,
    """
    UPDATE asset_import_nearest n SET district_code = (
        SELECT authority_code FROM authority_boundary_part WHERE ST_Intersects(geom, s.pt) LIMIT 1)
      FROM asset_import_stage s
     WHERE s.row_number = n.row_number AND n.district_code IS NULL
    """,
)


def write(records: list[tuple[int, assets.AssetRecord]], timings: dict | None = None) -> tuple[int, int, int]:
    """COPY the records into a staging table, then merge the new and changed ones in one statement.

    Returns (inserted, updated, unchanged). Flushes; the caller commits.
    """
    if not records:
        return 0, 0, 0
    db.session.flush()
    timings = timings if timings is not None else {}
    clock = [time.monotonic()]

    def lap(name):
        now = time.monotonic()
        timings[f"write.{name}"] = now - clock[0]
        clock[0] = now
    footprints = np.array([record.footprint for _, record in records] + [None], dtype=object)[:-1]
    wkb = np.full(len(records), None, dtype=object)
    has_footprint = np.array([f is not None for f in footprints], dtype=bool)
    if has_footprint.any():
        wkb[has_footprint] = shapely.to_wkb(footprints[has_footprint])
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS asset_import_raw, asset_import_stage, asset_import_nearest")
        cursor.execute("CREATE TEMP TABLE asset_import_raw ("
                       + ", ".join(f"{name} {kind}" for name, kind in RAW_COLUMNS) + ") ON COMMIT DROP")
        with cursor.copy("COPY asset_import_raw FROM STDIN") as copy:
            for (number, r), footprint_wkb in zip(records, wkb, strict=True):
                copy.write_row((
                    number, r.authority_code, r.reference, r.name, r.description, r.address, r.postcode, r.uprn,
                    list(r.title_numbers), r.asset_type, r.current_use, r.condition, r.occupancy,
                    r.occupancy_since, r.surplus_status, r.floor_area_m2, r.site_area_m2, r.market_value_gbp,
                    r.point.x, r.point.y, footprint_wkb,
                ))
        lap("copy")
        cursor.execute(STAGE_SQL)
        cursor.execute("SELECT count(*) FILTER (WHERE unchanged), count(*) FROM asset_import_stage")
        unchanged, staged = cursor.fetchone()
        cursor.execute("CREATE TEMP TABLE asset_import_nearest (row_number integer PRIMARY KEY, "
                       "district_code varchar(9)) ON COMMIT DROP")
        cursor.execute("SELECT row_number, lon, lat FROM asset_import_stage WHERE NOT unchanged AND NOT same_point")
        moved = cursor.fetchall()
        if len(moved) >= NEAREST_IN_ONE_PASS_ROWS:
            numbers = [row[0] for row in moved]
            codes = nearest_postcode_districts(cursor, np.array([row[1] for row in moved]),
                                               np.array([row[2] for row in moved]))
            with cursor.copy("COPY asset_import_nearest FROM STDIN") as copy:
                for number, code in zip(numbers, codes, strict=True):
                    copy.write_row((number, code))
            for statement in DISTRICT_STEPS_SQL:
                cursor.execute(statement)
        lap("stage_and_districts")
        bulk = staged - unchanged >= BULK_ROWS and _pause_grid_trigger(cursor)
        cursor.execute(MERGE_SQL)
        inserted, updated = cursor.fetchone()
        lap("merge")
        if bulk:
            cursor.execute("ALTER TABLE asset ENABLE TRIGGER asset_grid_maintenance")
            cursor.execute("SELECT asset_grid_rebuild()")
            lap("grid_rebuild")
        cursor.execute("DROP TABLE asset_import_raw, asset_import_stage, asset_import_nearest")
    return inserted, updated, unchanged


def _pause_grid_trigger(cursor) -> bool:
    """Switch the per-row grid trigger off until the end of this import, if the table lock comes quickly.

    DISABLE TRIGGER takes a SHARE ROW EXCLUSIVE lock on asset until the transaction ends: readers go on,
    other writers wait for the command's commit. If other writers hold the table for longer than
    GRID_LOCK_TIMEOUT_MS the import goes on with the trigger instead. (asset_grid_rebuild then holds
    asset_grid_cell exclusively for the moment between the rebuild and the commit.)
    """
    cursor.execute("SAVEPOINT asset_import_lock")
    try:
        cursor.execute(f"SET LOCAL lock_timeout = '{GRID_LOCK_TIMEOUT_MS}ms'")
        cursor.execute("ALTER TABLE asset DISABLE TRIGGER asset_grid_maintenance")
    except (psycopg.errors.LockNotAvailable, psycopg.errors.InsufficientPrivilege):
        cursor.execute("ROLLBACK TO SAVEPOINT asset_import_lock")
        cursor.execute("RELEASE SAVEPOINT asset_import_lock")
        return False
    cursor.execute("RELEASE SAVEPOINT asset_import_lock")
    cursor.execute("SET LOCAL lock_timeout = DEFAULT")  # the grid rebuild may wait for map readers
    return True


NEAREST_POSTCODE_M = 3000  # as district_code_at
BOX_MARGIN_DEG = 0.1  # > 5 km everywhere in the UK: a nearer postcode outside the box is beyond 3 km too
_geod = Geod(ellps="WGS84")


def nearest_postcode_districts(cursor, lons: np.ndarray, lats: np.ndarray) -> list[str | None]:
    """district_code_at's middle step for many points at once: the district of the nearest postcode
    (nearest by `<->`, planar degrees, as the SQL orders it) if it is within 3 km on the spheroid.

    Fetches the postcodes in the points' box plus a margin. A postcode outside the box is more than
    0.1 degrees away, so when the nearest inside is nearer than that it is the nearest of all, and
    when it is not, every candidate is over 5 km away and the answer is None either way.
    """
    # One row, not one per postcode: both aggregates see the rows in the same order.
    cursor.execute(
        "SELECT ST_AsBinary(ST_Collect(point)), string_agg(district_code, ',') FROM postcode "
        "WHERE district_code IS NOT NULL AND point && ST_MakeEnvelope(%s, %s, %s, %s, 4326)",
        (float(lons.min()) - BOX_MARGIN_DEG, float(lats.min()) - BOX_MARGIN_DEG,
         float(lons.max()) + BOX_MARGIN_DEG, float(lats.max()) + BOX_MARGIN_DEG),
    )
    collected, codes = cursor.fetchone()
    if collected is None:
        return [None] * len(lons)
    postcode_xy = shapely.get_coordinates(shapely.from_wkb(bytes(collected)))
    districts = codes.split(",")
    tree = shapely.STRtree(shapely.points(postcode_xy))
    (query_index, tree_index), planar = tree.query_nearest(shapely.points(lons, lats), return_distance=True,
                                                           all_matches=False)
    nearest = np.empty(len(lons), dtype=int)
    nearest[query_index] = tree_index
    planar_deg = np.full(len(lons), np.inf)
    planar_deg[query_index] = planar
    _, _, geodesic_m = _geod.inv(lons, lats, postcode_xy[nearest, 0], postcode_xy[nearest, 1])
    within = (planar_deg <= BOX_MARGIN_DEG) & (np.asarray(geodesic_m) <= NEAREST_POSTCODE_M)
    return [districts[nearest[i]] if within[i] else None for i in range(len(lons))]
