"""The benchmark's world: its own database, the ONS gazetteer and N seeded assets.

Assets sit at real ONS postcode centroids (so they cluster like UK towns),
jittered ~50 m; 70% are points only, 30% carry a footprint. They go in by
the owner's bulk path, the same code as `flask assets bulk-load`
(`registry.imports.bulk`: COPY of the CSV, set-based checks, secondary indexes
dropped and rebuilt, the grid rebuilt in one pass); then the table is CLUSTERed
on its GiST index and analysed. A fixed, seeded table of 10k query points (other real
postcodes) is shared by the SQL and the HTTP runs.

Everything lives in the benchmark's own database; the `bench` schema holds the
staging table, the dataset's fingerprint and the query points, so a second run
with the same size and seed reuses the data.
"""

from __future__ import annotations

import math
import random
import subprocess
import time
from dataclasses import dataclass

import psycopg

from fixtures import demo

SIZES = {"S": 10_000, "M": 100_000, "L": 1_000_000}
QUERY_POINTS = 10_000
JITTER_M = 50.0
FOOTPRINT_SHARE = 0.30
TEXT_QUERIES = ["library", "community centre", "swimming pool", "allotments", "youth club", "car park",
                "depot", "pavilion", "vacant", "former school", "public toilets", "museum"]
DATASET_VERSION = 1  # bump when the generator changes, so old data is not reused


@dataclass
class Dataset:
    size: str
    assets: int
    seed: int
    reused: bool
    load_seconds: float
    rows_per_second: float | None


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def ensure_database(name: str, host: str, port: int, user: str, password: str) -> None:
    admin = f"postgresql://{user}:{password}@{host}:{port}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            log(f"creating database {name}")
            conn.execute(f'CREATE DATABASE "{name}"')
    # performance.md, "planner traps": the data is in memory, so random reads cost about what sequential
    # ones do; without this the planner prefers a full scan for dense viewports. The owner may set it.
    with psycopg.connect(f"postgresql://{user}:{password}@{host}:{port}/{name}", autocommit=True) as conn:
        try:
            conn.execute(f'ALTER DATABASE "{name}" SET random_page_cost = 1.1')
        except psycopg.errors.InsufficientPrivilege:
            log(f"could not set random_page_cost on {name} (not its owner): the planner keeps the default")


def migrate(sqlalchemy_url: str) -> None:
    # The app's own Alembic migrations, exactly as the tests run them.
    from tests.conftest import migrate as migrate_to_head

    migrate_to_head(sqlalchemy_url)


def ensure_gazetteer(app, conn: psycopg.Connection, size: str) -> str:
    """The ONS postcodes and districts: all of the UK, or only the demo areas for a quick S run."""
    from registry import db, places

    scope = conn.execute("SELECT value FROM bench.meta WHERE key = 'gazetteer'").fetchone()
    scope = scope[0] if scope else None
    has_rows = conn.execute("SELECT EXISTS (SELECT 1 FROM postcode)").fetchone()[0]
    wanted = "demo" if size == "S" else "all"
    if has_rows and scope in ("all", wanted):
        return scope
    areas = demo.DEMO_POSTCODE_AREAS if wanted == "demo" else None
    log(f"loading the ONS postcode gazetteer ({'demo areas' if areas else 'all of the UK'}); ~1-2 min once")
    started = time.perf_counter()
    with app.app_context():
        count = places.load_postcodes(areas)
        places.load_authorities()
        db.session.commit()
        db.session.remove()
    conn.execute("INSERT INTO bench.meta VALUES ('gazetteer', %s) ON CONFLICT (key) DO UPDATE SET value = %s",
                 (wanted, wanted))
    conn.execute("DELETE FROM bench.meta WHERE key = 'dataset'")
    log(f"gazetteer: {count:,} postcodes in {time.perf_counter() - started:.0f} s")
    return wanted


def prepare_schema(conn: psycopg.Connection) -> None:
    conn.execute("CREATE SCHEMA IF NOT EXISTS bench")
    conn.execute("CREATE TABLE IF NOT EXISTS bench.meta (key text PRIMARY KEY, value text NOT NULL)")
    conn.execute("CREATE TABLE IF NOT EXISTS bench.query_point (id integer PRIMARY KEY, postcode text NOT NULL, "
                 "lon float8 NOT NULL, lat float8 NOT NULL, words text NOT NULL)")


def fingerprint(size: str, seed: int) -> str:
    return f"v{DATASET_VERSION}:{size}:{SIZES[size]}:{seed}"


