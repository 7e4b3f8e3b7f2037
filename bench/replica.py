"""Reads from a real streaming replica, writes to the primary, and a person reads their own writes.

Not part of CI: it needs the standby that ``bin/replica up`` starts (127.0.0.1:5433, a hot standby of the
local cluster on 5432). It uses its own database, ``registry_bench_replica``, made once on the primary as
a copy of the migrated test database (``--template``, with its demo assets); the standby receives it by
streaming like everything else.

    bin/replica up
    .venv/bin/python -m bench.replica [--reads 300] [--writes 30]
    bin/replica down

The app runs in this process behind a real HTTP server (werkzeug, threaded) with
``DATABASE_REPLICA_URLS`` set to the standby. What it shows, each from the servers' own counters
(``pg_stat_database`` of the bench database on each server, read before and after each phase, with the
app's pools closed so every backend has flushed its statistics) and from the app's own choice per request:

1. public reads (OGC items by bbox and radius, asset pages, vector tiles) by anonymous clients are
   answered by the replica: its transactions and rows read grow, the primary's barely move;
2. a signed-in officer creates an asset through the form (primary), then at once opens its page: served
   by the primary and showing the new asset, every time; an anonymous visitor asking at the same moment is
   served by the replica (and may not see it yet: that is the lag read-your-own-writes covers);
   then the same with the standby held 2 s behind (``recovery_min_apply_delay``): the visitor misses the
   new asset, its author never does;
3. the standby 8 s behind, past the 5 s lag bound: skipped, the primary answers; the standby stopped
   under the running app, then started: every read answered, by the primary, then by the replica again;
4. the same reads with no replica configured, for the latency difference.

Figures go to bench/results/replica.md (and .json).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import threading
import time
import uuid
from pathlib import Path

import psycopg
import requests
from werkzeug.serving import make_server

from bench.fault import page_form, sign_in

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
PASSWORD = "replica bench password 1"


def log(message: str) -> None:
    print(f"[replica {time.strftime('%H:%M:%S')}] {message}", flush=True)


def admin(port: int):
    return psycopg.connect(f"postgresql://postgres@127.0.0.1:{port}/postgres", autocommit=True)


def ensure_database(name: str, template: str, primary_port: int, replica_port: int) -> None:
    with admin(primary_port) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            log(f"creating {name} from {template} on the primary")
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" OWNER registry_owner')
    for _ in range(120):  # the standby replays the CREATE DATABASE
        with admin(replica_port) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
                return
        time.sleep(0.5)
    raise SystemExit(f"{name} did not reach the replica on port {replica_port}: is it streaming?")


def counters(port: int, database: str) -> dict:
    with admin(port) as conn:
        row = conn.execute("SELECT xact_commit + xact_rollback, tup_returned + tup_fetched FROM pg_stat_database "
                           "WHERE datname = %s", (database,)).fetchone()
        recovery = conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]
    return {"transactions": row[0], "rows_read": row[1], "in_recovery": recovery}


def delta(before: dict, after: dict) -> dict:
    return {key: after[key] - before[key] for key in ("transactions", "rows_read")}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def ms(values: list[float]) -> dict:
    return {"n": len(values), "p50_ms": round(percentile(values, 50) * 1000, 2),
            "p95_ms": round(percentile(values, 95) * 1000, 2), "mean_ms": round(statistics.fmean(values) * 1000, 2)}


class Server:
    """The app behind a threaded HTTP server in this process; records which server each request read from."""

    def __init__(self, settings):
        from flask import g, request

        from registry import create_app

        self.app = create_app(settings)
        self.choices: list[tuple[str, str, str]] = []  # (path, target, reason)

        @self.app.after_request
        def record(response):
            choice = g.get("_read_choice")
            self.choices.append((request.path, choice.target if choice else "primary",
                                 choice.reason if choice else "no replicas"))
            return response

        self.http = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.base = f"http://127.0.0.1:{self.http.server_port}"
        self.thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self.thread.start()

    def close_pools(self) -> None:
        """End every pooled backend, so each flushes its statistics to pg_stat_database."""
        from registry import db

        db.engine().dispose()
        replica_set = self.app.extensions.get("replicas")
        if replica_set is not None:
            for target in replica_set.replicas:
                target.engine.dispose()
        time.sleep(0.7)

    def stop(self) -> None:
        self.http.shutdown()
        self.close_pools()


def read_urls(primary_url: str, count: int) -> list[str]:
    """Public reads around real demo assets: items by bbox and by radius, asset pages, vector tiles."""
    with psycopg.connect(primary_url) as conn:
        rows = conn.execute("SELECT id, ST_X(point::geometry), ST_Y(point::geometry) FROM asset "
                            "WHERE point IS NOT NULL ORDER BY id LIMIT 60").fetchall()
    urls = []
    for asset_id, lon, lat in rows:
        zoom = 14
        x = int((lon + 180) / 360 * 2**zoom)
        y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2**zoom)
        urls += [f"/api/collections/assets/items?bbox={lon - 0.015:.5f},{lat - 0.007:.5f},{lon + 0.015:.5f},"
                 f"{lat + 0.007:.5f}&limit=100",
                 f"/api/collections/assets/items?near={lon:.5f},{lat:.5f}&radius=1000&limit=10",
                 f"/assets/{asset_id}",
                 f"/tiles/assets/{zoom}/{x}/{y}.mvt"]
    return (urls * (count // len(urls) + 1))[:count]


def run_reads(server: Server, urls: list[str]) -> tuple[list[float], int]:
    latencies, failures = [], 0
    with requests.Session() as client:  # one keep-alive client, anonymous
        for url in urls:
            t0 = time.perf_counter()
            answer = client.get(server.base + url, headers={"Accept": "application/json"}, timeout=30)
            latencies.append(time.perf_counter() - t0)
            failures += answer.status_code != 200
    return latencies, failures


def make_officer(settings, authority_code: str) -> str:
    from registry import accounts, create_app, db

    email = f"officer.{uuid.uuid4().hex[:8]}@replica-bench.example"
    with create_app(settings).app_context():
        accounts.create_user(email, PASSWORD, "Replica Bench Officer", roles=["council_officer"],
                             authority_code=authority_code, confirmed=True)
        db.session.commit()
    return email


class ReplayWatch:
    """After a write: how long until the standby has replayed the primary's WAL position (polled every 1 ms)."""

    def __init__(self, primary_url: str, replica_url: str):
        self.primary = psycopg.connect(primary_url, autocommit=True)
        self.replica = psycopg.connect(replica_url, autocommit=True)
        self.delays_s: list[float] = []
        self._thread = None

    def start(self) -> None:
        t0 = time.perf_counter()
        target = self.primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]

        def wait():
            while time.perf_counter() - t0 < 10:
                if self.replica.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (target,)).fetchone()[0]:
                    self.delays_s.append(time.perf_counter() - t0)
                    return
                time.sleep(0.001)

        self._thread = threading.Thread(target=wait)
        self._thread.start()

    def join(self) -> None:
        self._thread.join()

    def close(self) -> None:
        self.primary.close()
        self.replica.close()


