"""Per word: the statements a text request sends, what each one is (a tier's walk or GIN list), and its time.

    PUBLIC_BASE_URL=http://127.0.0.1 .venv/bin/python -m bench.text_paths --database registry_bench_text

Each word of bench/dataset.py's TEXT_QUERIES goes once through the app in-process (Flask test client) and
its statements are captured; then, words interleaved, the statements are replayed as prepared statements
on psycopg (each timed) and the request is timed in-process. Connects as the schema owner (the bench
database grants the app role nothing). Figures: bench/results/text_search.md, 2026-12-03.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from urllib.parse import urlencode

import psycopg

from bench.dataset import TEXT_QUERIES
from bench.run import make_app, percentile

TIERS_NOT = (("NOT (ts_filter(a.search_vector, '{a,b}')", "2"), ("NOT (ts_filter(a.search_vector, '{a}')", "1"))


def kind(sql: str) -> str:
    """What a captured statement does, from fixed fragments of registry/search.py."""
    if "map_version" in sql:
        return "version"
    if "text_tier_shares" in sql:
        return "shares"
    if "row_number()" in sql:
        return "walk12"
    if "count(*)" in sql:
        return "count"
    for what, marker in (("list", "OFFSET 0"), ("walk", "LIMIT %(scan)s")):
        if marker in sql:
            return what + next((tier for fragment, tier in TIERS_NOT if fragment in sql), "0")
    return sql[:40]


def capture(app, words: list[str]) -> dict[str, list]:
    from sqlalchemy import event

    from registry import db

    current: list = []

    def record(conn, cursor, statement, parameters, context, executemany):
        current.append((statement, parameters))

    def record_read(statement, parameters):
        current.append((statement, parameters))

    with app.app_context():
        engine = db.engine()
    event.listen(engine, "before_cursor_execute", record)
    db.on_read(record_read)
    client = app.test_client()
    captured = {}
    try:
        for word in words:
            client.get("/api/collections/assets/items?" + urlencode({"q": word}))  # the words' shares kept
            current.clear()
            response = client.get("/api/collections/assets/items?" + urlencode({"q": word}))
            if response.status_code != 200:
                raise SystemExit(f"{word}: {response.status_code} {response.get_data(as_text=True)[:300]}")
            captured[word] = list(current)
    finally:
        event.remove(engine, "before_cursor_execute", record)
        db.off_read(record_read)
    return captured


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE", "registry_bench"))
    parser.add_argument("--repeats", type=int, default=10)
    args = parser.parse_args(argv)
    conninfo = f"postgresql://registry_owner:registry_owner@127.0.0.1:5432/{args.database}"
    app = make_app(conninfo.replace("postgresql://", "postgresql+psycopg://", 1))
    captured = capture(app, TEXT_QUERIES)
    client = app.test_client()
    each = {w: [[] for _ in statements] for w, statements in captured.items()}
    sql_ms = {w: [] for w in captured}
    app_ms = {w: [] for w in captured}
    load_start = os.getloadavg()[0]
    with psycopg.connect(conninfo, autocommit=True, prepare_threshold=0, options="-c jit=off") as conn:
        for repeat in range(args.repeats + 2):  # two warm-up rounds, not timed
            for word, statements in captured.items():
                started = time.perf_counter()
                for i, (statement, parameters) in enumerate(statements):
                    t0 = time.perf_counter()
                    conn.execute(statement, parameters, prepare=True).fetchall()
                    if repeat >= 2:
                        each[word][i].append((time.perf_counter() - t0) * 1000)
                if repeat >= 2:
                    sql_ms[word].append((time.perf_counter() - started) * 1000)
                started = time.perf_counter()
                client.get("/api/collections/assets/items?" + urlencode({"q": word}))
                if repeat >= 2:
                    app_ms[word].append((time.perf_counter() - started) * 1000)
    every_sql = [t for ts in sql_ms.values() for t in ts]
    every_app = [t for ts in app_ms.values() for t in ts]
    print(f"load {load_start:.2f} -> {os.getloadavg()[0]:.2f}, {args.repeats} repeats")
    print(f"all words: SQL p50 {percentile(every_sql, 50):.2f} p95 {percentile(every_sql, 95):.2f}; "
          f"app p50 {percentile(every_app, 50):.2f} p95 {percentile(every_app, 95):.2f} ms")
    for word in sorted(captured, key=lambda w: -statistics.median(app_ms[w])):
        parts = " + ".join(f"{kind(s)} {statistics.median(each[word][i]):.2f}"
                           for i, (s, _) in enumerate(captured[word]))
        print(f"{word:16s} app p50 {statistics.median(app_ms[word]):6.2f} p95 {percentile(app_ms[word], 95):6.2f}"
              f" | SQL p50 {statistics.median(sql_ms[word]):6.2f} | {parts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
