"""Writing checked records in bulk, safely over what the register already holds.

COPY into a temporary staging table; then every check is one set-based statement: references are
matched after normalising case and white space (`asset.reference_key`, migration 0006); the fields
each row would change are worked out in SQL (only the fields the file has a column for: a column
absent from the file never wipes a stored value); unchanged rows are skipped; new rows go in with one
INSERT … SELECT and changed ones with one UPDATE … FROM. The register's assets of the file's
authorities that are not in the file are listed, and with `retire_missing` marked `withdrawn`
(never deleted; their live cases stay). `dry_run` works all of it out and writes nothing.

Runs as the app's (non-owner) database role: no DDL on permanent tables, no DISABLE TRIGGER, no
TRUNCATE; only temporary tables. The map grid is kept by statement-level triggers (migration 0006).
Flushes, never commits: the command commits once.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from .. import assets, db

# (column, SQL type, the AssetRecord attribute it comes from)
FIELDS = (
    ("name", "varchar(300)", "name"), ("description", "text", "description"), ("address", "text", "address"),
    ("postcode", "varchar(8)", "postcode"), ("uprn", "bigint", "uprn"),
    ("title_numbers", "varchar(20)[]", "title_numbers"), ("asset_type", "varchar(40)", "asset_type"),
    ("current_use", "text", "current_use"), ("condition", "varchar(20)", "condition"),
    ("occupancy", "varchar(20)", "occupancy"), ("occupancy_since", "date", "occupancy_since"),
    ("surplus_status", "varchar(40)", "surplus_status"), ("floor_area_m2", "numeric(12, 2)", "floor_area_m2"),
    ("site_area_m2", "numeric(14, 2)", "site_area_m2"), ("market_value_gbp", "numeric(14, 2)", "market_value_gbp"),
    ("tenure", "varchar(100)", "tenure"), ("tenure_detail", "text", "tenure_detail"),
    ("other_detail", "text", "other_detail"), ("holding_type", "varchar(20)", "holding_type"),
    ("street_number", "varchar(50)", "street_number"), ("street", "varchar(200)", "street"),
    ("post_town", "varchar(100)", "post_town"), ("asset_type_label", "varchar(200)", "asset_type_label"),
    ("source_effective_date", "date", "effective_date"), ("extra", "jsonb", "extra"),
)
COLUMNS = tuple(column for column, _, _ in FIELDS)
RAW_COLUMNS = (("row_number", "integer"), ("authority_code", "varchar(9)"), ("reference", "varchar(100)"),
               *((column, kind) for column, kind, _ in FIELDS),
               ("location_source", "varchar(20)"), ("lon", "float8"), ("lat", "float8"), ("footprint_wkb", "bytea"),
               ("import_digest", "bytea"), ("import_warnings", "jsonb"))
# A better location is never replaced by a worse one: coordinates beat a postcode's centre, which
# beats a postcode district's; a row without a location never wipes a stored point.
LOCATION_RANK = {"none": 0, "postcode_district": 1, "postcode": 2, "surveyed": 3}
# Above this many new or moved points, their nearest postcodes are found in one pass in Python
# rather than by one index search each.
NEAREST_IN_ONE_PASS_ROWS = 1000
BULK_ROWS = NEAREST_IN_ONE_PASS_ROWS  # kept for callers of the old name
REFERENCE_KEY_SQL = r"lower(btrim(regexp_replace(r.reference, '[\s\u00a0]+', ' ', 'g')))"
RANK_SQL = "CASE {0} WHEN 'surveyed' THEN 3 WHEN 'postcode' THEN 2 WHEN 'postcode_district' THEN 1 ELSE 0 END"


@dataclass(frozen=True)
class Change:
    row: int
    reference: str
    asset_id: int | None
    fields: tuple[str, ...] = ()
    first_row: int | None = None  # for a duplicate: the row that has the reference first


@dataclass(frozen=True)
class Missing:
    """In the register (for one of the file's authorities) but not in this file."""

    asset_id: int
    authority_code: str
    reference: str
    name: str
    live_status: str | None  # a live case: it stays, and the officer is told


@dataclass
class WriteSummary:
    dry_run: bool = False
    retire_missing: bool = False
    new: list[Change] = field(default_factory=list)
    updated: list[Change] = field(default_factory=list)
    unchanged: int = 0
    missing: list[Missing] = field(default_factory=list)
    retired: int = 0
    duplicates: list[Change] = field(default_factory=list)  # a reference the file already had (by key)

    @property
    def written(self) -> bool:
        return not self.dry_run

    def counts(self) -> dict[str, int]:
        return {"new": len(self.new), "updated": len(self.updated), "unchanged": self.unchanged,
                "missing": len(self.missing), "retired": self.retired, "duplicates": len(self.duplicates)}

    def field_counts(self) -> dict[str, int]:
        """How many updated rows changed each field."""
        tally: dict[str, int] = {}
        for change in self.updated:
            for name in change.fields:
                tally[name] = tally.get(name, 0) + 1
        return dict(sorted(tally.items(), key=lambda item: (-item[1], item[0])))

    def rows(self) -> list[dict]:
        """The row report: one entry per new, updated, duplicate or missing asset (unchanged are counted)."""
        out = [{"row": c.row, "reference": c.reference, "outcome": "new", "asset_id": c.asset_id, "fields": ""}
               for c in self.new]
        out += [{"row": c.row, "reference": c.reference, "outcome": "updated", "asset_id": c.asset_id,
                 "fields": ", ".join(c.fields)} for c in self.updated]
        out += [{"row": c.row, "reference": c.reference, "outcome": "duplicate", "asset_id": None,
                 "fields": "", "message": f"The file already has this reference (row {c.first_row}); "
                                          "this row was not written."} for c in self.duplicates]
        outcome = "withdrawn" if self.retire_missing else "missing"
        out += [{"row": None, "reference": m.reference, "outcome": outcome, "asset_id": m.asset_id, "fields": "",
                 "message": (f"Has a live case ({m.live_status.replace('_', ' ')}), which stays."
                             if m.live_status else "")} for m in self.missing]
        return sorted(out, key=lambda r: (r["row"] is None, r["row"] or 0, r["reference"]))


def _present(present_fields) -> set[str]:
    """The asset columns the file has a column for (None: every one)."""
    if present_fields is None:
        return set(COLUMNS)
    names = set(present_fields)
    return {column for column, _, attribute in FIELDS if attribute in names or column in names}


def _changed_sql(present: set[str]) -> str:
    """An array of the names of the fields this row would change, worked out in SQL."""
    checks = ["CASE WHEN a.reference IS DISTINCT FROM s.reference THEN 'reference' END"]
    for column in COLUMNS:
        if column in present:
            checks.append(f"CASE WHEN a.{column} IS DISTINCT FROM s.{column} THEN '{column}' END")
        elif column == "surplus_status":  # back in the file: no longer withdrawn
            checks.append("CASE WHEN a.surplus_status = 'withdrawn' AND s.surplus_status <> 'withdrawn' "
                          "THEN 'surplus_status' END")
    checks.append("CASE WHEN s.take_point AND a.point IS DISTINCT FROM s.pt THEN 'point' END")
    checks.append("CASE WHEN s.take_point AND a.location_source IS DISTINCT FROM s.location_source "
                  "THEN 'location_source' END")
    checks.append("CASE WHEN s.take_footprint AND a.footprint IS DISTINCT FROM s.fp THEN 'footprint' END")
    return "array_remove(ARRAY[" + ", ".join(checks) + "]::text[], NULL)"


def _stage_sql(present: set[str], footprint_present: bool) -> str:
    return f"""
    CREATE TEMP TABLE asset_import_stage ON COMMIT DROP AS
    WITH raw AS (
        SELECT r.*, {REFERENCE_KEY_SQL} AS reference_key FROM asset_import_raw r
    ), keyed AS (
        SELECT r.*,
               min(r.row_number) OVER (PARTITION BY r.authority_code, r.reference_key) AS first_row,
               CASE WHEN r.lon IS NULL THEN NULL ELSE ST_SetSRID(ST_MakePoint(r.lon, r.lat), 4326) END AS pt,
               ST_Multi(ST_GeomFromWKB(r.footprint_wkb, 4326)) AS fp
          FROM raw r
    ), matched AS (
        SELECT k.*, a.id AS asset_id,
               k.pt IS NOT NULL AND ({RANK_SQL.format("k.location_source")}
                                     >= {RANK_SQL.format("a.location_source")}) AS take_point,
               {"true" if footprint_present else "k.fp IS NOT NULL"} AS take_footprint
          FROM keyed k
          LEFT JOIN asset a ON a.authority_code = k.authority_code AND a.reference_key = k.reference_key
                               AND k.first_row = k.row_number
    )
    SELECT s.*, CASE WHEN s.asset_id IS NULL THEN NULL ELSE {_changed_sql(present)} END AS changed,
           a.area_code AS existing_area_code
      FROM matched s LEFT JOIN asset a ON a.id = s.asset_id
    """


INSERT_SQL = f"""
    INSERT INTO asset (authority_code, reference, {", ".join(COLUMNS)}, location_source, point, footprint,
                       area_code, import_digest, import_warnings)
    SELECT s.authority_code, s.reference, {", ".join(f"s.{c}" for c in COLUMNS)},
           CASE WHEN s.pt IS NULL THEN 'none' ELSE s.location_source END, s.pt, s.fp,
           CASE WHEN s.pt IS NULL THEN NULL WHEN n.row_number IS NULL THEN district_code_at(s.pt)
                ELSE n.district_code END,
           s.import_digest, s.import_warnings
      FROM asset_import_stage s LEFT JOIN asset_import_nearest n USING (row_number)
     WHERE s.asset_id IS NULL ORDER BY s.row_number
"""


def _update_sql(present: set[str]) -> str:
    """Set the file's columns that some row changes (equal values are rewritten unchanged), never others."""
    sets = ["reference = s.reference"]
    for column in COLUMNS:
        if column in present:
            sets.append(f"{column} = s.{column}")
        elif column == "surplus_status":
            sets.append("surplus_status = CASE WHEN a.surplus_status = 'withdrawn' THEN s.surplus_status "
                        "ELSE a.surplus_status END")
    sets += [
        "point = CASE WHEN s.take_point THEN s.pt ELSE a.point END",
        "location_source = CASE WHEN s.take_point THEN s.location_source ELSE a.location_source END",
        "footprint = CASE WHEN s.take_footprint THEN s.fp ELSE a.footprint END",
        "area_code = CASE WHEN NOT ('point' = ANY(s.changed)) THEN a.area_code "
        "WHEN n.row_number IS NULL THEN district_code_at(s.pt) ELSE n.district_code END",
        "updated_at = now()",
        "import_digest = s.import_digest",  # in the same UPDATE: one new version of each row, not two
        "import_warnings = s.import_warnings",
    ]
    return f"""
    UPDATE asset a SET {", ".join(sets)}
      FROM asset_import_stage s LEFT JOIN asset_import_nearest n USING (row_number)
     WHERE a.id = s.asset_id AND cardinality(s.changed) > 0
    """


# The file's rows found unchanged by their digests are in the file too: the assets they leave as they
# are (`unchanged_ids`) are left out, or (when fewer) the only assets that may be missing are named.
_MISSING = """
    SELECT a.id, a.authority_code, a.reference, a.name, a.live_status FROM asset a
     WHERE a.authority_code = ANY(%s) AND a.surplus_status <> 'withdrawn'
       AND NOT EXISTS (SELECT 1 FROM asset_import_stage s
                        WHERE s.authority_code = a.authority_code AND s.reference_key = a.reference_key)
       AND {ids}
     ORDER BY a.authority_code, a.reference_key
"""
MISSING_SQL = _MISSING.format(
    ids="NOT EXISTS (SELECT 1 FROM unnest(string_to_array(%s, ',')::bigint[]) AS u(id) WHERE u.id = a.id)")
MISSING_AMONG_SQL = _MISSING.format(ids="a.id = ANY(string_to_array(%s, ',')::bigint[])")
# A row found unchanged by comparing its values, whose digest the asset does not hold yet.
DIGEST_ONLY_WHERE = """a.id = s.asset_id AND cardinality(s.changed) = 0 AND s.import_digest IS NOT NULL
       AND a.import_digest IS DISTINCT FROM s.import_digest"""
DIGEST_ONLY_SQL = ("UPDATE asset a SET import_digest = s.import_digest, import_warnings = s.import_warnings "
                   f"FROM asset_import_stage s WHERE {DIGEST_ONLY_WHERE}")
ANY_DIGEST_ONLY_SQL = f"SELECT EXISTS (SELECT 1 FROM asset a JOIN asset_import_stage s ON {DIGEST_ONLY_WHERE})"

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


def write(records: list[tuple[int, assets.AssetRecord]], *, present_fields=None, dry_run: bool = False,
          retire_missing: bool = False, authority_codes=None, timings: dict | None = None,
          digests: dict[int, bytes | None] | None = None, warnings: dict[int, str] | None = None,
          unchanged_ids=(), missing_candidates=None) -> WriteSummary:
    """Stage the records and merge them into the register; return what happened (or would, on a dry run).

    `records` are (row number, record). `present_fields`: the AssetRecord fields the file has a column
    for (None: all). `authority_codes`: the authorities whose register this file is (for the missing
    list; default: the records' own). `digests`: row number -> the import digest to store with what the
    row writes; `warnings`: row number -> what the row was warned about (JSON, stored beside the digest
    as `import_warnings`; absent: none). `unchanged_ids`: assets the file's rows leave as they are, found so by their digests
    (counted unchanged, never missing); `missing_candidates`, when known, the only assets that may be
    missing (the authorities' others). Flushes; the caller commits (or rolls back).
    """
    summary = WriteSummary(dry_run=dry_run, retire_missing=retire_missing)
    timings = timings if timings is not None else {}
    clock = [time.monotonic()]

    def lap(name):
        now = time.monotonic()
        timings[f"write.{name}"] = timings.get(f"write.{name}", 0.0) + now - clock[0]
        clock[0] = now

    codes = sorted(set(authority_codes or ()) | {record.authority_code for _, record in records})
    if not records and not codes:
        return summary
    present = _present(present_fields)
    footprint_present = present_fields is None or "footprint" in set(present_fields)
    db.session.flush()
    raw = db.session.connection().connection.driver_connection
    with raw.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS asset_import_raw, asset_import_stage, asset_import_nearest")
        cursor.execute("CREATE TEMP TABLE asset_import_raw ("
                       + ", ".join(f"{name} {kind}" for name, kind in RAW_COLUMNS) + ") ON COMMIT DROP")
        _copy_records(cursor, records, digests or {}, warnings or {})
        lap("copy")
        cursor.execute(_stage_sql(present, footprint_present))
        cursor.execute("ANALYZE asset_import_stage")
        cursor.execute("SELECT row_number, reference, first_row FROM asset_import_stage "
                       "WHERE first_row <> row_number ORDER BY row_number")
        summary.duplicates = [Change(row, reference, None, first_row=first) for row, reference, first in cursor.fetchall()]
        cursor.execute("DELETE FROM asset_import_stage WHERE first_row <> row_number")
        cursor.execute("SELECT row_number, reference, asset_id, changed FROM asset_import_stage "
                       "WHERE asset_id IS NULL OR cardinality(changed) > 0 ORDER BY row_number")
        for row, reference, asset_id, changed in cursor.fetchall():
            if asset_id is None:
                summary.new.append(Change(row, reference, None))
            else:
                summary.updated.append(Change(row, reference, asset_id, tuple(changed)))
        cursor.execute("SELECT count(*) FROM asset_import_stage WHERE cardinality(changed) = 0")
        summary.unchanged = cursor.fetchone()[0] + len(unchanged_ids)
        if missing_candidates is not None and len(missing_candidates) < len(unchanged_ids):
            cursor.execute(MISSING_AMONG_SQL, (codes, ",".join(map(str, missing_candidates))))
        else:
            cursor.execute(MISSING_SQL, (codes, ",".join(map(str, unchanged_ids))))
        summary.missing = [Missing(*row) for row in cursor.fetchall()]
        lap("stage")
        if not dry_run:
            _write(cursor, summary, lap, present)
        cursor.execute("DROP TABLE IF EXISTS asset_import_raw, asset_import_stage, asset_import_nearest")
    return summary


def _copy_records(cursor, records, digests: dict[int, bytes | None], warnings: dict[int, str]) -> None:
    import numpy as np
    import shapely

    footprints = np.array([record.footprint for _, record in records] + [None], dtype=object)[:-1]
    wkb = np.full(len(records), None, dtype=object)
    has_footprint = np.array([f is not None for f in footprints], dtype=bool)
    if has_footprint.any():
        wkb[has_footprint] = shapely.to_wkb(footprints[has_footprint])
    attributes = [attribute for _, _, attribute in FIELDS]
    with cursor.copy("COPY asset_import_raw FROM STDIN") as copy:
        for (number, r), footprint_wkb in zip(records, wkb, strict=True):
            values = [getattr(r, name, None) for name in attributes]
            values[COLUMNS.index("title_numbers")] = list(r.title_numbers or ())
            extra = values[-1]
            values[-1] = json.dumps(extra, default=str) if extra else "{}"
            point = r.point
            source = getattr(r, "location_source", "surveyed") if point is not None else "none"
            copy.write_row((number, r.authority_code, r.reference, *values, source,
                            point.x if point is not None else None, point.y if point is not None else None,
                            footprint_wkb, digests.get(number), warnings.get(number)))


def _write(cursor, summary: WriteSummary, lap, present: set[str]) -> None:
    cursor.execute("CREATE TEMP TABLE asset_import_nearest (row_number integer PRIMARY KEY, "
                   "district_code varchar(9)) ON COMMIT DROP")
    cursor.execute("SELECT row_number, lon, lat FROM asset_import_stage "
                   "WHERE pt IS NOT NULL AND (asset_id IS NULL OR 'point' = ANY(changed))")
    moved = cursor.fetchall()
    if len(moved) >= NEAREST_IN_ONE_PASS_ROWS:
        import numpy as np

        numbers = [row[0] for row in moved]
        district_codes = nearest_postcode_districts(cursor, np.array([row[1] for row in moved]),
                                                    np.array([row[2] for row in moved]))
        with cursor.copy("COPY asset_import_nearest FROM STDIN") as copy:
            for number, code in zip(numbers, district_codes, strict=True):
                copy.write_row((number, code))
        for statement in DISTRICT_STEPS_SQL:
            cursor.execute(statement)
    lap("districts")
    if summary.new:
        cursor.execute(INSERT_SQL)
        cursor.execute("SELECT s.row_number, a.id FROM asset_import_stage s JOIN asset a "
                       "ON a.authority_code = s.authority_code AND a.reference_key = s.reference_key "
                       "WHERE s.asset_id IS NULL")
        ids = dict(cursor.fetchall())
        summary.new = [Change(c.row, c.reference, ids.get(c.row)) for c in summary.new]
        lap("insert")
    # Only when some row needs it: even an UPDATE of no rows would note a change of the register.
    cursor.execute(ANY_DIGEST_ONLY_SQL)
    if cursor.fetchone()[0]:
        cursor.execute(DIGEST_ONLY_SQL)
    lap("digests")
    if summary.updated:
        changed_anywhere = {name for change in summary.updated for name in change.fields}
        cursor.execute(_update_sql(present & changed_anywhere))
        lap("update")
    if summary.retire_missing and summary.missing:
        cursor.execute("UPDATE asset SET surplus_status = 'withdrawn', updated_at = now() WHERE id = ANY(%s)",
                       ([m.asset_id for m in summary.missing],))
        summary.retired = cursor.rowcount
        lap("retire")


NEAREST_POSTCODE_M = 3000  # as district_code_at
BOX_MARGIN_DEG = 0.1  # > 5 km everywhere in the UK: a nearer postcode outside the box is beyond 3 km too


def nearest_postcode_districts(cursor, lons, lats) -> list[str | None]:
    """district_code_at's middle step for many points at once: the district of the nearest postcode
    (nearest by `<->`, planar degrees, as the SQL orders it) if it is within 3 km on the spheroid.

    Fetches the postcodes in the points' box plus a margin. A postcode outside the box is more than
    0.1 degrees away, so when the nearest inside is nearer than that it is the nearest of all, and
    when it is not, every candidate is over 5 km away and the answer is None either way.
    """
    import numpy as np
    import shapely
    from pyproj import Geod

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
    _, _, geodesic_m = Geod(ellps="WGS84").inv(lons, lats, postcode_xy[nearest, 0], postcode_xy[nearest, 1])
    within = (planar_deg <= BOX_MARGIN_DEG) & (np.asarray(geodesic_m) <= NEAREST_POSTCODE_M)
    return [districts[nearest[i]] if within[i] else None for i in range(len(lons))]