def run_writes(server: Server, email: str, writes: int, watch: ReplayWatch) -> dict:
    officer = sign_in(int(server.base.rsplit(":", 1)[1]), email, PASSWORD)
    anonymous = requests.Session()
    own_seen = own_on_primary = other_on_replica = other_missing = later_on_replica = 0
    write_s, own_read_s = [], []
    for n in range(writes):
        form = page_form(officer.get(server.base + "/assets/new", timeout=30).text, "") or {}
        name = f"Replica Bench Hall {uuid.uuid4().hex[:8]}"
        form.update({"reference": f"REPLICA-BENCH-{uuid.uuid4().hex[:10]}", "name": name,
                     "asset_type": "community_centre", "condition": "fair", "occupancy": "vacant",
                     "surplus_status": "surplus", "geometry_format": "bng", "confirm_location": "y",
                     "geometry": "430000, 433000\n430100, 433000\n430100, 433100\n430000, 433100"})
        t0 = time.perf_counter()
        answer = officer.post(server.base + "/assets/new", data=form, allow_redirects=False, timeout=30)
        write_s.append(time.perf_counter() - t0)
        watch.start()
        if answer.status_code != 302:
            raise SystemExit(f"write {n} answered {answer.status_code}: {answer.text[:500]}")
        page = "/assets/" + answer.headers["Location"].split("/assets/")[1].split("/")[0].split("?")[0]
        mark = len(server.choices)
        t0 = time.perf_counter()
        own = officer.get(server.base + page, timeout=30)
        own_read_s.append(time.perf_counter() - t0)
        other = anonymous.get(server.base + page, timeout=30)
        watch.join()
        own_choice, other_choice = server.choices[mark][1], server.choices[mark + 1][1]
        own_seen += own.status_code == 200 and name in own.text
        own_on_primary += own_choice == "primary"
        other_on_replica += other_choice != "primary"
        other_missing += other.status_code == 404
        time.sleep(1.2)  # the watch saw it replayed; past one probe interval the app knows it too
        mark = len(server.choices)
        officer.get(server.base + page, timeout=30)
        later_on_replica += server.choices[mark][1] != "primary"
    return {"writes": writes, "own_read_saw_write": own_seen, "own_read_on_primary": own_on_primary,
            "anonymous_read_on_replica": other_on_replica, "anonymous_read_not_yet_there": other_missing,
            "own_read_after_1_2_s_on_replica": later_on_replica, "write_ms": ms(write_s),
            "own_read_ms": ms(own_read_s), "replay_delay_ms": ms(watch.delays_s) if watch.delays_s else None}


