"""Search latency through HTTP and in raw SQL, on the same data and the same query points.

    .venv/bin/python -m bench.run --size S|M|L --requests 300

1. Creates (once) its own database, `registry_bench`, migrated with the app's
   Alembic migrations, with the ONS gazetteer and N seeded assets (bench/dataset.py).
2. Capture: each request of each workload goes once through the real app
   in-process (Flask test client); every statement it sends to PostgreSQL is
   recorded with its parameters (SQLAlchemy `before_cursor_execute`). So the
   SQL run replays exactly what registry/search.py (and any endpoint) sends,
   and cannot drift from it.
3. SQL: the captured statements replayed through psycopg as prepared
   statements (autocommit, `jit=off` like the app), one connection, timed per request.
4. HTTP: the real app under gunicorn (2 workers × 4 threads), one keep-alive
   client (http.client), timed per request after a warm-up. Also the app
   in-process (test client), to split socket/gunicorn from Flask + SQLAlchemy.
   SQL, HTTP and in-process alternate in blocks of 20 requests, so load from
   neighbours on a shared machine falls on all three alike.
5. Optional: throughput at concurrency with wrk (--wrk-seconds), EXPLAIN
   ANALYZE of a request near each workload's SQL p95 (--explain), and the
   peer: pygeoapi serving the same table (bench/peer.py), bbox workload (--peer).: pygeoapi serving the same table (bench/peer.py), bbox workload.

Writes bench/results/<size>.json and <size>.md. With --size S (or --check) it
exits non-zero on gross regressions only (HTTP p95 over 200 ms, SQL p95 over
100 ms, or any failed request); the numbers themselves live in the results.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import orjson
import psycopg

from bench import dataset
from bench.dataset import log

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BOUNDS_MS = {"http_p95": 200.0, "sql_p95": 100.0}
VIEWPORT_PX = (1280, 800)


@dataclass
class Workload:
    name: str
    title: str
    url: object  # (lon, lat, words) -> path with query string
    optional: bool = False


def viewport(lon: float, lat: float, width_m: float, height_m: float) -> str:
    dlon, dlat = dataset.offset_degrees(lat, width_m / 2, height_m / 2)
    return f"{lon - dlon:.6f},{lat - dlat:.6f},{lon + dlon:.6f},{lat + dlat:.6f}"


def map_viewport(lon: float, lat: float, zoom: int) -> str:
    """The bbox a 1280×800 px web-mercator map shows at this zoom, centred on the point."""
    degrees_per_px = 360 / (256 * 2 ** zoom)
    half_w = VIEWPORT_PX[0] / 2 * degrees_per_px
    half_h = VIEWPORT_PX[1] / 2 * degrees_per_px * math.cos(math.radians(lat))
    return f"{lon - half_w:.6f},{lat - half_h:.6f},{lon + half_w:.6f},{lat + half_h:.6f}"


ITEMS = "/api/collections/assets/items?"
WORKLOADS = [
    Workload("radius", "radius 1 km (`near`, limit 10)",
             lambda lon, lat, w: ITEMS + urlencode({"near": f"{lon},{lat}", "radius": 1000})),
    Workload("nearest", "nearest 10 (`nearest`)",
             lambda lon, lat, w: ITEMS + urlencode({"nearest": f"{lon},{lat}", "limit": 10})),
    Workload("bbox", "viewport 2 × 1.5 km, limit 100, with numberMatched",
             lambda lon, lat, w: ITEMS + urlencode({"bbox": viewport(lon, lat, 2000, 1500), "limit": 100})),
    Workload("text", "text search (`q`, ranked, limit 10)",
             lambda lon, lat, w: ITEMS + urlencode({"q": w})),
    Workload("clusters_z9", "map clusters, zoom 9 (1280×800 px)",
             lambda lon, lat, w: "/api/map/clusters?" + urlencode({"bbox": map_viewport(lon, lat, 9), "zoom": 9}),
             optional=True),
    Workload("clusters_z15", "map assets, zoom 15 (1280×800 px)",
             lambda lon, lat, w: "/api/map/clusters?" + urlencode({"bbox": map_viewport(lon, lat, 15),
                                                                  "zoom": 15}), optional=True),
]



def tile_path(lon: float, lat: float, zoom: int) -> str:
    """The register's vector tile (issue 13) holding the point at this zoom (Web Mercator, XYZ)."""
    n = 2 ** zoom
    x = min(n - 1, int((lon + 180.0) / 360.0 * n))
    y = min(n - 1, int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n))
    return f"/tiles/assets/{zoom}/{x}/{y}.mvt"


