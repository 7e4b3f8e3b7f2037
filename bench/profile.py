"""Where a public read spends its time: one workload's requests through the app in-process, in a loop.

    py-spy record -f flamegraph -o bench/results/profile-bbox-L.svg -- \
        .venv/bin/python -m bench.profile --size L --workload bbox --requests 300
    .venv/bin/python -m bench.profile --workload bbox --cprofile   # py-spy missing: cProfile, top functions

Uses the benchmark's database and query points (bench/run.py made them) and the
same URLs as bench/run.py's workloads, through the Flask test client, so the
profile is the app's own work (Flask, the pool, SQL waits, GeoJSON) without
gunicorn or the socket.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import time

import psycopg

from bench import dataset
from bench.run import WORKLOADS_BY_NAME, make_app


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workload", default="bbox", choices=sorted(WORKLOADS_BY_NAME))
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--database", default=os.environ.get("BENCH_DATABASE", "registry_bench"))
    parser.add_argument("--cprofile", action="store_true")
    args = parser.parse_args(argv)
    user, password = os.environ.get("PGUSER", "registry"), os.environ.get("PGPASSWORD", "registry")
    conninfo = f"postgresql://{user}:{password}@127.0.0.1:5432/{args.database}"
    with psycopg.connect(conninfo) as conn:
        points = dataset.query_points(conn)[: args.requests]
    app = make_app(conninfo.replace("postgresql://", "postgresql+psycopg://", 1))
    workload = WORKLOADS_BY_NAME[args.workload]
    urls = [workload.url(lon, lat, words) for _, lon, lat, words in points]
    client = app.test_client()
    for url in urls[:20]:  # warm: pools, prepared statements, caches
        client.get(url, headers={"Accept": "application/json"})
    profiler = cProfile.Profile() if args.cprofile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    for _ in range(args.rounds):
        for url in urls:
            response = client.get(url, headers={"Accept": "application/json"})
            assert response.status_code == 200, (url, response.status_code)
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started
    print(f"{args.workload}: {len(urls) * args.rounds} requests in {elapsed:.2f} s "
          f"({elapsed / (len(urls) * args.rounds) * 1000:.2f} ms each, in-process)")
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