def standby(action: str, port: int) -> None:
    """Stop or start the standby (bin/replica's data directory) as the postgres user; the primary is untouched."""
    import subprocess

    data = os.environ.get("REPLICA_DATA", f"/work/var/pg-replica-{port}")
    with admin(5432 if port != 5432 else 5433) as conn:
        version = conn.execute("SHOW server_version_num").fetchone()[0]
    pg_ctl = f"/usr/lib/postgresql/{int(version) // 10000}/bin/pg_ctl"
    command = [pg_ctl, "-D", data, "-w", "-m", "fast", "stop"] if action == "stop" else \
        [pg_ctl, "-D", data, "-l", f"{data}/replica.log", "-w", "start"]
    subprocess.run(["runuser", "-u", "postgres", "--", *command], check=True, stdout=subprocess.DEVNULL)


def run_outage(server: Server, urls: list[str], port: int, reads: int) -> dict:
    """The standby stopped while the app serves: every read still answered (by the primary), then back."""
    import logging

    warnings: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record):
            warnings.append(record.getMessage())

    handler = Keep(level=logging.WARNING)
    logging.getLogger("registry.replicas").addHandler(handler)
    result = {}
    try:
        for phase, action in (("standby stopped", "stop"), ("standby started again", "start")):
            standby(action, port)
            if action == "start":
                time.sleep(1.5)  # one probe interval
            server.choices.clear()
            t0 = time.perf_counter()
            latencies, failures = run_reads(server, urls[:reads])
            served = {}
            for _, target, _ in server.choices:
                served[target] = served.get(target, 0) + 1
            result[phase] = {"reads": reads, "non_200": failures, "served_by_app_choice": served,
                             "latency": ms(latencies), "seconds": round(time.perf_counter() - t0, 2)}
    finally:
        logging.getLogger("registry.replicas").removeHandler(handler)
    result["logged"] = sorted(set(warnings))
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="registry_bench_replica")
    parser.add_argument("--template", default=os.environ.get("REPLICA_BENCH_TEMPLATE", "registry_test_replica"))
    parser.add_argument("--primary-port", type=int, default=5432)
    parser.add_argument("--replica-port", type=int, default=5433)
    parser.add_argument("--reads", type=int, default=300)
    parser.add_argument("--writes", type=int, default=30)
    parser.add_argument("--authority", default="E08000035")
    parser.add_argument("--delayed-writes", type=int, default=10,
                        help="writes with the standby held back by recovery_min_apply_delay (0: skip)")
    parser.add_argument("--apply-delay", default="2s")
    parser.add_argument("--outage-reads", type=int, default=60,
                        help="reads with the standby stopped, then again after it restarts (0: skip)")
    args = parser.parse_args(argv)
    import logging

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request would drown the report

    from registry.config import Settings, normalise_database_url

    ensure_database(args.database, args.template, args.primary_port, args.replica_port)
    primary = f"postgresql://registry:registry@127.0.0.1:{args.primary_port}/{args.database}"
    replica = f"postgresql://registry:registry@127.0.0.1:{args.replica_port}/{args.database}"

    def settings(with_replica: bool):
        return Settings(database_url=normalise_database_url(primary), secret_key="replica-bench",
                        public_base_url="http://127.0.0.1", rate_limits_enabled=False, testing=True,
                        database_replica_urls=(normalise_database_url(replica),) if with_replica else ())

    urls = read_urls(primary, args.reads)
    report = {"started_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()), "uptime": os.getloadavg(),
              "database": args.database, "reads": args.reads, "writes": args.writes}
    email = make_officer(settings(False), args.authority)

    log("phase 1: anonymous public reads with the replica configured")
    server = Server(settings(True))
    run_reads(server, urls[:40])  # warm both pools and caches
    server.close_pools()
    server.choices.clear()
    before = {"primary": counters(args.primary_port, args.database),
              "replica": counters(args.replica_port, args.database)}
    latencies, failures = run_reads(server, urls)
    server.close_pools()
    after = {"primary": counters(args.primary_port, args.database),
             "replica": counters(args.replica_port, args.database)}
    served, reasons = {}, {}
    for _, target, reason in server.choices:
        served[target] = served.get(target, 0) + 1
        reasons[f"{target}: {reason}"] = reasons.get(f"{target}: {reason}", 0) + 1
    report["reads_with_replica"] = {
        "latency": ms(latencies), "non_200": failures, "served_by_app_choice": served, "reasons": reasons,
        "primary_counters": delta(before["primary"], after["primary"]),
        "replica_counters": delta(before["replica"], after["replica"]),
        "replica_in_recovery": after["replica"]["in_recovery"],
    }
    log(f"  {report['reads_with_replica']}")

    log("phase 2: a signed-in officer writes, then reads at once")
    server.choices.clear()
    before = {"primary": counters(args.primary_port, args.database),
              "replica": counters(args.replica_port, args.database)}
    watch = ReplayWatch(primary, replica)
    report["read_your_own_writes"] = run_writes(server, email, args.writes, watch)
    watch.close()
    server.close_pools()
    after = {"primary": counters(args.primary_port, args.database),
             "replica": counters(args.replica_port, args.database)}
    report["read_your_own_writes"]["primary_counters"] = delta(before["primary"], after["primary"])
    report["read_your_own_writes"]["replica_counters"] = delta(before["replica"], after["replica"])
    replica_set = server.app.extensions["replicas"]
    replica_set.refresh()
    state = replica_set.states()[0][1]
    from registry.replicas import lag_seconds

    report["replica_lag_at_end_s"] = lag_seconds(state)
    log(f"  {report['read_your_own_writes']}")
    if args.delayed_writes:
        log(f"phase 2c: the same with the standby held {args.apply_delay} behind (recovery_min_apply_delay)")
        with admin(args.replica_port) as conn:
            conn.execute(f"ALTER SYSTEM SET recovery_min_apply_delay = '{args.apply_delay}'")
            conn.execute("SELECT pg_reload_conf()")
        time.sleep(1.5)
        try:
            watch = ReplayWatch(primary, replica)
            report["delayed_standby"] = run_writes(server, email, args.delayed_writes, watch)
            report["delayed_standby"]["apply_delay"] = args.apply_delay
            watch.close()
        finally:
            with admin(args.replica_port) as conn:
                conn.execute("ALTER SYSTEM RESET recovery_min_apply_delay")
                conn.execute("SELECT pg_reload_conf()")
        log(f"  {report['delayed_standby']}")
        log("phase 2d: the standby held 8 s behind, past the 5 s lag bound")
        with admin(args.replica_port) as conn:
            conn.execute("ALTER SYSTEM SET recovery_min_apply_delay = '8s'")
            conn.execute("SELECT pg_reload_conf()")
        try:
            make_officer(settings(False), args.authority)  # a write, so there is WAL to hold back
            time.sleep(7)  # the lag grows to the delay: past the 5 s bound after about 5 s
            server.choices.clear()
            latencies, failures = run_reads(server, urls[:60])
            served = {}
            for _, target, reason in server.choices:
                served[f"{target} ({reason})"] = served.get(f"{target} ({reason})", 0) + 1
            state = server.app.extensions["replicas"].states()[0][1]
            from registry.replicas import lag_seconds

            report["lagging_standby"] = {"reads": 60, "non_200": failures, "served": served,
                                         "lag_s": round(lag_seconds(state), 2)}
        finally:
            with admin(args.replica_port) as conn:
                conn.execute("ALTER SYSTEM RESET recovery_min_apply_delay")
                conn.execute("SELECT pg_reload_conf()")
        log(f"  {report['lagging_standby']}")
    if args.outage_reads:
        log("phase 2e: the standby stopped under the app, then started again")
        report["outage"] = run_outage(server, urls, args.replica_port, args.outage_reads)
        log(f"  {report['outage']}")
    server.stop()

    log("phase 3: the same reads, no replica configured")
    server = Server(settings(False))
    run_reads(server, urls[:40])
    server.close_pools()
    before = counters(args.primary_port, args.database)
    latencies, failures = run_reads(server, urls)
    server.close_pools()
    report["reads_primary_only"] = {"latency": ms(latencies), "non_200": failures,
                                    "primary_counters": delta(before, counters(args.primary_port, args.database))}
    log(f"  {report['reads_primary_only']}")
    server.stop()

    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "replica.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    (RESULTS / "replica.md").write_text(markdown(report))
    log(f"wrote {RESULTS / 'replica.md'}")
    return 0