TILE_ZOOMS = (6, 10, 14, 16)
WORKLOADS += [
    Workload(f"tile_z{z}", f"vector tile z{z} ({'clusters' if z <= 14 else 'assets + footprints'})",
             lambda lon, lat, w, z=z: tile_path(lon, lat, z), optional=True)
    for z in TILE_ZOOMS
]
WORKLOADS_BY_NAME = {w.name: w for w in WORKLOADS}


@dataclass
class Captured:
    url: str
    statements: list[tuple[str, object]] = field(default_factory=list)
    features: int = 0


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(latencies_s: list[float], wall_s: float, features: int) -> dict:
    ms = [x * 1000 for x in latencies_s]
    return {
        "requests": len(ms),
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "p99_ms": round(percentile(ms, 99), 3),
        "mean_ms": round(statistics.fmean(ms), 3) if ms else None,
        "requests_per_s": round(len(ms) / wall_s, 1) if wall_s else None,
        "features_per_s": round(features / wall_s, 1) if wall_s else None,
        "features_per_request": round(features / len(ms), 1) if ms else None,
    }


def feature_count(body: bytes) -> int:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return 0
    return len(document.get("features", ())) if isinstance(document, dict) else 0


# ---------------------------------------------------------------- capture (in-process, through the real app)

def make_app(sqlalchemy_url: str):
    from registry import create_app
    from registry.config import Settings

    return create_app(Settings(database_url=sqlalchemy_url, secret_key="bench", tile_url="",
                               rate_limits_enabled=False))


def capture(app, workload: Workload, points: list[tuple]) -> list[Captured] | None:
    from sqlalchemy import event

    from registry import db

    current: list = []

    def record(conn, cursor, statement, parameters, context, executemany):
        current.append((statement, parameters))

    def record_read(statement, parameters):
        current.append((statement, parameters))

    engine = db.engine()
    event.listen(engine, "before_cursor_execute", record)
    db.on_read(record_read)  # public reads on the pooled psycopg connections (registry/db.py)
    captured = []
    try:
        client = app.test_client()
        for postcode, lon, lat, words in points:
            current.clear()
            url = workload.url(lon, lat, words)
            response = client.get(url)
            if response.status_code == 404 and workload.optional:
                return None
            if response.status_code != 200:
                raise SystemExit(f"{workload.name}: {url} answered {response.status_code}: "
                                 f"{response.get_data(as_text=True)[:300]}")
            captured.append(Captured(url, list(current), feature_count(response.get_data())))
    finally:
        event.remove(engine, "before_cursor_execute", record)
        db.off_read(record_read)
    return captured


# ---------------------------------------------------------------- measurement, interleaved

class SqlClient:
    """The captured statements as prepared statements on one connection (autocommit, jit off like the app)."""

    def __init__(self, conninfo: str):
        self.conn = psycopg.connect(conninfo, autocommit=True, prepare_threshold=0, options="-c jit=off")

    def request(self, item: Captured) -> tuple[float, float]:
        t0 = time.perf_counter()
        first = 0.0
        for i, (statement, parameters) in enumerate(item.statements):
            self.conn.execute(statement, parameters, prepare=True).fetchall()
            if i == 0:
                first = time.perf_counter() - t0
        return time.perf_counter() - t0, first

    def close(self) -> None:
        self.conn.close()


