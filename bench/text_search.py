"""Ranked text search at scale: the choices, measured on the same table and the same words.

    .venv/bin/python -m bench.text_search --database registry_bench_textsearch --repeats 30

Needs a benchmark database already loaded (bench/dataset.py, size L for the
figures in bench/results/text_search.md). Each variant answers "the first page
of 10 for q" and is timed per request over psycopg (prepared statements,
autocommit, `jit = off` like the app), variants interleaved word by word so load
from neighbours on a shared machine falls on all alike.

- `app` is the application itself: `search.find_assets` (page + count) through
  SQLAlchemy in-process, so it measures exactly what the API sends.
- `app_sql` replays the statements the app sent for that word (captured once,
  with their parameters) over psycopg: the app's SQL without Python, like
  bench/run.py's "raw SQL" column.
- `ranked_all` is the statement the app sent before issue 14 (ts_rank over every
  match, then the top 10).
- `ranked_narrow` is the same ranking over a narrow (id, tsvector) table, and
  `rum` its RUM index ordering by `<=>`; both are built here on demand
  (`--with-experiments`, needs the Debian package postgresql-15-rum and
  CREATE EXTENSION rum as a superuser) and are not part of the app.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time

import psycopg

from bench.run import make_app, percentile

WORDS = ["library", "community centre", "car park", "swimming pool", "museum", "vacant",
         "former school", "youth club", "Riverside Library", "pavilion -park"]
TARGET_WORDS = ["library", "community centre", "car park"]

RANKED_ALL = """
    WITH words AS (SELECT websearch_to_tsquery('english', %(q)s) AS tsq)
    SELECT a.id, a.name, ts_rank(a.search_vector, (SELECT tsq FROM words)) AS rank
    FROM asset a WHERE NOT a.withheld AND a.surplus_status <> ALL('{withdrawn}')
      AND a.search_vector @@ (SELECT tsq FROM words)
    ORDER BY rank DESC, a.id LIMIT 10
"""
RANKED_NARROW = """
    SELECT id, ts_rank(v, websearch_to_tsquery('english', %(q)s)) AS rank FROM exp_narrow
    WHERE v @@ websearch_to_tsquery('english', %(q)s) ORDER BY rank DESC, id LIMIT 10
"""
RUM = """
    SELECT id FROM exp_narrow WHERE v @@ websearch_to_tsquery('english', %(q)s)
    ORDER BY v <=> websearch_to_tsquery('english', %(q)s) LIMIT 10
"""


def build_experiments(conn: psycopg.Connection) -> None:
    if not conn.execute("SELECT to_regclass('exp_narrow')").fetchone()[0]:
        conn.execute("CREATE TABLE exp_narrow AS SELECT id, search_vector AS v FROM asset ORDER BY id")
        conn.execute("ALTER TABLE exp_narrow ADD PRIMARY KEY (id)")
        conn.execute("CREATE INDEX ON exp_narrow USING gin (v)")
        conn.execute("VACUUM ANALYZE exp_narrow")
    if not conn.execute("SELECT to_regclass('exp_narrow_rum')").fetchone()[0]:
        conn.execute("CREATE INDEX exp_narrow_rum ON exp_narrow USING rum (v rum_tsvector_ops)")


def timed_sql(conn: psycopg.Connection, sql: str, q: str) -> float:
    started = time.perf_counter()
    conn.execute(sql, {"q": q}, prepare=True).fetchall()
    return time.perf_counter() - started


def timed_app(app, q: str) -> tuple[float, int, int | None]:
    from registry import db, search

    started = time.perf_counter()
    result = search.find_assets(search.AssetQuery(q=q, limit=10))
    elapsed = time.perf_counter() - started
    db.session.rollback()
    return elapsed, len(result.rows), result.number_matched


def capture_app_statements(app, q: str) -> list[tuple[str, dict]]:
    from sqlalchemy import event

    from registry import db, search

    statements: list[tuple[str, dict]] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, dict(parameters or {})))

    engine = db.session.get_bind()
    event.listen(engine, "before_cursor_execute", record)
    try:
        search.find_assets(search.AssetQuery(q=q, limit=10))
        db.session.rollback()
    finally:
        event.remove(engine, "before_cursor_execute", record)
    return statements


def timed_statements(conn: psycopg.Connection, statements: list[tuple[str, dict]]) -> float:
    started = time.perf_counter()
    for statement, parameters in statements:
        conn.execute(statement, parameters, prepare=True).fetchall()
    return time.perf_counter() - started


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE", "registry_bench"))
    parser.add_argument("--user", default="registry")
    parser.add_argument("--password", default="registry")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--variants", default="app,ranked_all")
    parser.add_argument("--with-experiments", action="store_true")
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    conninfo = f"postgresql://{args.user}:{args.password}@127.0.0.1:5432/{args.database}"
    variants = args.variants.split(",")
    statements = {"ranked_all": RANKED_ALL, "ranked_narrow": RANKED_NARROW, "rum": RUM}
    if args.with_experiments:
        with psycopg.connect(conninfo.replace(f"{args.user}:{args.password}", "registry_owner:registry_owner"),
                             autocommit=True) as owner:
            build_experiments(owner)
    app = make_app(conninfo.replace("postgresql://", "postgresql+psycopg://", 1))
    timings: dict = {v: {w: [] for w in WORDS} for v in variants}
    answers: dict = {}
    load_start = os.getloadavg()[0]
    with psycopg.connect(conninfo, autocommit=True) as conn, app.app_context():
        conn.execute("SET jit = off")
        captured = {w: capture_app_statements(app, w) for w in WORDS} if "app_sql" in variants else {}
        for repeat in range(args.repeats + 2):  # two warm-up rounds, not timed
            for word in WORDS:
                for variant in variants:
                    if variant == "app":
                        elapsed, rows, matched = timed_app(app, word)
                        answers[word] = {"rows": rows, "number_matched": matched}
                    elif variant == "app_sql":
                        elapsed = timed_statements(conn, captured[word])
                    else:
                        elapsed = timed_sql(conn, statements[variant], word)
                    if repeat >= 2:
                        timings[variant][word].append(elapsed * 1000)
    report = {"meta": {"database": args.database, "repeats": args.repeats,
                       "when_utc": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                       "load_average": [round(load_start, 2), round(os.getloadavg()[0], 2)]},
              "answers": answers, "statements_per_request": {w: len(c) for w, c in captured.items()},
              "variants": {}}
    for variant, by_word in timings.items():
        everything = [t for ts in by_word.values() for t in ts]
        target = [t for w in TARGET_WORDS for t in by_word[w]]
        report["variants"][variant] = {
            "all_words": {"p50_ms": round(percentile(everything, 50), 2),
                          "p95_ms": round(percentile(everything, 95), 2)},
            "target_words": {"p50_ms": round(percentile(target, 50), 2), "p95_ms": round(percentile(target, 95), 2)},
            "by_word": {w: {"p50_ms": round(percentile(ts, 50), 2), "p95_ms": round(percentile(ts, 95), 2),
                            "mean_ms": round(statistics.fmean(ts), 2)} for w, ts in by_word.items()},
        }
    print(json.dumps(report, indent=2))
    if args.output:
        with open(args.output, "w") as out:
            json.dump(report, out, indent=2)
            out.write("\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
