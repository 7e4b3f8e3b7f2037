"""The app's fixed cost per public read: HTTP through gunicorn against the same SQL run raw (issue 14).

    .venv/bin/python -m bench.overhead --database registry_test_perf14 --baseline-dir /tmp/base

The overhead is per request, not per row, so a small database shows it (bench/run.py measures
the large ones). Query points are the database's own assets (every k-th asset's point, nudged
~150 m, and the first word of its name for text search), so any migrated database with assets
will do; nothing is written to it.

Each workload's requests go once through the app in-process to capture the statements they send
(bench/run.py's capture); then each request in turn: the SQL replayed raw (psycopg prepared
statements, one connection), the HTTP request to this checkout's gunicorn and, with
``--baseline-dir``, the same HTTP request to a second gunicorn serving another checkout of the code
(e.g. ``git archive <commit> | tar -x -C /tmp/base``) from the same virtualenv and database. The
order rotates from one request to the next, so a neighbour's load on a shared machine falls on all
of them alike, and before/after come from the same run.

The servers run as bin/serve runs them: gunicorn, 2 workers × 4 threads, the app role, rate limits
ON (the production default; bench/run.py turns them off), a SECRET_KEY and PUBLIC_BASE_URL.

Writes bench/results/<output>.json and .md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psycopg

from bench.dataset import log
from bench.run import (
    RESULTS, WORKLOADS_BY_NAME, Captured, HttpClient, SqlClient, capture, free_port, make_app, percentile,
    start_gunicorn, stop,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WORKLOADS = "conformance,radius,nearest,bbox,text,tile_z14,tile_z16"
NUDGE_DEG = 0.0015  # ~150 m north and (less) east: near an asset, not on it


def query_points(conn: psycopg.Connection, count: int) -> list[tuple[str, float, float, str]]:
    rows = conn.execute(
        "SELECT id, ST_X(point), ST_Y(point), split_part(name, ' ', 1) FROM asset "
        "WHERE point IS NOT NULL AND NOT withheld ORDER BY id").fetchall()
    if not rows:
        raise SystemExit("no assets with a point in this database")
    step = max(1, len(rows) // count)
    picked = rows[::step][:count]
    return [(str(i), lon + NUDGE_DEG, lat + NUDGE_DEG, words or "library") for i, lon, lat, words in picked]


def serving_env(cwd: Path, port: int) -> dict[str, str]:
    """bin/serve's environment: the app role only, rate limits at their production default."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_OWNER_URL", "RATE_LIMITS")}
    env.update({"SECRET_KEY": "x", "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}", "PYTHONPATH": str(cwd)})
    return env


def urls_for(name: str, points) -> list[str]:
    if name == "conformance":  # no search at all: the floor of a public read
        return ["/api/conformance"] * len(points)
    workload = WORKLOADS_BY_NAME[name]
    return [workload.url(lon, lat, words) for _, lon, lat, words in points]


def capture_urls(app, urls: list[str]) -> list[Captured]:
    """bench/run.py's capture, for a fixed list of URLs."""
    class Fixed:
        name, optional = "fixed", False

        def __init__(self):
            self._urls = iter(urls)

        def url(self, lon, lat, words):
            return next(self._urls)

    return capture(app, Fixed(), [(None, 0.0, 0.0, "")] * len(urls))