class HttpClient:
    """One keep-alive connection (http.client), like a single browser tab or script."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, url: str) -> tuple[float, int, bytes]:
        try:
            return self._request(url)
        except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
            self.conn.close()  # the server closed an idle keep-alive connection: reconnect, time again
            return self._request(url)

    def _request(self, url: str) -> tuple[float, int, bytes]:
        t0 = time.perf_counter()
        self.conn.request("GET", url, headers={"Accept": "application/json"})
        response = self.conn.getresponse()
        body = response.read()
        return time.perf_counter() - t0, response.status, body

    def close(self) -> None:
        self.conn.close()


class InProcessClient:
    """The whole request through the app in-process (Flask test client): no socket, no gunicorn."""

    def __init__(self, app):
        self.app, self.client = app, app.test_client()

    def request(self, url: str) -> float:
        with self.app.app_context():
            t0 = time.perf_counter()
            self.client.get(url, headers={"Accept": "application/json"})
            return time.perf_counter() - t0


def measure_interleaved(requests: list[Captured], warm: list[Captured], sql: SqlClient, web: HttpClient,
                        local: InProcessClient | None, block: int = 20) -> dict:
    """SQL, HTTP and in-process runs over the same requests, alternating in blocks of `block` requests,
    so a neighbour's load on this shared machine falls on all three alike."""
    for item in warm:
        sql.request(item)
        web.request(item.url)
        if local:
            local.request(item.url)
    times: dict[str, list[float]] = {"sql": [], "first": [], "http": [], "local": []}
    walls = {"sql": 0.0, "http": 0.0, "local": 0.0}
    failures, http_features, body_bytes = 0, 0, []
    for start in range(0, len(requests), block):
        chunk = requests[start:start + block]
        t0 = time.perf_counter()
        for item in chunk:
            whole, first = sql.request(item)
            times["sql"].append(whole)
            times["first"].append(first)
        walls["sql"] += time.perf_counter() - t0
        t0 = time.perf_counter()
        bodies = []
        for item in chunk:
            elapsed, status, body = web.request(item.url)
            times["http"].append(elapsed)
            failures += status != 200
            bodies.append(body)
        walls["http"] += time.perf_counter() - t0
        http_features += sum(feature_count(b) for b in bodies)
        body_bytes += [len(b) for b in bodies]
        if local:
            t0 = time.perf_counter()
            for item in chunk:
                times["local"].append(local.request(item.url))
            walls["local"] += time.perf_counter() - t0
    features = sum(item.features for item in requests)
    p95 = percentile(times["sql"], 95)
    http = summary(times["http"], walls["http"], http_features)
    http["failures"] = failures
    http["mean_response_bytes"] = round(statistics.fmean(body_bytes)) if body_bytes else 0
    return {
        "sql": summary(times["sql"], walls["sql"], features),
        "sql_first_statement": summary(times["first"], sum(times["first"]), 0),
        "http": http,
        "app_in_process": summary(times["local"], walls["local"], features) if local else None,
        "sql_p95_index": min(range(len(times["sql"])), key=lambda i: abs(times["sql"][i] - p95)),
        "sql_slowest_index": max(range(len(times["sql"])), key=lambda i: times["sql"][i]),
    }


def explain(conninfo: str, item: Captured) -> list[str]:
    """EXPLAIN ANALYZE of the slowest statement of a request near the SQL p95, for the report."""
    with psycopg.connect(conninfo, autocommit=True, options="-c jit=off") as conn:
        slowest, slowest_s = None, -1.0
        for statement, parameters in item.statements:
            t0 = time.perf_counter()
            conn.execute(statement, parameters).fetchall()
            if time.perf_counter() - t0 > slowest_s:
                slowest, slowest_s = (statement, parameters), time.perf_counter() - t0
        if slowest is None:
            return []
        rows = conn.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest[0], slowest[1]).fetchall()
        return [r[0] for r in rows]


