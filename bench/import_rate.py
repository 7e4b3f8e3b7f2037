"""How fast `flask assets import` takes a big CSV: generate N rows at real postcodes, import, roll back.

    TEST_DATABASE_URL=... .venv/bin/python -m bench.import_rate [--rows 100000] [--bng] [--results FILE.md]

Rows sit at the gazetteer's postcodes (whatever areas the database holds), jittered ~50 m, with
realistic fields. The import runs twice inside one transaction (first inserts, then the same file
again: all unchanged), then a third time with every name changed (all updated); then everything is
rolled back. Prints rows/s for each and the read/check/write split, the write step's own rate (COPY into
staging, the set-based checks and the merge: the part `registry/imports/writing.py` owns), and how long
`flask --help` and `flask assets import --help` take (best of three). With --results, writes them as Markdown.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import text

from registry import create_app, db, imports, places
from registry.config import Settings, normalise_database_url

TYPES = ["community_centre", "library", "park_pavilion", "public_toilet", "depot", "office", "land"]
STATUSES = ["operational", "under review", "surplus", "available for transfer"]


def generate_csv(path: Path, rows: int, postcodes: list[tuple], *, bng: bool, seed: int = 7,
                 authority_of=None, suffix: str = "") -> None:
    rng = random.Random(seed)
    picks = [postcodes[rng.randrange(len(postcodes))] for _ in range(rows)]
    lons = [p[2] + rng.uniform(-0.0007, 0.0007) for p in picks]
    lats = [p[3] + rng.uniform(-0.00045, 0.00045) for p in picks]
    if bng:
        eastings, northings = places.wgs84_to_bng(lons, lats)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        coords = ["Easting", "Northing"] if bng else ["Longitude", "Latitude"]
        writer.writerow(["Reference", "Asset Name", "Authority", "Type", "Address", "Postcode", "UPRN",
                         "Title Number(s)", "Status", "Floor area", "Market value", *coords])
        for i, (postcode, district, _lon, _lat) in enumerate(picks):
            xy = (f"{eastings[i]:.1f}", f"{northings[i]:.1f}") if bng else (f"{lons[i]:.6f}", f"{lats[i]:.6f}")
            writer.writerow([f"BENCH-{i:07d}", f"Bench asset {i}{suffix}", district, rng.choice(TYPES),
                             f"{rng.randint(1, 200)} High Street", postcode, 10_000_000 + i,
                             f"WYK{100000 + i}", rng.choice(STATUSES), rng.randint(50, 3000),
                             rng.randint(10, 900) * 1000, *xy])


def backend_cpu_s(pid: int) -> float | None:
    """CPU seconds the PostgreSQL backend has used (when the server runs on this machine)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def compact_register() -> None:
    """VACUUM FULL the asset table and its satellites first, when the owner's URL is given.

    Every pass here is rolled back, and a rolled-back INSERT leaves its dead rows in the table and its
    13 indexes (GIN and GiST included) until a vacuum: measured at 100,000 rows, a second run's insert
    took 7.8-8.9 s on the bloated table against 5.5 s after VACUUM FULL. Without this, each run measures
    the runs before it.
    """
    owner = os.environ.get("TEST_DATABASE_OWNER_URL") or os.environ.get("DATABASE_OWNER_URL")
    if not owner:
        print("(no owner URL: the asset table is not vacuumed first; runs after the first are slower)")
        return
    import psycopg

    with psycopg.connect(owner, autocommit=True) as conn:
        for table in ("asset", "asset_status_change", "asset_grid_cell", "asset_grid_status_cell",
                      "asset_grid_mid_cell", "asset_grid_mid_status_cell", "asset_grid_coarse_cell",
                      "asset_grid_coarse_status_cell"):
            conn.execute(f"VACUUM (FULL, ANALYZE) {table}")


