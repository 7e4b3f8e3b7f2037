"""The initial load of a whole register at COPY speed (issue 14): the owner role, an empty register.

`flask assets bulk-load FILE` and the benchmark's dataset (bench/dataset.py) come here. The file is
a UTF-8 CSV with one record per line (a national extract, or a council's register in the standard or
our own column names). PostgreSQL parses it: the bytes go by COPY into a temporary table of text
columns, and every check is a set-based statement over all rows at once. Python only maps the
header, and the few distinct values of the vocabulary and owner columns, with the same functions
`flask assets import` uses; OSTN15 grid conversion (convertbng) runs over whole columns.

The messages are the importer's: record number, spreadsheet row and reference, in the file's own
column names (`report.Rejection`). Nothing is written while any row is rejected, unless
`skip_bad_rows`. Then, in the caller's transaction: the asset table's secondary indexes are dropped
(their definitions kept from pg_indexes, so this follows every migration), its user triggers
disabled, the rows go in with one INSERT … SELECT, the indexes are rebuilt, the map grid is rebuilt
in one pass (`asset_grid_rebuild()`), and the register's change counter is noted, as the disabled
statement trigger would have. Dropping indexes and disabling triggers is DDL: only the owner role
may, which is why this path refuses the app role, and refuses a register that already has assets
(imports into a populated register go through `flask assets import`, the page and the API).

Files this path does not take (another encoding, multi-line cells, spreadsheets, GIS formats, or
fields it does not handle) are refused with one line that says to use `flask assets import`.
"""

from __future__ import annotations

import csv
import re
import time
from collections import Counter

from .. import assets, places
from ..errors import InvalidInput
from ..vocabulary import CONDITIONS, OCCUPANCY, SURPLUS_STATUSES
from . import authority_names, mapping
from .checking import UK_OUTLINE
from .report import ImportReport, Rejection
from .writing import DISTRICT_STEPS_SQL, NEAREST_IN_ONE_PASS_ROWS, nearest_postcode_districts

# field -> (most characters, required); the limits are validate_record's
TEXT_FIELDS = {
    "reference": (100, True), "name": (300, True), "description": (5000, False), "address": (500, False),
    "current_use": (500, False), "tenure": (100, False), "tenure_detail": (None, False),
    "other_detail": (None, False), "street_number": (50, False), "street": (200, False),
    "post_town": (100, False),
}
CHOICE_FIELDS = {"condition": (CONDITIONS, "unknown"), "occupancy": (OCCUPANCY, "in_use"),
                 "surplus_status": (SURPLUS_STATUSES, "operational")}
NUMBER_FIELDS = ("floor_area_m2", "site_area_m2", "market_value_gbp")
OTHER_FIELDS = ("authority_code", "asset_type", "postcode", "uprn", "title_numbers")
SUPPORTED = set(TEXT_FIELDS) | set(CHOICE_FIELDS) | set(NUMBER_FIELDS) | set(OTHER_FIELDS)
COORDINATES = {"longitude", "latitude", "easting", "northing", "geometry"}
SPACES_SQL = r"'[\s\u00a0\u2007\u202f\u2009\u200a\u3000]+'"
NUMBER_SQL = r"'^£?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$|^£?[0-9]*\.?[0-9]+$'"
COORDINATE_SQL = r"'^[-+]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]{1,3})?$'"  # as float(): 2.58e-05 too


class BulkRefused(InvalidInput):
    """This file, or this register, is not for the bulk path: the message says what to do instead."""


def _clean(column: str) -> str:
    """mapping.clean_text in SQL: trimmed, odd spaces made plain, runs collapsed; NULL when empty."""
    return f"nullif(btrim(regexp_replace({column}, {SPACES_SQL}, ' ', 'g')), '')"


def _q(text_: str) -> str:
    return "'" + text_.replace("'", "''") + "'"


