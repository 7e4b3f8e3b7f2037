"""How long big writes to `asset` take with the map grid's statement triggers, fresh and after a one-row write.

    .venv/bin/python -m bench.grid_updates postgresql://registry_owner:...@127.0.0.1:5432/DB [--rows 20000]
        [--timeout-s 900] [--cases update,insert,delete] [--no-warm] [--floor]

The database needs a big `asset` table (e.g. `python -m bench.run --size M`, or generated rows). Each case
runs in its own new connection, inside a transaction that is rolled back, so every case sees the same data:
- "fresh": the big statement is the session's first write to `asset`;
- "after one row": the same session first writes one row (and rolls that back), then runs the big statement.
plpgsql keeps a statement's plan for the session, so the second case shows plans made for tiny transition
tables. With --floor the big statements also run once with the grid triggers disabled (the cost of the
write itself and the other triggers). Prints one Markdown table row per case.
"""

from __future__ import annotations

import argparse
import time

import psycopg

MOVE = ("UPDATE asset SET point = ST_Translate(point, 0.0001, 0.0001) WHERE id IN "
        "(SELECT id FROM asset WHERE point IS NOT NULL ORDER BY id LIMIT {n})")
ONE_MOVE = MOVE.format(n=1)
INSERT = ("INSERT INTO asset (authority_code, reference, name, asset_type, surplus_status, live_statuses, "
          "live_status, withheld, point, location_source) "
          "SELECT authority_code, reference || '-bench-ins', name, asset_type, surplus_status, live_statuses, "
          "live_status, withheld, ST_Translate(point, 0.0002, 0), location_source FROM asset "
          "WHERE point IS NOT NULL ORDER BY id LIMIT {n}")
# The newest assets: generated ones, with no cases or transfers that would block the delete.
DELETE = "DELETE FROM asset WHERE id IN (SELECT id FROM asset ORDER BY id DESC LIMIT {n})"
CASES = {"update": (MOVE, ONE_MOVE), "insert": (INSERT, INSERT.format(n=1)), "delete": (DELETE, DELETE.format(n=1))}


def timed(url: str, statement: str, *, warm: str | None, timeout_s: float, floor: bool = False) -> float | None:
    with psycopg.connect(url) as conn:
        conn.execute(f"SET statement_timeout = '{int(timeout_s)}s'")
        if warm:
            conn.execute(warm)
            conn.rollback()
        if floor:
            for kind in ("insert", "update", "delete"):
                conn.execute(f"ALTER TABLE asset DISABLE TRIGGER asset_grid_{kind}")
        start = time.perf_counter()
        try:
            conn.execute(statement)
        except psycopg.errors.QueryCanceled:
            conn.rollback()
            return None
        elapsed = time.perf_counter() - start
        conn.rollback()
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("url")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--timeout-s", type=float, default=900)
    parser.add_argument("--cases", default="update,insert,delete")
    parser.add_argument("--no-warm", action="store_true", help="skip the after-one-row runs")
    parser.add_argument("--warm-only", action="store_true")
    parser.add_argument("--floor", action="store_true")
    args = parser.parse_args()
    with psycopg.connect(args.url, autocommit=True) as conn:
        # Earlier rolled-back runs leave dead rows behind; every case starts from a vacuumed table.
        conn.execute("VACUUM ANALYZE asset")
        for table in ("asset_grid_cell", "asset_grid_status_cell", "asset_status_change"):
            conn.execute(f"VACUUM ANALYZE {table}")
        assets = conn.execute("SELECT count(*) FROM asset").fetchone()[0]
    print(f"asset rows: {assets}, statement rows: {args.rows}")
    print("| statement | fresh session (s) | after a one-row write (s) | grid triggers off (s) |")
    print("|---|---|---|---|")
    for case in args.cases.split(","):
        big, one = CASES[case]
        statement = big.format(n=args.rows)
        fresh = None if args.warm_only else timed(args.url, statement, warm=None, timeout_s=args.timeout_s)
        warm = None if (args.no_warm) else timed(
            args.url, statement, warm=one, timeout_s=args.timeout_s)
        off = timed(args.url, statement, warm=None, timeout_s=args.timeout_s, floor=True) if args.floor else None

        def show(value: float | None, ran: bool) -> str:
            if not ran:
                return "–"
            return f"> {args.timeout_s:.0f} (cancelled)" if value is None else f"{value:.2f}"

        print(f"| {case} {args.rows:,} | {show(fresh, not args.warm_only)} | "
              f"{show(warm, not (args.no_warm))} | {show(off, args.floor)} |", flush=True)


if __name__ == "__main__":
    main()
