"""The physical ceiling of an initial load on this machine (issue 14 item 5), to judge the bulk path by.

    TEST_DATABASE_OWNER_URL=... .venv/bin/python bench/bulk_ceiling.py --rows 100000

The same CSV as bench/import_rate.py's generator, timed step by step in one transaction that is rolled
back: COPY into an UNLOGGED and a TEMP table of text columns; COPY into a bare copy of `asset` (no
index, no generated column, no FK, no trigger); the same with the generated columns; and each of the
asset table's secondary indexes built on the loaded copy. Wall seconds and the backend's CPU seconds.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.import_rate import backend_cpu_s, generate_csv  # noqa: E402

COLUMNS = ("reference, name, authority_code, asset_type, address, postcode, uprn, titles_text, "
           "surplus_status, floor_area_m2, market_value_gbp, lon, lat")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    url = os.environ.get("TEST_DATABASE_OWNER_URL") or os.environ["DATABASE_OWNER_URL"]
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        backend = cur.execute("SELECT pg_backend_pid()").fetchone()[0]
        postcodes = cur.execute("SELECT p.postcode, p.district_code, ST_X(p.point), ST_Y(p.point) FROM postcode p "
                                "JOIN authority a ON a.code = p.district_code").fetchall()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "assets.csv"
            generate_csv(path, args.rows, postcodes, bng=False)
            data = path.read_bytes()
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
        cur.execute("SET LOCAL work_mem = '256MB'")
        results = []

        def step(name, statements, copy_into=None):
            started, cpu = time.monotonic(), backend_cpu_s(backend)
            for statement in statements:
                cur.execute(statement)
            if copy_into:
                with cur.copy(copy_into) as copy:
                    for start in range(0, len(data), 1 << 20):
                        copy.write(data[start:start + (1 << 20)])
            wall, used = time.monotonic() - started, backend_cpu_s(backend) - cpu
            results.append((name, wall, used))
            print(f"{name:58} {wall:7.2f}s wall {used:7.2f}s CPU  {args.rows / wall:>10,.0f} rows/s", flush=True)

        text_cols = ", ".join(f"c{i} text" for i in range(13))
        step("COPY csv -> UNLOGGED text staging", [f"CREATE UNLOGGED TABLE ceil_unlogged ({text_cols})"],
             "COPY ceil_unlogged FROM STDIN (FORMAT csv, HEADER true)")
        step("COPY csv -> TEMP text staging", [f"CREATE TEMP TABLE ceil_temp ({text_cols})"],
             "COPY ceil_temp FROM STDIN (FORMAT csv, HEADER true)")
        step("COPY FREEZE csv -> UNLOGGED text staging (same xact)",
             [f"CREATE UNLOGGED TABLE ceil_frozen ({text_cols})"],
             "COPY ceil_frozen FROM STDIN (FORMAT csv, HEADER true, FREEZE true)")
        # LIKE without INCLUDING GENERATED/INDEXES/CONSTRAINTS: plain columns, nothing derived or checked.
        bare = ("CREATE TABLE ceil_bare (LIKE asset INCLUDING DEFAULTS); "
                "ALTER TABLE ceil_bare ADD COLUMN lon float8, ADD COLUMN lat float8, ADD COLUMN titles_text text")
        step("COPY csv -> bare asset copy (typed, no index/FK/generated)", [bare],
             f"COPY ceil_bare ({COLUMNS}) FROM STDIN (FORMAT csv, HEADER true)")
        step("  + point from lon/lat (UPDATE, whole table)",
             ["UPDATE ceil_bare SET point = ST_SetSRID(ST_MakePoint(lon, lat), 4326), title_numbers = ARRAY[titles_text]"])
        step("INSERT SELECT into bare copy (no index)",
             ["CREATE TABLE ceil_bare2 (LIKE ceil_bare INCLUDING DEFAULTS)",
              "INSERT INTO ceil_bare2 SELECT * FROM ceil_bare"])
        gen = ("CREATE TABLE ceil_gen (LIKE asset INCLUDING DEFAULTS INCLUDING GENERATED); "
               "ALTER TABLE ceil_gen ADD COLUMN lon float8, ADD COLUMN lat float8, ADD COLUMN titles_text text")
        cols = [r[0] for r in cur.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'ceil_bare' "
            "AND column_name NOT IN (SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'asset' AND is_generated = 'ALWAYS') ORDER BY ordinal_position").fetchall()]
        step("INSERT SELECT into copy WITH generated columns (tsvector)",
             [gen, f"INSERT INTO ceil_gen ({', '.join(cols)}) SELECT {', '.join(cols)} FROM ceil_bare"])
        indexes = cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' "
                              "AND tablename = 'asset'").fetchall()
        for name, definition in indexes:
            sql = definition.replace(" ON public.asset ", " ON ceil_gen ").replace(f"INDEX {name} ", f"INDEX c_{name} ")
            step(f"index {name}", [sql])
        total = sum(w for n, w, _ in results if n.startswith("index "))
        print(f"{'all indexes':58} {total:7.2f}s wall", flush=True)
        # The app role's floor (issue 10 item 12): it may not drop an index or disable a trigger, so new
        # rows go into the register with every index in place. A copy with all of them (LIKE … INCLUDING
        # ALL: indexes, generated columns, CHECKs; no FK, no trigger) holding the register's rows, then the
        # file's rows in one INSERT … SELECT; and the same copy with only the primary and unique keys.
        register = ", ".join(c for c in cols if c not in ("lon", "lat", "titles_text"))
        # The generator writes statuses as a council would ("under review"); the copies keep asset's CHECKs.
        cur.execute("UPDATE ceil_bare SET surplus_status = replace(surplus_status, ' ', '_')")
        for name, keep_secondary in (("populated copy, EVERY index (app-role floor)", True),
                                     ("populated copy, primary + unique keys only", False)):
            table = "ceil_all" if keep_secondary else "ceil_keys"
            cur.execute(f"CREATE TABLE {table} (LIKE asset INCLUDING ALL)")
            cur.execute(f"INSERT INTO {table} ({register}) SELECT {register} FROM asset")
            if not keep_secondary:
                for (index,) in cur.execute("SELECT indexname FROM pg_indexes WHERE tablename = %s "
                                            "AND indexdef NOT LIKE 'CREATE UNIQUE %%'", (table,)).fetchall():
                    cur.execute(f'DROP INDEX "{index}"')
            cur.execute(f"ANALYZE {table}")
            step(f"INSERT SELECT into {name}", [f"INSERT INTO {table} ({register}) SELECT {register} FROM ceil_bare"])
        conn.rollback()


if __name__ == "__main__":
    main()