def _header(data: bytes) -> tuple[list[str], str]:
    first = data.split(b"\n", 1)[0].rstrip(b"\r")
    try:
        line = first.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BulkRefused("The bulk load takes UTF-8 files: use `flask assets import`, which reads any encoding.",
                          field="file") from None
    try:
        delimiter = csv.Sniffer().sniff(line, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    return [h.strip() for h in next(csv.reader([line], delimiter=delimiter))], delimiter


def check_shape(data: bytes) -> bytes:
    """The file as COPY will read it: UTF-8, one record per line; trailing empty rows dropped."""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        raise BulkRefused("The bulk load takes UTF-8 files: use `flask assets import`, which reads any encoding.",
                          field="file") from None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    ending = b"\r\n" if b"\r\n" in data[:65536] else b"\n"
    data = re.sub(rb"(\r?\n)[\s,;\t|]*\Z", ending, data)
    if data.count(b"\r") != data.count(b"\r\n"):
        raise BulkRefused("The file has line breaks inside cells (bare CRs): use `flask assets import`, which "
                          "counts spreadsheet rows through them.", field="file")
    return data


def load_csv(cursor, data: bytes, *, path: str = "", default_authority: str | None = None,
             overrides: dict[str, str] | None = None, skip_bad_rows: bool = False,
             require_empty: bool = True) -> ImportReport:
    """Check every row in SQL and, when they pass, load them into the (empty) register.

    `cursor` is a psycopg cursor on the owner's connection, inside the caller's transaction
    (nothing is committed here). Returns the importer's report; `report.written` says whether
    the rows went in.
    """
    started = time.monotonic()
    report = ImportReport(path=path, format="csv", encoding="utf-8", skip_bad_rows=skip_bad_rows)
    timings = report.timings
    clock = [started]

    def lap(name):
        now = time.monotonic()
        timings[name] = timings.get(name, 0.0) + now - clock[0]
        clock[0] = now

    _check_role_and_register(cursor, require_empty)
    # Whole-file sorts and hash joins (the gazetteer, the duplicate check) in memory, not in spill files.
    cursor.execute("SET LOCAL work_mem = '256MB'")
    # The load is one transaction the owner can re-run: no need to wait for its WAL flush at commit.
    cursor.execute("SET LOCAL synchronous_commit = off")
    data = check_shape(data)
    headers, delimiter = _header(data)
    columns = mapping.map_columns(headers, overrides)
    not_here = sorted(set(columns.fields) - SUPPORTED) + sorted(set(columns.coordinates) - COORDINATES)
    if not_here:
        raise BulkRefused("The bulk load does not take the column(s) "
                          + ", ".join(headers[{**columns.fields, **columns.coordinates}[name]] for name in not_here)
                          + ": use `flask assets import`.", field="file")
    if columns.area_factors and any(f != 1.0 for f in columns.area_factors.values()):
        raise BulkRefused("The bulk load takes areas in square metres: use `flask assets import` for hectares.",
                          field="file")
    coords = columns.coordinates
    for a, b in (("longitude", "latitude"), ("easting", "northing")):
        if (a in coords) != (b in coords):
            missing, have = (a, b) if a not in coords else (b, a)
            raise BulkRefused(f"The file has a {headers[coords[have]]} column but no {missing} column to go with it.",
                              field=missing)
    if not coords and "postcode" not in columns.fields:
        raise BulkRefused("The file has no coordinate columns: give longitude and latitude, or easting and "
                          "northing (or a postcode for each row).", field="file")
    report.headers = headers
    report.mapping = {**{headers[i]: n for n, i in columns.fields.items()},
                      **{headers[i]: n for n, i in coords.items()},
                      **{headers[i]: "authority_code" for i in columns.authority_columns}}
    report.ignored_columns = columns.unmapped
    report.present_fields = set(columns.present_fields) | ({"point"} if coords else set())

    n = len(headers)
    cursor.execute("DROP TABLE IF EXISTS bulk_raw, bulk_stage, bulk_rows, bulk_values, bulk_grid, "
                   "asset_import_nearest")
    cursor.execute("CREATE TEMP TABLE bulk_raw (" + ", ".join(f"c{i} text" for i in range(n))
                   + ", line bigint GENERATED ALWAYS AS IDENTITY) ON COMMIT DROP")
    with cursor.copy(f"COPY bulk_raw ({', '.join(f'c{i}' for i in range(n))}) FROM STDIN "
                     f"(FORMAT csv, HEADER true, DELIMITER {_q(delimiter)})") as copy:
        for start in range(0, len(data), 1 << 20):
            copy.write(data[start:start + (1 << 20)])
    cursor.execute("SELECT count(*) FROM bulk_raw")
    lines = cursor.fetchone()[0]
    if lines != data.count(b"\n") - (0 if data.endswith(b"\n") else -1) - 1:
        raise BulkRefused("The file has line breaks inside quoted cells: use `flask assets import`, which counts "
                          "spreadsheet rows through them.", field="file")
    lap("copy")

    fields, label = columns.fields, columns.label
    cells = [f"{_clean(f'r.c{i}')} AS f_{name}" for name, i in fields.items()]
    cells += [f"{_clean(f'r.c{i}')} AS k_{name}" for name, i in coords.items()]
    owner_columns = columns.authority_columns or ([fields["authority_code"]] if "authority_code" in fields else [])
    cells.append("coalesce(" + ", ".join([_clean(f"r.c{i}") for i in owner_columns] + ["NULL"]) + ") AS owner_text")
    extra_names = _unique([headers[i] for i in columns.extra])
    pairs = ", ".join(f"{_q(name)}, {_clean(f'r.c{i}')}" for name, i in zip(extra_names, columns.extra, strict=True))
    cells.append(f"jsonb_strip_nulls(jsonb_build_object({pairs})) AS extra" if pairs else "'{}'::jsonb AS extra")
    not_empty = " OR ".join(f"nullif(btrim(r.c{i}), '') IS NOT NULL" for i in range(n))
    cursor.execute(f"CREATE TEMP TABLE bulk_stage ON COMMIT DROP AS SELECT r.line + 1 AS row_number, "
                   f"row_number() OVER (ORDER BY r.line) AS record, {', '.join(cells)} "
                   f"FROM bulk_raw r WHERE {not_empty}")
    cursor.execute("DROP TABLE bulk_raw")
    cursor.execute("SELECT count(*) FROM bulk_stage")
    report.total = cursor.fetchone()[0]
    lap("stage")

    default_code = authority_names.resolve(default_authority) or (default_authority or "").strip().upper() or None
    _distinct_values(cursor, fields, default_authority)
    lap("values")
    grid = "easting" in coords
    if grid:
        _grid_to_wgs84(cursor)
        lap("grid")
    cursor.execute(_rows_sql(fields, coords, grid), {"outline": UK_OUTLINE.wkt, "default": default_code})
    cursor.execute("ANALYZE bulk_rows")
    lap("check")
    reference_label = label("reference")
    cursor.execute(_messages_sql(fields, coords, label, default_authority))
    for row, record, reference, column, message, severity in cursor.fetchall():
        item = Rejection(row, column, message, record=record, reference=reference, reference_label=reference_label)
        (report.rejected if severity == "reject" else report.warnings).append(item)
    cursor.execute("SELECT location_source, count(*) FROM bulk_rows WHERE NOT rejected GROUP BY 1")
    report.locations = Counter(dict(cursor.fetchall()))
    cursor.execute("SELECT authority_code, count(*) FROM bulk_rows WHERE NOT rejected GROUP BY 1")
    report.authorities = Counter(dict(cursor.fetchall()))
    report.accepted = sum(report.locations.values())
    report.crs = "+".join(s for s, present in (("4326", "longitude" in coords), ("27700", grid)) if present) or "4326"
    lap("messages")
    if report.total == 0:
        report.rejected.append(Rejection(0, "file", "The file has no rows to import."))
    if (report.rejected and not skip_bad_rows) or not report.accepted:
        report.seconds = time.monotonic() - started
        return report

    _districts(cursor)
    lap("districts")
    labels = {name: label(name) for name in ("condition", "occupancy", "surplus_status", "uprn", "title_numbers",
                                             "postcode")}
    _insert(cursor, labels, lap)
    report.inserted, report.written = report.accepted, True
    report.seconds = time.monotonic() - started
    return report


def _check_role_and_register(cursor, require_empty: bool) -> None:
    cursor.execute("SELECT pg_has_role(current_user, tableowner, 'USAGE') FROM pg_tables "
                   "WHERE schemaname = 'public' AND tablename = 'asset'")
    if not cursor.fetchone()[0]:
        raise BulkRefused("The bulk load rebuilds the asset table's indexes, which only the owner role may do: set "
                          "DATABASE_OWNER_URL, or use `flask assets import`.", field="role")
    cursor.execute("SELECT EXISTS (SELECT 1 FROM asset)")
    if require_empty and cursor.fetchone()[0]:
        raise BulkRefused("The register already has assets: the bulk load is for an empty register. Use `flask "
                          "assets import`, which matches references and reports what changed.", field="register")


def _unique(names: list[str]) -> list[str]:
    seen: Counter = Counter()
    out = []
    for name in names:
        seen[name] += 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def _distinct_values(cursor, fields, default_authority) -> None:
    """The vocabulary and owner columns through the importer's own functions, once per distinct value."""
    cursor.execute("CREATE TEMP TABLE bulk_values (kind text, given text, name text, code text, label text, "
                   "problem text, PRIMARY KEY (kind, given, name)) ON COMMIT DROP")
    out = []
    cursor.execute("SELECT DISTINCT owner_text FROM bulk_stage WHERE owner_text IS NOT NULL")
    for (given,) in cursor.fetchall():
        out.append(("owner", given, "", authority_names.resolve(given), None, None))
    if "asset_type" in fields:
        # A type our vocabulary names needs no row's name; free text may (keyword rules on the name).
        cursor.execute("SELECT DISTINCT f_asset_type FROM bulk_stage WHERE f_asset_type IS NOT NULL")
        exact = {}
        for (given,) in cursor.fetchall():
            code, kept = mapping.asset_type(given)
            if kept is None:
                exact[given] = code
                out.append(("asset_type", given, "", code, None, None))
        name = "f_name" if "name" in fields else "NULL"
        cursor.execute(f"SELECT DISTINCT f_asset_type, coalesce({name}, '') FROM bulk_stage "
                       f"WHERE f_asset_type IS NULL OR NOT f_asset_type = ANY(%s)", (list(exact),))
    else:
        name = "f_name" if "name" in fields else "NULL"
        cursor.execute(f"SELECT DISTINCT NULL::text, coalesce({name}, '') FROM bulk_stage")
    for given, row_name in cursor.fetchall():
        code, kept = mapping.asset_type(given, row_name or None)
        out.append(("asset_type_by_name", given or "", row_name, code, kept, None))
    for field_name, (vocabulary, default) in CHOICE_FIELDS.items():
        if field_name not in fields:
            continue
        cursor.execute(f"SELECT DISTINCT f_{field_name} FROM bulk_stage WHERE f_{field_name} IS NOT NULL")
        for (given,) in cursor.fetchall():
            try:
                out.append((field_name, given, "", assets.vocabulary_choice(given, field_name, vocabulary, default), None, None))
            except InvalidInput as error:
                out.append((field_name, given, "", default, None, error.detail))
    with cursor.copy("COPY bulk_values FROM STDIN") as copy:
        for row in out:
            copy.write_row(row)
    cursor.execute("ANALYZE bulk_values")


def _grid_to_wgs84(cursor) -> None:
    """British National Grid to WGS84 with OSTN15 (convertbng), over the whole column at once."""
    import numpy as np

    cursor.execute("CREATE TEMP TABLE bulk_grid (row_number bigint PRIMARY KEY, lon float8, lat float8) "
                   "ON COMMIT DROP")
    cursor.execute(f"SELECT row_number, k_easting::float8, k_northing::float8 FROM bulk_stage "
                   f"WHERE k_easting ~ {COORDINATE_SQL} AND k_northing ~ {COORDINATE_SQL} "
                   "AND k_easting::float8 BETWEEN 0 AND 700000 AND k_northing::float8 BETWEEN 0 AND 1300000 "
                   "AND NOT (k_easting::float8 = 0 AND k_northing::float8 = 0)")
    rows = cursor.fetchall()
    if not rows:
        return
    numbers = np.array(rows, dtype=float)
    lons, lats = places.bng_to_wgs84(numbers[:, 1], numbers[:, 2])
    with cursor.copy("COPY bulk_grid FROM STDIN") as copy:
        for number, lon, lat in zip(numbers[:, 0].astype(int).tolist(), lons.tolist(), lats.tolist(), strict=True):
            if np.isfinite(lon) and np.isfinite(lat):
                copy.write_row((number, lon, lat))


def _number(column: str) -> str:
    return f"CASE WHEN {column} ~ {NUMBER_SQL} THEN replace(replace({column}, ',', ''), '£', '')::numeric END"


def _rows_sql(fields, coords, grid: bool) -> str:
    """Every row typed and checked: one pass, flags for each problem (the messages come from them)."""
    fs = {name: f"s.f_{name}" if name in fields else "NULL" for name in SUPPORTED}
    f = {name: f"p.f_{name}" if name in fields else "NULL" for name in SUPPORTED}
    postcode_compact = f"upper(regexp_replace({fs['postcode']}, '\\s', '', 'g'))"
    lonlat = "longitude" in coords
    lon = "CASE WHEN s.numeric_pair THEN s.k_longitude::float8 END" if lonlat else "NULL::float8"
    lat = "CASE WHEN s.numeric_pair THEN s.k_latitude::float8 END" if lonlat else "NULL::float8"
    pair = (f"s0.k_longitude ~ {COORDINATE_SQL} AND s0.k_latitude ~ {COORDINATE_SQL}" if lonlat else "false")
    footprint = ("CASE WHEN s.k_geometry IS NOT NULL THEN ST_Multi(ST_GeomFromText(s.k_geometry, 4326)) END"
                 if "geometry" in coords else "NULL::geometry")
    number_cols = ", ".join(f"{_number(fs[name])} AS {name}" for name in NUMBER_FIELDS)
    titles = (f"array_remove(regexp_split_to_array(upper({fs['title_numbers']}), '[;,\\s]+'), '')"
              if "title_numbers" in fields else "'{}'::text[]")
    return f"""
    CREATE TEMP TABLE bulk_rows ON COMMIT DROP AS
    WITH outline AS MATERIALIZED (SELECT ST_GeomFromText(%(outline)s, 4326) AS g),
    typed AS (
        SELECT s.*, {lon} AS lon, {lat} AS lat, {footprint} AS fp,
               {"g.lon AS grid_lon, g.lat AS grid_lat" if grid else "NULL::float8 AS grid_lon, NULL::float8 AS grid_lat"},
               {postcode_compact} AS postcode_compact, {number_cols}, {titles} AS titles,
               coalesce(o.code, %(default)s) AS owner_code,
               s.owner_text IS NOT NULL AND o.code IS NULL AS owner_unresolved
          FROM (SELECT s0.*, {pair} AS numeric_pair FROM bulk_stage s0) s
          {"LEFT JOIN bulk_grid g USING (row_number)" if grid else ""}
          LEFT JOIN bulk_values o ON o.kind = 'owner' AND o.given = s.owner_text AND o.name = ''
    ), located AS (
        SELECT t.*, cardinality(t.titles) > 0 AND EXISTS (SELECT 1 FROM unnest(t.titles) x
                                                           WHERE x !~ '^[A-Z]{{0,3}}[0-9]+$' OR length(x) > 20)
                        AS titles_bad,
               CASE WHEN t.fp IS NOT NULL AND ST_GeometryType(t.fp) = 'ST_MultiPolygon' AND ST_IsValid(t.fp)
                    THEN t.fp END AS footprint,
               CASE WHEN t.lon IS NOT NULL AND NOT (t.lon = 0 AND t.lat = 0)
                    THEN ST_SetSRID(ST_MakePoint(t.lon, t.lat), 4326)
                    WHEN t.grid_lon IS NOT NULL THEN ST_SetSRID(ST_MakePoint(t.grid_lon, t.grid_lat), 4326) END
                   AS given_point,
               pc.postcode AS known_postcode, pc.point AS postcode_point,
               t.postcode_compact ~ '^[A-Z]{{1,2}}[0-9][A-Z0-9]?[0-9][A-Z]{{2}}$' AS postcode_shaped
          FROM typed t LEFT JOIN postcode pc ON pc.compact = t.postcode_compact
    ), placed AS MATERIALIZED (
        SELECT i.*, i.outside AND ST_Contains(o.g, ST_SetSRID(ST_MakePoint(ST_Y(i.given_point),
                                                                          ST_X(i.given_point)), 4326)) AS swapped
          FROM (SELECT l.*, l.given_point IS NOT NULL AND NOT ST_Contains(o.g, l.given_point) AS outside
                  FROM located l, outline o) i, outline o
    )
    SELECT p.row_number, p.record, {f['reference']} AS reference, p.extra,
           coalesce({f['name']}, {f['address']}) AS name,
           p.owner_code AS authority_code, a.code IS NOT NULL AS known_owner, p.owner_unresolved,
           coalesce(vt.code, vn.code, 'other') AS asset_type, vn.label AS asset_type_label,
           {", ".join(f"{f[name]} AS {name}" for name in TEXT_FIELDS if name not in ("reference", "name"))},
           {", ".join(f"coalesce(v_{name}.code, '{CHOICE_FIELDS[name][1]}') AS {name}" for name in CHOICE_FIELDS)},
           {", ".join(f"v_{name}.problem AS {name}_problem" for name in CHOICE_FIELDS)},
           {", ".join(f"p.{name}" for name in NUMBER_FIELDS)},
           CASE WHEN p.postcode_shaped THEN coalesce(p.known_postcode, left(p.postcode_compact, -3) || ' '
                || right(p.postcode_compact, 3)) END AS postcode,
           p.postcode_shaped, p.known_postcode IS NOT NULL AS postcode_known,
           CASE WHEN {f['uprn']} ~ '^[0-9]{{1,12}}(\\.0)?$' AND split_part({f['uprn']}, '.', 1)::bigint > 0
                THEN split_part({f['uprn']}, '.', 1)::bigint END AS uprn,
           CASE WHEN p.titles_bad THEN '{{}}' ELSE p.titles END::varchar(20)[] AS title_numbers, p.titles_bad,
           p.fp IS NOT NULL AND p.footprint IS NULL AS footprint_bad, p.footprint,
           p.swapped, p.outside AND NOT p.swapped AS outside,
           CASE WHEN p.swapped THEN ST_SetSRID(ST_MakePoint(ST_Y(p.given_point), ST_X(p.given_point)), 4326)
                WHEN p.outside THEN NULL
                WHEN p.given_point IS NOT NULL THEN p.given_point
                WHEN p.footprint IS NOT NULL THEN ST_PointOnSurface(p.footprint)
                ELSE p.postcode_point END AS point,
           CASE WHEN p.given_point IS NOT NULL OR p.footprint IS NOT NULL THEN 'surveyed'
                WHEN p.postcode_point IS NOT NULL THEN 'postcode' ELSE 'none' END AS location_source,
           {_raw_flags(fields, coords)}
           min(p.row_number) OVER (PARTITION BY p.owner_code, lower({f['reference']})) AS first_row,
           false AS rejected
      FROM placed p
      LEFT JOIN authority a ON a.code = p.owner_code
      LEFT JOIN bulk_values vt ON vt.kind = 'asset_type' AND vt.given = {f['asset_type']} AND vt.name = ''
      LEFT JOIN bulk_values vn ON vt.code IS NULL AND vn.kind = 'asset_type_by_name'
                              AND vn.given = coalesce({f['asset_type']}, '')
                              AND vn.name = coalesce({f['name']}, '')
      {" ".join(f"LEFT JOIN bulk_values v_{name} ON v_{name}.kind = '{name}' AND v_{name}.given = {f[name]} "
                f"AND v_{name}.name = ''" for name in CHOICE_FIELDS)}
    """


def _raw_flags(fields, coords) -> str:
    """The raw text each message quotes."""
    parts = [f"{'p.f_' + name if name in fields else 'NULL'} AS raw_{name}"
             for name in (*NUMBER_FIELDS, "uprn", "postcode", "title_numbers", "asset_type", *CHOICE_FIELDS)]
    parts += [f"p.k_{name} AS raw_{name}" if name in coords else f"NULL AS raw_{name}"
              for name in ("longitude", "latitude", "easting", "northing")]
    parts.append("p.owner_text, p.grid_lon IS NOT NULL AS grid_ok")
    return ", ".join(parts) + ","


def _messages_sql(fields, coords, label, default_authority) -> str:
    """Each row's rejections and warnings, in the file's own column names; marks the rejected rows."""
    checks = []  # (condition, column label SQL, message SQL, severity)

    def add(condition, column, message, severity="reject"):
        checks.append((condition, column, message, severity))

    ref, name = label("reference"), label("name")
    add("r.reference IS NULL", _q(ref), _q(f"Enter the {ref}."))
    add("length(r.reference) > 100", _q(ref), _q(f"{_cap(ref)} must be 100 characters or fewer."))
    add("r.name IS NULL", _q(name), _q(f"Enter the {name}." if "name" in fields else "Enter the name."))
    add("length(r.name) > 300", _q(name), _q(f"{_cap(name)} must be 300 characters or fewer."))
    for field_name, (limit, _) in TEXT_FIELDS.items():
        if limit and field_name in fields and field_name not in ("reference", "name"):
            column = label(field_name)
            add(f"length(r.{field_name}) > {limit}", _q(column), _q(f"{_cap(column)} must be {limit} characters "
                                                                     "or fewer."))
    limits, _ = _limits()
    for field_name in NUMBER_FIELDS:
        if field_name in fields:
            column = label(field_name)
            add(f"r.raw_{field_name} IS NOT NULL AND r.{field_name} IS NULL", _q(column),
                f"{_q(_cap(column) + ' ')} || quote_literal(r.raw_{field_name}) || ' is not a number.'")
            add(f"r.{field_name} >= {limits[field_name]}", _q(column),
                _q(f"{column} must be less than {limits[field_name]:,}."))
    owner_label = label("authority_code")
    if default_authority:
        add("r.owner_unresolved", _q(owner_label),
            f"{_q(owner_label + ' ')} || quote_literal(r.owner_text) || ' is not an authority we know: --authority "
            "' || r.authority_code || ' is used.'", "warn")
    else:
        add("r.owner_unresolved", _q(owner_label),
            f"{_q(owner_label + ' ')} || quote_literal(r.owner_text) || ' is not an authority we know: give a GSS "
            "code like E08000035, or pass --authority.'")
        add("r.owner_text IS NULL", _q("authority_code"),
            _q("The file has no authority column: pass --authority with the owner's GSS code."))
    add("r.authority_code IS NOT NULL AND NOT r.known_owner", _q(owner_label),
        f"'There is no authority with the code ' || quote_literal(r.authority_code) || ' (' || {_q(owner_label)} "
        f"|| ' ' || quote_literal(coalesce(r.owner_text, r.authority_code)) || '): load it first, or use a GSS "
        "code like E08000035.'")
    add("r.first_row < r.row_number", _q(ref),
        f"{_q(ref + ' ')} || quote_literal(r.reference) || ' for ' || coalesce(r.authority_code, '') || ' is "
        "already on spreadsheet row ' || r.first_row || ': each asset must appear once.'")
    where = _where(coords, label)
    if "longitude" in coords:
        lon_label, lat_label = label("longitude"), label("latitude")
        for key, column in (("longitude", lon_label), ("latitude", lat_label)):
            add(f"r.raw_{key} IS NOT NULL AND r.raw_{key} !~ {COORDINATE_SQL}", _q(column),
                f"{_q(_cap(column) + ' ')} || quote_literal(r.raw_{key}) || ' is not a number.'")
        add("(r.raw_longitude IS NULL) <> (r.raw_latitude IS NULL)", "CASE WHEN r.raw_longitude IS NULL THEN "
            f"{_q(lon_label)} ELSE {_q(lat_label)} END", "'Enter the ' || CASE WHEN r.raw_longitude IS NULL THEN "
            f"{_q(lon_label)} ELSE {_q(lat_label)} END || '.'")
        add("r.outside", _q(lon_label), "r.raw_longitude || ', ' || r.raw_latitude || ' is outside the UK.'")
        add("r.swapped", _q(lon_label), f"{_q(lon_label + ' ')} || r.raw_longitude || {_q(' and ' + lat_label + ' ')}"
            " || r.raw_latitude || ' were the wrong way round: they have been swapped.'", "warn")
    if "easting" in coords:
        e_label = label("easting")
        add(f"r.raw_easting IS NOT NULL AND r.raw_northing IS NOT NULL AND NOT r.grid_ok "
            f"{'AND r.raw_longitude IS NULL' if 'longitude' in coords else ''}", _q(e_label),
            "r.raw_easting || ', ' || r.raw_northing || ' is not a point in the UK: British National Grid eastings "
            "run 0–700000 and northings 0–1300000.'")
    if "geometry" in coords:
        add("r.footprint_bad", _q(label("geometry")), _q("The footprint is not a valid polygon or multipolygon."))
    postcode = label("postcode")
    add("r.raw_postcode IS NOT NULL AND NOT r.postcode_known AND r.location_source = 'surveyed'", _q(postcode),
        f"{_q(postcode + ' ')} || quote_literal(r.raw_postcode) || ' is not a known postcode; the {where} "
        "coordinates are used.'", "warn")
    add("r.location_source = 'postcode'", _q(postcode),
        "'No coordinates: placed at the centre of postcode ' || r.postcode || ' (approximate).'", "warn")
    add("r.location_source = 'none' AND NOT r.outside", _q(where),
        "'No coordinates and ' || CASE WHEN r.raw_postcode IS NULL THEN 'no postcode' ELSE "
        f"{_q(postcode + ' ')} || quote_literal(r.raw_postcode) || ' is not a known postcode' END || "
        "': stored without a location (not on the map).'", "warn")
    if "asset_type" in fields:
        column = label("asset_type")
        add("r.asset_type = 'other' AND r.asset_type_label IS NOT NULL", _q(column),
            f"{_q(column + ' ')} || quote_literal(r.asset_type_label) || ' is not one of our asset types: stored as "
            "Other, with the council''s label kept.'", "warn")
    for field_name in CHOICE_FIELDS:
        if field_name in fields:
            column = label(field_name)
            add(f"r.{field_name}_problem IS NOT NULL", _q(column),
                _kept_in_details(f"r.{field_name}_problem || ' {_cap(column)} '", f"raw_{field_name}"), "warn")
    if "uprn" in fields:
        column = label("uprn")
        add("r.raw_uprn IS NOT NULL AND r.uprn IS NULL", _q(column),
            _kept_in_details(f"'UPRN must be a whole number of up to 12 digits. {_cap(column)} '", "raw_uprn"),
            "warn")
    if "title_numbers" in fields:
        column = label("title_numbers")
        add("r.titles_bad", _q(column), _kept_in_details(
            f"'Title numbers are letters then numbers, like TGL312172. {_cap(column)} '", "raw_title_numbers"), "warn")
    values = ", ".join(f"(CASE WHEN {c} THEN {col} END, CASE WHEN {c} THEN {m} END, '{s}')"
                       for c, col, m, s in checks)
    # Most rows have no problem: they are passed over after one look, and only the rest are spelt out.
    any_problem = " OR ".join(f"coalesce({c}, false)" for c, _, _, _ in checks)
    return f"""
    WITH m AS (
        SELECT r.row_number, r.record, r.reference, x.col, x.message, x.severity
          FROM bulk_rows r CROSS JOIN LATERAL (VALUES {values}) x(col, message, severity)
         WHERE {any_problem}
    ), found AS (SELECT * FROM m WHERE message IS NOT NULL),
    marked AS (
        UPDATE bulk_rows b SET rejected = true
         WHERE b.row_number IN (SELECT row_number FROM found WHERE severity = 'reject')
    )
    SELECT row_number, record, reference, col, message, severity FROM found ORDER BY row_number, severity
    """


def _where(coords, label) -> str:
    if "longitude" in coords:
        return f"{label('longitude')}/{label('latitude')}"
    if "easting" in coords:
        return f"{label('easting')}/{label('northing')}"
    return label("geometry") if "geometry" in coords else "longitude/latitude"



def _kept_in_details(says_sql: str, raw_column: str) -> str:
    """The SQL of a warning for a value not stored as its field: what is wrong, the value as the file gave it."""
    return f"{says_sql} || quote_literal(r.{raw_column}) || ' is kept with the row''s details, not as the field.'"

def _cap(text_: str) -> str:
    return text_[:1].upper() + text_[1:]


def _limits():
    from .checking import column_limits

    return column_limits()


def _districts(cursor) -> None:
    """area_code as district_code_at gives it, for every located row at once (see writing.py)."""
    import numpy as np

    cursor.execute("CREATE TEMP TABLE asset_import_nearest (row_number integer PRIMARY KEY, "
                   "district_code varchar(9)) ON COMMIT DROP")
    cursor.execute("SELECT row_number, ST_X(point), ST_Y(point) FROM bulk_rows WHERE NOT rejected AND point IS NOT NULL")
    located = cursor.fetchall()
    if len(located) < NEAREST_IN_ONE_PASS_ROWS:
        cursor.execute("INSERT INTO asset_import_nearest SELECT row_number, district_code_at(point) FROM bulk_rows "
                       "WHERE NOT rejected AND point IS NOT NULL")
        return
    numbers = np.array(located, dtype=float)
    codes = nearest_postcode_districts(cursor, numbers[:, 1], numbers[:, 2])
    with cursor.copy("COPY asset_import_nearest FROM STDIN") as copy:
        for number, code in zip(numbers[:, 0].astype(int).tolist(), codes, strict=True):
            copy.write_row((number, code))
    cursor.execute("ALTER TABLE bulk_rows RENAME TO asset_import_stage")
    try:
        for statement in DISTRICT_STEPS_SQL:
            cursor.execute(statement.replace("s.pt", "s.point"))
    finally:
        cursor.execute("ALTER TABLE asset_import_stage RENAME TO bulk_rows")


INSERT_SQL = """
    INSERT INTO asset (authority_code, reference, name, description, address, postcode, uprn, title_numbers,
                       asset_type, current_use, condition, occupancy, surplus_status, floor_area_m2, site_area_m2,
                       market_value_gbp, tenure, tenure_detail, other_detail, street_number, street, post_town,
                       asset_type_label, extra, location_source, point, footprint, area_code)
    SELECT r.authority_code, r.reference, r.name, r.description, r.address, r.postcode, r.uprn, r.title_numbers,
           r.asset_type, r.current_use, r.condition, r.occupancy, r.surplus_status, r.floor_area_m2,
           r.site_area_m2, r.market_value_gbp, r.tenure, r.tenure_detail, r.other_detail, r.street_number,
           r.street, r.post_town, r.asset_type_label,
           r.extra || CASE WHEN r.condition_problem IS NOT NULL THEN jsonb_build_object(%(condition)s::text, r.raw_condition)
                           ELSE '{}' END
                   || CASE WHEN r.occupancy_problem IS NOT NULL THEN jsonb_build_object(%(occupancy)s::text, r.raw_occupancy)
                           ELSE '{}' END
                   || CASE WHEN r.surplus_status_problem IS NOT NULL
                           THEN jsonb_build_object(%(surplus_status)s::text, r.raw_surplus_status) ELSE '{}' END
                   || CASE WHEN r.raw_uprn IS NOT NULL AND r.uprn IS NULL
                           THEN jsonb_build_object(%(uprn)s::text, r.raw_uprn) ELSE '{}' END
                   || CASE WHEN r.titles_bad THEN jsonb_build_object(%(title_numbers)s::text, r.raw_title_numbers)
                           ELSE '{}' END
                   || CASE WHEN r.raw_postcode IS NOT NULL AND NOT r.postcode_shaped
                           THEN jsonb_build_object(%(postcode)s::text, r.raw_postcode) ELSE '{}' END,
           r.location_source, r.point, r.footprint, n.district_code
      FROM bulk_rows r LEFT JOIN asset_import_nearest n USING (row_number)
     WHERE NOT r.rejected ORDER BY r.row_number
"""


def _insert(cursor, labels: dict[str, str], lap) -> None:
    """Indexes off, one INSERT … SELECT, indexes rebuilt, the grid rebuilt, the change noted."""
    cursor.execute("SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.schemaname = 'public' "
                   "AND i.tablename = 'asset' AND i.indexname NOT IN (SELECT conname FROM pg_constraint "
                   "WHERE conrelid = 'asset'::regclass)")
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    cursor.execute("ALTER TABLE asset DISABLE TRIGGER USER")
    cursor.execute(INSERT_SQL, labels)
    cursor.execute("ALTER TABLE asset ENABLE TRIGGER USER")
    lap("insert")
    # Index builds sort in memory (the ceiling probe, bench/bulk_ceiling.py, builds each in one pass) and
    # btrees may use the second core; GIN/GiST builds are serial on PostgreSQL 15.
    cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
    cursor.execute("SET LOCAL max_parallel_maintenance_workers = 2")
    for _, definition in indexes:
        cursor.execute(definition)
    lap("indexes")
    cursor.execute("SELECT asset_grid_rebuild()")
    # What the disabled statement trigger (register_change, migration 0015) would have noted.
    cursor.execute("INSERT INTO register_change_pending VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING")
    cursor.execute("ANALYZE asset")
    lap("grid")