def ms_summary(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {"p50_ms": round(percentile(ms, 50), 3), "p95_ms": round(percentile(ms, 95), 3),
            "mean_ms": round(statistics.fmean(ms), 3)}


def measure(requests: list[Captured], warm: list[Captured], conninfo: str, ports: dict[str, int]) -> dict:
    """Each request raw and through every server in turn, the order rotating from one request to the
    next: a neighbour's burst of load falls on all of them alike, and no one always goes first."""
    sql = SqlClient(conninfo)
    clients = {label: HttpClient(port) for label, port in ports.items()}
    times: dict[str, list[float]] = {"sql": [], **{label: [] for label in clients}}
    failures = dict.fromkeys(clients, 0)
    runners = ["sql", *clients]
    try:
        for item in warm:
            sql.request(item)
            for client in clients.values():
                client.request(item.url)
        for i, item in enumerate(requests):
            for runner in runners[i % len(runners):] + runners[: i % len(runners)]:
                if runner == "sql":
                    times["sql"].append(sql.request(item)[0])
                    continue
                elapsed, status, _ = clients[runner].request(item.url)
                times[runner].append(elapsed)
                failures[runner] += status != 200
    finally:
        sql.close()
        for client in clients.values():
            client.close()
    result = {"statements_per_request": statistics.fmean(len(r.statements) for r in requests),
              "sql": ms_summary(times["sql"])}
    for label in clients:
        result[label] = {**ms_summary(times[label]), "failures": failures[label]}
        result[label]["minus_sql_p50_ms"] = round(result[label]["p50_ms"] - result["sql"]["p50_ms"], 3)
    return result


def markdown(report: dict) -> str:
    meta = report["meta"]
    labels = meta["servers"]
    lines = [f"# Fixed cost per public read: {meta['database']} ({meta['assets']:,} assets)", "",
             (f"{meta['when_utc']} · {meta['requests']} requests per workload after {meta['warmup']} warm-up · "
              f"gunicorn -w {meta['workers']} --threads {meta['threads']}, rate limits on, one keep-alive client · "
              f"each request raw (SQL) and to {' and '.join(labels)} in turn, the order rotating · 1-min load average "
              f"{meta['load_average_at_start']} at start, {meta['load_average_at_end']} at end · servers: "
              + "; ".join(f"{label} = {meta['code'][label]}" for label in labels)), ""]
    head = "| workload | statements | SQL p50 | SQL p95 |"
    rule = "|---|---:|---:|---:|"
    for label in labels:
        head += f" {label} p50 | {label} p95 | {label} − SQL p50 |"
        rule += "---:|---:|---:|"
    lines += [head, rule]
    for name, w in report["workloads"].items():
        row = f"| {name} | {w['statements_per_request']:.1f} | {w['sql']['p50_ms']:.2f} | {w['sql']['p95_ms']:.2f} |"
        for label in labels:
            h = w[label]
            row += f" {h['p50_ms']:.2f} | {h['p95_ms']:.2f} | {h['minus_sql_p50_ms']:+.2f} |"
        lines.append(row)
    lines += ["", "Times in milliseconds."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--user", default=os.environ.get("PGUSER", "registry"))
    parser.add_argument("--password", default=os.environ.get("PGPASSWORD", "registry"))
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--workloads", default=DEFAULT_WORKLOADS)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--baseline-dir", help="another checkout of the code, served beside this one")
    parser.add_argument("--baseline-gunicorn-args", default="", help="extra gunicorn arguments for the baseline")
    parser.add_argument("--gunicorn-args", default="", help="extra gunicorn arguments for this checkout's server")
    parser.add_argument("--output", default="overhead")
    args = parser.parse_args(argv)

    conninfo = f"postgresql://{args.user}:{args.password}@127.0.0.1:5432/{args.database}"
    sqlalchemy_url = conninfo.replace("postgresql://", "postgresql+psycopg://", 1)
    with psycopg.connect(conninfo) as conn:
        points = query_points(conn, args.requests + args.warmup)
        assets = conn.execute("SELECT count(*) FROM asset").fetchone()[0]
    measured, warm = points[: args.requests], points[args.requests:]

    app = make_app(sqlalchemy_url)
    captured = {}
    for name in args.workloads.split(","):
        with app.app_context():
            captured[name] = (capture_urls(app, urls_for(name, measured)), capture_urls(app, urls_for(name, warm)))

    servers: dict[str, tuple[Path, int, tuple[str, ...]]] = {}
    if args.baseline_dir:
        servers["before"] = (Path(args.baseline_dir).resolve(), free_port(), tuple(args.baseline_gunicorn_args.split()))
    servers["after" if args.baseline_dir else "http"] = (ROOT, free_port(), tuple(args.gunicorn_args.split()))
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                            check=False).stdout.strip()
    code = {label: (f"this checkout ({commit})" if path == ROOT else str(path)) + (f" {' '.join(extra)}" if extra else "")
            for label, (path, _, extra) in servers.items()}
    report: dict = {"meta": {
        "database": args.database, "assets": assets, "requests": len(measured), "warmup": len(warm),
        "workers": args.workers, "threads": args.threads, "servers": list(servers), "code": code,
        "when_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_average_at_start": round(os.getloadavg()[0], 2)}, "workloads": {}}
    processes = []
    try:
        for label, (path, port, extra) in servers.items():
            log(f"starting gunicorn for {label} ({path}) on 127.0.0.1:{port}")
            processes.append(start_gunicorn(sqlalchemy_url, port, args.workers, args.threads, cwd=path,
                                            env=serving_env(path, port), extra=extra))
        ports = {label: port for label, (_, port, _) in servers.items()}
        for name, (requests, warm_requests) in captured.items():
            log(f"measuring {name}")
            report["workloads"][name] = measure(requests, warm_requests, conninfo, ports)
    finally:
        for process in processes:
            stop(process)
    report["meta"]["load_average_at_end"] = round(os.getloadavg()[0], 2)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{args.output}.json").write_text(json.dumps(report, indent=2) + "\n")
    table = markdown(report)
    (RESULTS / f"{args.output}.md").write_text(table)
    print(table)
    failed = sum(w[label]["failures"] for w in report["workloads"].values() for label in servers)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