# ---------------------------------------------------------------- HTTP

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gunicorn(sqlalchemy_url: str, port: int, workers: int, threads: int, *, cwd: Path = ROOT,
                   env: dict[str, str] | None = None, extra: tuple[str, ...] = ()) -> subprocess.Popen:
    """Gunicorn serving the code in ``cwd`` on 127.0.0.1:``port``, once it answers /api/conformance.

    ``env`` is the server's whole environment bar DATABASE_URL (default: this one with rate limits
    off); ``extra`` goes to gunicorn before the app."""
    if env is None:
        env = {**os.environ, "RATE_LIMITS": "0", "SECRET_KEY": "bench", "TILE_URL": "",
               "PUBLIC_BASE_URL": os.environ.get("PUBLIC_BASE_URL", f"http://127.0.0.1:{port}")}
    env = {**env, "DATABASE_URL": sqlalchemy_url}
    gunicorn = Path(sys.executable).parent / "gunicorn"
    process = subprocess.Popen(
        [str(gunicorn), "-w", str(workers), "--threads", str(threads), "-b", f"127.0.0.1:{port}",
         "--keep-alive", "30", "--log-level", "warning", *extra, "app:app"],
        cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn ({cwd}) exited: {process.stderr.read().decode()[-2000:]}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/conformance")
            if conn.getresponse().status == 200:
                conn.close()
                return process
        except OSError:
            time.sleep(0.2)
    stop(process)
    raise SystemExit(f"gunicorn ({cwd}) did not answer within 60 s")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:
        process.kill()


def run_wrk(port: int, urls: list[str], seconds: int, connections: int, threads: int = 2) -> dict | None:
    """Throughput at concurrency with wrk, cycling through the same URLs (a Lua script)."""
    if not shutil_which("wrk"):
        return None
    script = RESULTS / "wrk-urls.lua.tmp"
    quoted = ",\n".join(json.dumps(u) for u in urls)
    script.write_text("local urls = {\n" + quoted + "\n}\nlocal i = 0\n"
                      "request = function()\n  i = i % #urls + 1\n  return wrk.format('GET', urls[i])\nend\n")
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency",
                          "-s", str(script), f"http://127.0.0.1:{port}"], capture_output=True, text=True, check=False)
    script.unlink(missing_ok=True)
    result = {"connections": connections, "seconds": seconds}
    for line in out.stdout.splitlines():
        parts = line.split()
        if line.startswith("Requests/sec:"):
            result["requests_per_s"] = float(parts[1])
        elif len(parts) == 2 and parts[0] in ("50%", "90%", "99%"):
            result[f"p{parts[0][:-1]}_ms"] = wrk_ms(parts[1])
        elif "Non-2xx" in line:
            result["non_2xx"] = int(parts[-1])
    return result


def wrk_ms(value: str) -> float:
    for suffix, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0)):
        if value.endswith(suffix):
            return round(float(value[: -len(suffix)]) * factor, 3)
    return float("nan")


def shutil_which(name: str) -> str | None:
    import shutil

    return shutil.which(name)


# ---------------------------------------------------------------- report

# Issue 14's "must show" (HTTP p95, one client, ms) and performance.md's tile targets.
TARGET_P95_MS = {"bbox": 10.0, "radius": 8.0, "nearest": 5.0, "text": 20.0, "tile_z6": 15.0, "tile_z10": 15.0,
                 "tile_z14": 3.0, "tile_z16": 3.0}
TARGET_OVER_SQL_P50_MS = 3.0
TARGET_PEER_RATIO = 10.0


def targets_table(report: dict) -> list[str]:
    """Each target against this run's figure, and by how much it was missed."""
    lines = ["", "## Targets (issue 14; tiles from performance.md)", "",
             "| workload | HTTP p95 | target p95 | HTTP − SQL p50 | target | verdict |", "|---|---:|---:|---:|---:|---|"]
    for name, w in report["workloads"].items():
        if w.get("skipped") or name not in TARGET_P95_MS:
            continue
        p95, target, over = w["http"]["p95_ms"], TARGET_P95_MS[name], w["http_minus_sql_p50_ms"]
        misses = []
        if p95 > target:
            misses.append(f"p95 missed by {p95 - target:.1f} ms ({p95 / target:.1f}×)")
        if over > TARGET_OVER_SQL_P50_MS:
            misses.append(f"overhead missed by {over - TARGET_OVER_SQL_P50_MS:.1f} ms")
        lines.append(f"| {name} | {p95:.2f} | {target:.0f} | {over:+.2f} | ≤ {TARGET_OVER_SQL_P50_MS:.0f} | "
                     f"{'; '.join(misses) or 'met'} |")
    peer = report.get("peer") or {}
    for key, label in (("ratio_requests_per_s", "one client"), ("ratio_wrk", "8 connections (wrk)")):
        if peer.get(key):
            ratio = peer[key]
            verdict = "met" if ratio >= TARGET_PEER_RATIO else f"missed: {ratio}× of {TARGET_PEER_RATIO:.0f}×"
            lines.append(f"| viewport req/s ÷ pygeoapi, {label} | {ratio}× | ≥ {TARGET_PEER_RATIO:.0f}× ||| {verdict} |")
    return lines