def markdown(r: dict) -> str:
    reads, ryow, only = r["reads_with_replica"], r["read_your_own_writes"], r["reads_primary_only"]
    w = r["writes"]
    skipped = (" (\"no replica usable\": the lag guard skipped the standby while it was more than 5 s behind, "
               "replaying the other engineers' bulk loads on the shared cluster, and logged it.)"
               if any("no replica usable" in k for k in reads.get("reasons", {})) else "")
    outage = ""
    if r.get("delayed_standby"):
        d = r["delayed_standby"]
        n = d["writes"]
        outage += f"""## 2c. The same, with the standby held back ({d['apply_delay']}, `recovery_min_apply_delay`)

A replica that is behind but inside the lag bound (5 s) stays in use for everyone else; its author must not
notice. Replay after each write: p50 {d['replay_delay_ms']['p50_ms'] if d['replay_delay_ms'] else '-'} ms.

| | count |
|---|---|
| the officer's read straight after the write showed the new asset | {d['own_read_saw_write']} / {n} |
| ... served by the primary | {d['own_read_on_primary']} / {n} |
| an anonymous read of the same page just after went to the replica | {d['anonymous_read_on_replica']} / {n} |
| ... and did not find the asset yet (404) | {d['anonymous_read_not_yet_there']} / {n} |
| once the standby had replayed it (watched), the officer's read 1.2 s later went to the replica again | {d['own_read_after_1_2_s_on_replica']} / {n} |

"""
    if r.get("lagging_standby"):
        lag = r["lagging_standby"]
        served = ", ".join(f"{k}: {v}" for k, v in lag["served"].items())
        outage += f"""## 2d. The standby held 8 s behind, past the 5 s lag bound

{lag['reads']} anonymous public reads, {lag['non_200']} non-200; served: {served}. The probe measured
{lag['lag_s']} s of replay lag.

"""
    if r.get("outage"):
        down, back = r["outage"]["standby stopped"], r["outage"]["standby started again"]
        logged = "\n".join(f"- `{line}`" for line in r["outage"]["logged"])
        outage += f"""## 2e. The standby stopped under the running app, then started again

| | reads | non-200 | served by primary | served by replica | p50 ms | p95 ms |
|---|---|---|---|---|---|---|
| standby stopped (`pg_ctl stop -m fast`) | {down['reads']} | {down['non_200']} | {down['served_by_app_choice'].get('primary', 0)} | {down['served_by_app_choice'].get('replica1', 0)} | {down['latency']['p50_ms']} | {down['latency']['p95_ms']} |
| started again, after one probe interval | {back['reads']} | {back['non_200']} | {back['served_by_app_choice'].get('primary', 0)} | {back['served_by_app_choice'].get('replica1', 0)} | {back['latency']['p50_ms']} | {back['latency']['p95_ms']} |

Logged by the app (each change of a replica's health once):
{logged}
"""
    delay = ryow.get("replay_delay_ms")
    replay = (f"p50 {delay['p50_ms']} ms, p95 {delay['p95_ms']} ms over {delay['n']} writes" if delay
              else "not measured")
    return f"""# Read replica run (`bench/replica.py`)

Started {r['started_utc']} UTC; load average {', '.join(f'{x:.2f}' for x in r['uptime'])} (2 CPUs shared
with other engineers' jobs: latencies are noisy, the counts are not). Primary: the local cluster on
127.0.0.1:5432; replica: a hot standby made by `bin/replica up` (pg_basebackup, streaming, port 5433).
Database `{r['database']}` (the demo world: 1,500 assets). The app in-process behind a threaded HTTP
server; one anonymous keep-alive client.

## 1. Public reads go to the replica ({r['reads']} GETs: OGC items by bbox and radius, asset pages, z14 tiles)

| | primary | replica |
|---|---|---|
| transactions in the bench database (`pg_stat_database`) | {reads['primary_counters']['transactions']:,} | {reads['replica_counters']['transactions']:,} |
| rows read (`tup_returned + tup_fetched`) | {reads['primary_counters']['rows_read']:,} | {reads['replica_counters']['rows_read']:,} |
| requests by the app's own choice | {reads['served_by_app_choice'].get('primary', 0)} | {reads['served_by_app_choice'].get('replica1', 0)} |

The replica was in recovery (`pg_is_in_recovery() = {reads['replica_in_recovery']}`). Why each request went
where it did: {', '.join(f'{k} × {v}' for k, v in reads.get('reasons', {}).items())}.{skipped} On the primary, the
lag guard's probe (`pg_current_wal_lsn()`, at most once a second). Non-200 answers: {reads['non_200']}.

## 2. A write, then a read by the same person ({w} assets created through the form)

| | count |
|---|---|
| the officer's read straight after the write showed the new asset | {ryow['own_read_saw_write']} / {w} |
| ... served by the primary, the replica not having replayed it (as far as its last probe knew) | {ryow['own_read_on_primary']} / {w} |
| ... served by the replica, whose last probe had already replayed past the write | {w - ryow['own_read_on_primary']} / {w} |
| an anonymous read of the same page just after the officer's went to the replica | {ryow['anonymous_read_on_replica']} / {w} |
| ... and did not find the asset yet (404: not yet replayed; it comes a read's time after the write) | {ryow['anonymous_read_not_yet_there']} / {w} |
| once the standby had replayed it (watched), the officer's read 1.2 s later went to the replica again | {ryow['own_read_after_1_2_s_on_replica']} / {w} |

Write (form POST, 302) p50 {ryow['write_ms']['p50_ms']} ms, p95 {ryow['write_ms']['p95_ms']} ms; the
officer's read after it p50 {ryow['own_read_ms']['p50_ms']} ms. Counters over this phase: primary
{ryow['primary_counters']['transactions']:,} transactions, replica {ryow['replica_counters']['transactions']:,}
(the replica's include the replay watch below, which polls it from its own connection).
Replica lag at the end: {r['replica_lag_at_end_s']} s. Time from the write's answer until the standby had
replayed the primary's WAL position (polled every 1 ms from another connection): {replay}.

{outage}

## 3. Latency, same reads

| | p50 ms | p95 ms | mean ms |
|---|---|---|---|
| with the replica | {reads['latency']['p50_ms']} | {reads['latency']['p95_ms']} | {reads['latency']['mean_ms']} |
| primary only | {only['latency']['p50_ms']} | {only['latency']['p95_ms']} | {only['latency']['mean_ms']} |

Measured minutes apart on a machine at load average {r['uptime'][0]:.1f} on 2 CPUs, with the standby
replaying the other engineers' bulk loads meanwhile: the two rows are not comparable, and this run makes no
speed claim. Both servers share this one machine, so here a replica adds no CPU; the run shows where reads
and writes go and that nobody is served a stale copy of their own write.
"""


if __name__ == "__main__":
    raise SystemExit(main())