def cli_seconds(*arguments: str) -> float:
    """Best of three wall-clock times of `flask ARGUMENTS` (a fresh interpreter each time)."""
    flask = str(Path(sys.executable).with_name("flask"))
    env = {**os.environ, "FLASK_APP": "app.py"}
    best = float("inf")
    for _ in range(3):
        started = time.monotonic()
        subprocess.run([flask, *arguments], env=env, check=True, capture_output=True,
                       cwd=Path(__file__).resolve().parent.parent)
        best = min(best, time.monotonic() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--bng", action="store_true", help="easting/northing instead of lon/lat")
    parser.add_argument("--results", help="write the figures to this Markdown file")
    parser.add_argument("--bulk", action="store_true",
                        help="the owner's initial load (flask assets bulk-load) into an emptied register instead")
    args = parser.parse_args()
    if args.bulk:
        bulk_main(args)
        return
    lines = []
    url = normalise_database_url(os.environ.get("TEST_DATABASE_URL") or os.environ["DATABASE_URL"])
    compact_register()
    app = create_app(Settings(database_url=url, secret_key="bench", tile_url="", testing=True))
    with app.app_context():
        backend = db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
        postcodes = db.session.execute(text(
            "SELECT p.postcode, p.district_code, ST_X(p.point), ST_Y(p.point) FROM postcode p "
            "JOIN authority a ON a.code = p.district_code")).all()
        with tempfile.TemporaryDirectory() as tmp:
            first, changed = Path(tmp) / "assets.csv", Path(tmp) / "assets_changed.csv"
            generate_csv(first, args.rows, postcodes, bng=args.bng)
            generate_csv(changed, args.rows, postcodes, bng=args.bng, suffix=" (renamed)")
            try:
                for label, path in (("insert", first), ("re-import, unchanged", first), ("update", changed)):
                    started, cpu, db_cpu = time.monotonic(), time.process_time(), backend_cpu_s(backend)
                    report = imports.import_file(path)
                    seconds = time.monotonic() - started
                    cpu = time.process_time() - cpu
                    db_cpu = backend_cpu_s(backend) - db_cpu if db_cpu is not None else float("nan")
                    assert report.written and not report.rejected, report.rejected[:5]
                    split = ", ".join(f"{k} {v:.2f}s" for k, v in report.timings.items())
                    write_s = report.timings.get("write", 0.0)
                    line = (f"{label:22} {report.total:,} rows in {seconds:.2f}s = {report.total / seconds:,.0f} "
                            f"rows/s (write step alone {report.total / write_s if write_s else 0:,.0f} rows/s); "
                            f"CPU: Python {cpu:.2f}s + PostgreSQL {db_cpu:.2f}s = "
                            f"{report.total / (cpu + db_cpu):,.0f} rows per CPU-second; "
                            f"load {os.getloadavg()[0]:.1f} ({split}); {report.inserted:,} added, "
                            f"{report.updated:,} updated, {report.unchanged:,} unchanged")
                    print(line, flush=True)
                    lines.append(line)
            finally:
                db.session.rollback()
    for arguments in (("--help",), ("assets", "import", "--help")):
        line = f"flask {' '.join(arguments)}: {cli_seconds(*arguments):.2f}s (best of 3; load {os.getloadavg()[0]:.1f})"
        print(line, flush=True)
        lines.append(line)
    if args.results:
        Path(args.results).write_text("```\n" + "\n".join(lines) + "\n```\n", encoding="utf-8")


def bulk_main(args) -> None:
    """`registry.imports.bulk.load_csv` as the owner role into an empty register (TRUNCATE, then rolled back)."""
    from registry.imports import bulk

    url = normalise_database_url(os.environ.get("TEST_DATABASE_OWNER_URL") or os.environ["DATABASE_OWNER_URL"])
    app = create_app(Settings(database_url=url, secret_key="bench", tile_url="", testing=True))
    with app.app_context():
        cursor = db.session.connection().connection.driver_connection.cursor()
        backend = cursor.execute("SELECT pg_backend_pid()").fetchone()[0]
        postcodes = cursor.execute(
            "SELECT p.postcode, p.district_code, ST_X(p.point), ST_Y(p.point) FROM postcode p "
            "JOIN authority a ON a.code = p.district_code").fetchall()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "assets.csv"
            generate_csv(path, args.rows, postcodes, bng=args.bng)
            data = path.read_bytes()
            try:
                cursor.execute("TRUNCATE asset CASCADE")
                load_before = os.getloadavg()[0]
                started, cpu, db_cpu = time.monotonic(), time.process_time(), backend_cpu_s(backend)
                report = bulk.load_csv(cursor, data, path=str(path))
                seconds = time.monotonic() - started
                cpu = time.process_time() - cpu
                db_cpu = backend_cpu_s(backend) - db_cpu if db_cpu is not None else float("nan")
                assert report.written and not report.rejected, report.rejected[:5]
                split = ", ".join(f"{k} {v:.2f}s" for k, v in report.timings.items())
                line = (f"bulk load (owner, empty register) {report.total:,} rows in {seconds:.2f}s = "
                        f"{report.total / seconds:,.0f} rows/s; CPU: Python {cpu:.2f}s + PostgreSQL {db_cpu:.2f}s = "
                        f"{report.total / (cpu + db_cpu):,.0f} rows per CPU-second; load {load_before:.1f} → "
                        f"{os.getloadavg()[0]:.1f} ({split}); {report.inserted:,} added, {len(report.warnings):,} "
                        "warnings")
                print(line, flush=True)
            finally:
                db.session.rollback()
    if args.results:
        with Path(args.results).open("a", encoding="utf-8") as out:
            out.write("```\n" + line + "\n```\n")


if __name__ == "__main__":
    main()