def markdown(report: dict) -> str:
    meta = report["meta"]
    lines = [
        f"# Benchmark: size {meta['size']} ({meta['assets']:,} assets)",
        "",
        (f"{meta['when_utc']} · commit {meta['commit']} · PostgreSQL {meta['postgresql']} + PostGIS "
        f"{meta['postgis']} · {meta['cpus']} CPUs (1-min load average {meta['load_average_at_start']} at start, "
        f"{meta['load_average_at_end']} at end) · {meta['requests']} requests per workload from "
        f"{meta['requests']} seeded query points (real ONS postcodes), after {meta['warmup']} warm-up requests; SQL, HTTP and in-process runs alternate in blocks of 20 "
        f"requests · HTTP: gunicorn {meta['gunicorn']}, one keep-alive client · SQL: the same statements the request "
        "sends, captured from the app and replayed as psycopg prepared statements on one connection."),
        "",
        ("| workload | features/req | SQL p50 | SQL p95 | SQL p99 | HTTP p50 | HTTP p95 | HTTP p99 | HTTP req/s "
        "| HTTP − SQL p50 | HTTP ÷ SQL p50 |"),
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, w in report["workloads"].items():
        if w.get("skipped"):
            lines.append(f"| {w['title']} | skipped: {w['skipped']} |||||||||| ")
            continue
        s, h = w["sql"], w["http"]
        lines.append(
            f"| {w['title']} | {w['features_per_request']:.1f} | {s['p50_ms']:.2f} | {s['p95_ms']:.2f} | "
            f"{s['p99_ms']:.2f} | {h['p50_ms']:.2f} | {h['p95_ms']:.2f} | {h['p99_ms']:.2f} | "
            f"{h['requests_per_s']:.0f} | {w['http_minus_sql_p50_ms']:+.2f} | {w['http_over_sql_p50']:.2f}× |")
    lines += ["", ("Times in milliseconds. SQL = every statement the request sends (search, capped count, "
              "authority names …), so HTTP − SQL is what Flask, the pool, the transaction, GeoJSON "
              "building and the socket add."), ""]
    lines += [("Where the time goes: the request's first statement alone (the register's change counter, "
               "`map_version`, read for the ETag before the view runs), and the whole request through the app "
              "in-process (Flask test client: no socket, no gunicorn)."), "",
              "| workload | statements/req | first statement p50 | p95 | app in-process p50 | p95 |",
              "|---|---:|---:|---:|---:|---:|"]
    for name, w in report["workloads"].items():
        if not w.get("skipped"):
            first, app_ = w["sql_first_statement"], w["app_in_process"]
            lines.append(f"| {name} | {w['statements_per_request']:.1f} | {first['p50_ms']:.2f} | "
                         f"{first['p95_ms']:.2f} | {app_['p50_ms']:.2f} | {app_['p95_ms']:.2f} |")
    if report.get("wrk"):
        lines += ["", "Throughput at concurrency (wrk, same URLs):", "",
                  "| workload | connections | req/s | p50 | p90 | p99 |", "|---|---:|---:|---:|---:|---:|"]
        for name, r in report["wrk"].items():
            lines.append(f"| {name} | {r['connections']} | {r.get('requests_per_s', float('nan')):.0f} | "
                         f"{r.get('p50_ms', float('nan')):.2f} | {r.get('p90_ms', float('nan')):.2f} | "
                         f"{r.get('p99_ms', float('nan')):.2f} |")
    peer = report.get("peer")
    if peer:
        lines += ["", f"Peer: {peer.get('name')}", ""]
        if peer.get("skipped"):
            lines.append(f"Skipped: {peer['skipped']}")
        else:
            lines += [("| workload | server | features/req | p50 | p95 | p99 | req/s (one client) | "
                      "wrk req/s |"), "|---|---|---:|---:|---:|---:|---:|---:|"]
            for row in peer["rows"]:
                wrk = f"{row['wrk_requests_per_s']:.0f}" if row.get("wrk_requests_per_s") else "—"
                lines.append(f"| {row['workload']} | {row['server']} | {row['features_per_request']:.1f} | "
                             f"{row['p50_ms']:.2f} | {row['p95_ms']:.2f} | {row['p99_ms']:.2f} | "
                             f"{row['requests_per_s']:.0f} | {wrk} |")
            if peer.get("note"):
                lines += ["", peer["note"]]
    load = report["meta"].get("load")
    if load and not load.get("reused"):
        lines += ["", (f"Load: {meta['assets']:,} assets in {load['load_seconds']:.1f} s, from generation to "
                  f"VACUUM ANALYZE (COPY into staging + INSERT…SELECT at {load['rows_per_second']:,.0f} rows/s; "
                  "the generated tsvector column and the CHECKs are most of it).")]
    lines += targets_table(report)
    explained = {name: w for name, w in report["workloads"].items() if w.get("explain")}
    if explained:
        lines += ["", "## EXPLAIN (ANALYZE, BUFFERS): the slowest statement of each workload's slowest request", ""]
        for name, w in explained.items():
            lines += [f"### {name}", "", f"`{w['explain_url']}`", "", "```", *w["explain"], "```", ""]
    if report.get("regressions"):
        lines += ["", "**Regressions:** " + "; ".join(report["regressions"])]
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------- main

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=dataset.SIZES, default="M")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE", "registry_bench"))
    parser.add_argument("--host", default=os.environ.get("PGHOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("PGPORT", "5432")))
    parser.add_argument("--user", default=os.environ.get("PGUSER", "registry"))
    parser.add_argument("--password", default=os.environ.get("PGPASSWORD", "registry"))
    parser.add_argument("--workloads", default="", help="comma-separated subset, e.g. radius,bbox")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--wrk-seconds", type=int, default=0, help="also measure throughput with wrk (0: no)")
    parser.add_argument("--wrk-connections", type=int, default=8)
    parser.add_argument("--peer", action="store_true", help="also benchmark pygeoapi (bench/peer.py)")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each workload's slowest statement")
    parser.add_argument("--check", action="store_true", help="exit 1 on gross regressions (always for --size S)")
    parser.add_argument("--output", default=None, help="results name (default: the size)")
    parser.add_argument("--render", metavar="JSON", help="only write the Markdown again from a results JSON")
    args = parser.parse_args(argv)
    if args.render:
        source = Path(args.render)
        source.with_suffix(".md").write_text(markdown(json.loads(source.read_text())))
        return 0

    conninfo = f"postgresql://{args.user}:{args.password}@{args.host}:{args.port}/{args.database}"
    sqlalchemy_url = conninfo.replace("postgresql://", "postgresql+psycopg://", 1)
    dataset.ensure_database(args.database, args.host, args.port, args.user, args.password)
    log("migrating with the app's Alembic migrations")
    dataset.migrate(sqlalchemy_url)
    app = make_app(sqlalchemy_url)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        data = dataset.ensure_dataset(app, conn, args.size, args.seed)
        points = dataset.query_points(conn)
        versions = dataset.server_versions(conn)
    measured, warm = points[: args.requests], points[-args.warmup:] if args.warmup else []

    selected = [w for w in WORKLOADS if not args.workloads or w.name in args.workloads.split(",")]
    report: dict = {"meta": {
        "size": args.size, "assets": data.assets, "seed": args.seed, "requests": len(measured),
        "warmup": len(warm), "when_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "cpus": os.cpu_count(), "python": platform.python_version(),
        "load_average_at_start": round(os.getloadavg()[0], 2),
        "gunicorn": f"-w {args.workers} --threads {args.threads}", **versions,
        "load": {"reused": data.reused, "load_seconds": round(data.load_seconds, 2),
                 "rows_per_second": round(data.rows_per_second) if data.rows_per_second else None},
    }, "workloads": {}}

    captured: dict[str, tuple[list[Captured], list[Captured]]] = {}
    for workload in selected:
        log(f"capturing {workload.name}: {len(measured)} requests through the app in-process")
        with app.app_context():
            requests = capture(app, workload, measured)
            warm_requests = capture(app, workload, warm) if requests is not None else None
        if requests is None:
            log(f"{workload.name}: endpoint not found (404), skipped")
            report["workloads"][workload.name] = {"title": workload.title, "skipped": "endpoint not found"}
            continue
        captured[workload.name] = (requests, warm_requests)

    port = free_port()
    log(f"starting gunicorn on 127.0.0.1:{port}")
    server = start_gunicorn(sqlalchemy_url, port, args.workers, args.threads)
    failures = 0
    try:
        for name, (requests, warm_requests) in captured.items():
            log(f"measuring {name}: SQL, HTTP and in-process, interleaved in blocks of 20")
            sql, web, local = SqlClient(conninfo), HttpClient(port), InProcessClient(app)
            try:
                result = measure_interleaved(requests, warm_requests, sql, web, local)
            finally:
                sql.close()
                web.close()
            failures += result["http"]["failures"]
            entry = {"title": WORKLOADS_BY_NAME[name].title, "example_url": requests[0].url,
                     "statements_per_request": statistics.fmean(len(r.statements) for r in requests),
                     "features_per_request": statistics.fmean(r.features for r in requests),
                     **{k: v for k, v in result.items() if k not in ("sql_p95_index", "sql_slowest_index")}}
            entry["http_minus_sql_p50_ms"] = round(entry["http"]["p50_ms"] - entry["sql"]["p50_ms"], 3)
            entry["http_over_sql_p50"] = round(entry["http"]["p50_ms"] / entry["sql"]["p50_ms"], 2)
            entry["http_minus_sql_p95_ms"] = round(entry["http"]["p95_ms"] - entry["sql"]["p95_ms"], 3)
            if args.explain:  # the workload's slowest request in the SQL run
                slow = requests[result["sql_slowest_index"]]
                entry["explain_url"] = slow.url
                entry["explain"] = explain(conninfo, slow)
            report["workloads"][name] = entry
        if args.wrk_seconds:
            report["wrk"] = {}
            for name, (requests, _) in captured.items():
                log(f"wrk {name} ({args.wrk_seconds} s, {args.wrk_connections} connections)")
                result = run_wrk(port, [r.url for r in requests], args.wrk_seconds, args.wrk_connections)
                if result:
                    report["wrk"][name] = result
        if args.peer:
            from bench import peer

            bbox_requests = captured.get("bbox", ([], []))[0]
            report["peer"] = peer.run(conninfo, port, bbox_requests, args)
    finally:
        stop(server)

    regressions = []
    if args.size == "S" or args.check:
        for name, w in report["workloads"].items():
            if w.get("skipped"):
                continue
            if w["http"]["p95_ms"] > BOUNDS_MS["http_p95"]:
                regressions.append(f"{name}: HTTP p95 {w['http']['p95_ms']:.1f} ms > {BOUNDS_MS['http_p95']:.0f} ms")
            if w["sql"]["p95_ms"] > BOUNDS_MS["sql_p95"]:
                regressions.append(f"{name}: SQL p95 {w['sql']['p95_ms']:.1f} ms > {BOUNDS_MS['sql_p95']:.0f} ms")
        if failures:
            regressions.append(f"{failures} HTTP requests did not answer 200")
    report["regressions"] = regressions
    report["meta"]["load_average_at_end"] = round(os.getloadavg()[0], 2)

    RESULTS.mkdir(parents=True, exist_ok=True)
    name = args.output or args.size
    (RESULTS / f"{name}.json").write_text(json.dumps(report, indent=2) + "\n")
    table = markdown(report)
    (RESULTS / f"{name}.md").write_text(table)
    print(table)
    if regressions:
        log("REGRESSION: " + "; ".join(regressions))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