def ensure_dataset(app, conn: psycopg.Connection, size: str, seed: int) -> Dataset:
    prepare_schema(conn)
    ensure_gazetteer(app, conn, size)
    wanted = fingerprint(size, seed)
    current = conn.execute("SELECT value FROM bench.meta WHERE key = 'dataset'").fetchone()
    count = conn.execute("SELECT count(*) FROM asset").fetchone()[0]
    if current and current[0] == wanted and count == SIZES[size]:
        log(f"reusing {count:,} assets ({wanted})")
        ensure_query_points(conn, seed)
        return Dataset(size, count, seed, True, 0.0, None)
    started = time.perf_counter()
    rows_per_second = load_assets(conn, SIZES[size], seed)
    ensure_query_points(conn, seed, force=True)
    conn.execute("INSERT INTO bench.meta VALUES ('dataset', %s) ON CONFLICT (key) DO UPDATE SET value = %s",
                 (wanted, wanted))
    elapsed = time.perf_counter() - started
    return Dataset(size, SIZES[size], seed, False, elapsed, rows_per_second)


# ---------------------------------------------------------------- generation

def sample_postcodes(conn: psycopg.Connection, n: int, salt: str) -> list[tuple]:
    """n distinct real postcodes in districts the register knows, in a seeded, layout-independent order."""
    return conn.execute(
        "SELECT p.postcode, p.district_code, ST_X(p.point), ST_Y(p.point) FROM postcode p "
        "JOIN authority a ON a.code = p.district_code ORDER BY md5(%s || p.compact) LIMIT %s",
        (salt, n),
    ).fetchall()


def offset_degrees(lat: float, dx_m: float, dy_m: float) -> tuple[float, float]:
    return dx_m / (111_320 * math.cos(math.radians(lat))), dy_m / 110_540


def rectangle_wkt(lon: float, lat: float, area_m2: float, rng: random.Random) -> str:
    """A rotated rectangle of about area_m2 centred on the point (always valid, contains it)."""
    aspect = rng.uniform(0.5, 2.0)
    width = math.sqrt(area_m2 * aspect)
    height = area_m2 / width
    angle = rng.uniform(0, math.pi / 2)
    cos_a, sin_a = math.cos(angle), math.sin(angle)
    corners = []
    for sx, sy in ((-1, -1), (1, -1), (1, 1), (-1, 1), (-1, -1)):
        x, y = sx * width / 2, sy * height / 2
        dlon, dlat = offset_degrees(lat, x * cos_a - y * sin_a, x * sin_a + y * cos_a)
        corners.append(f"{lon + dlon:.7f} {lat + dlat:.7f}")
    return f"MULTIPOLYGON((({', '.join(corners)})))"


def generate_rows(postcodes: list[tuple], seed: int):
    """One staging row per postcode: believable names, types and statuses from the demo vocabulary."""
    rng = random.Random(seed)
    type_weights = {t: p[0] for t, p in demo.TYPE_PROFILES.items()}
    types, type_w = list(type_weights), list(type_weights.values())
    statuses, status_w = list(demo.STATUS_WEIGHTS), list(demo.STATUS_WEIGHTS.values())
    for index, (postcode, district, lon, lat) in enumerate(postcodes, start=1):
        asset_type = rng.choices(types, type_w)[0]
        _, floor_range, site_range, value_range = demo.TYPE_PROFILES[asset_type]
        street, place = rng.choice(demo.STREETS), rng.choice(demo.PLACE_WORDS)
        name = rng.choice(demo.TYPE_NAMES[asset_type]).format(street=street, place=place)
        status = rng.choices(statuses, status_w)[0]
        vacant = status in ("surplus", "available_for_transfer") and rng.random() < 0.6
        occupancy = "vacant" if vacant else ("partly_used" if rng.random() < 0.15 else "in_use")
        floor_area = round(rng.uniform(*floor_range)) if floor_range else None
        site_area = round(max(rng.uniform(*site_range), (floor_area or 0) * 1.2))
        value = round((floor_area or site_area) * rng.uniform(*value_range), -3)
        dlon, dlat = offset_degrees(lat, rng.gauss(0, JITTER_M), rng.gauss(0, JITTER_M))
        lon, lat = round(lon + dlon, 7), round(lat + dlat, 7)
        footprint = None
        if rng.random() < FOOTPRINT_SHARE:
            footprint = rectangle_wkt(lon, lat, min(floor_area or site_area, 20_000), rng)
        description = (f"{demo.assets.ASSET_TYPES[asset_type]} owned by the council. "
                       f"{'Vacant and looking for a new use.' if vacant else demo.USES[asset_type] + '.'}")
        yield (district, f"bench-{index:07d}", name, description, f"{rng.randint(1, 180)} {street}", postcode,
               rng.randint(10_000_000, 999_999_999_999) if rng.random() < 0.85 else None, asset_type,
               None if vacant else demo.USES[asset_type],
               rng.choice(["good", "fair", "fair", "poor", "very_poor"]), occupancy, status,
               floor_area, site_area, value, lon, lat, footprint, district)


CSV_HEADER = ["Authority", "Reference", "Name", "Description", "Address", "Postcode", "UPRN", "Type", "Current use",
              "Condition", "Occupancy", "Status", "Floor area", "Site area", "Market value", "Longitude", "Latitude",
              "Geometry"]


def dataset_csv(rows) -> bytes:
    """The generated rows as the CSV a national extract would be (the columns `flask assets bulk-load` reads)."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for row in rows:
        writer.writerow(["" if value is None else value for value in row[:18]])
    return out.getvalue().encode()


def load_assets(conn: psycopg.Connection, n: int, seed: int) -> float:
    """Through the owner's bulk path (`registry.imports.bulk`, as `flask assets bulk-load`): COPY, set-based
    checks, indexes dropped and rebuilt, grid rebuilt; then CLUSTER and VACUUM ANALYZE for the benchmark."""
    from registry.imports import bulk

    log(f"generating {n:,} assets at real postcodes (seed {seed})")
    postcodes = sample_postcodes(conn, n, f"assets-{seed}-")
    if len(postcodes) < n:
        raise SystemExit(f"only {len(postcodes):,} postcodes available for {n:,} assets: load the full gazetteer")
    data = dataset_csv(generate_rows(postcodes, seed))
    started = time.perf_counter()
    with conn.transaction(), conn.cursor() as cursor:
        cursor.execute("TRUNCATE asset RESTART IDENTITY CASCADE")
        report = bulk.load_csv(cursor, data, path="bench dataset")
        if not report.written or report.rejected:
            raise SystemExit(f"the bulk load refused the dataset: {[r.text for r in report.rejected[:5]]}")
        loaded = time.perf_counter()
        cursor.execute("CLUSTER asset USING ix_asset_point")
    conn.execute("VACUUM ANALYZE asset")
    conn.execute("VACUUM ANALYZE asset_grid_cell")
    done = time.perf_counter()
    rate = n / (loaded - started)
    log(f"loaded {n:,} assets through imports.bulk in {loaded - started:.1f} s ({rate:,.0f} rows/s: "
        + ", ".join(f"{k} {v:.1f} s" for k, v in report.timings.items())
        + f"); CLUSTER + VACUUM ANALYZE {done - loaded:.1f} s")
    return rate


def ensure_query_points(conn: psycopg.Connection, seed: int, force: bool = False) -> None:
    have = conn.execute("SELECT count(*) FROM bench.query_point").fetchone()[0]
    salt = conn.execute("SELECT value FROM bench.meta WHERE key = 'query_points'").fetchone()
    if have == QUERY_POINTS and salt and salt[0] == str(seed) and not force:
        return
    rng = random.Random(seed + 1)
    points = sample_postcodes(conn, QUERY_POINTS, f"queries-{seed}-")
    with conn.transaction():
        conn.execute("TRUNCATE bench.query_point")
        with conn.cursor() as cursor, cursor.copy("COPY bench.query_point FROM STDIN") as copy:
            for i, (postcode, _, lon, lat) in enumerate(points):
                copy.write_row((i, postcode, round(lon, 6), round(lat, 6), rng.choice(TEXT_QUERIES)))
        conn.execute("INSERT INTO bench.meta VALUES ('query_points', %s) ON CONFLICT (key) DO UPDATE "
                     "SET value = %s", (str(seed), str(seed)))


def query_points(conn: psycopg.Connection) -> list[tuple[str, float, float, str]]:
    return conn.execute("SELECT postcode, lon, lat, words FROM bench.query_point ORDER BY id").fetchall()


def server_versions(conn: psycopg.Connection) -> dict:
    pg = conn.execute("SHOW server_version").fetchone()[0]
    postgis = conn.execute("SELECT postgis_lib_version()").fetchone()[0]
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                                check=False).stdout.strip() or None
    except OSError:
        commit = None
    return {"postgresql": pg, "postgis": postgis, "commit": commit}
