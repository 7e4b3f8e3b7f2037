"""The map grid's statement triggers read the changed rows once, not six times.

0032's triggers ran one upsert per grid table (fine, mid and coarse cells; each for the total and for the
status mix), and each upsert scanned the transition tables again, worked out every row's cell, statuses and
numeric coordinates again and grouped them again: six passes over 100,000 rows for one import. Now one
statement does it all: the deltas are read once into a materialised CTE with each row's fine cell; the
fine totals and the fine status mix are grouped once; the mid and coarse cells are the fine cells' sums
grouped again by `cx / 8` and `cx / 32` (the same integer division of the same `asset_grid_x` value, so
the same keys); and the six upserts are data-modifying CTEs of that one statement. Sums stay numeric until
stored, so an asset whose two sides cancel still cancels exactly (0032's reasoning), and the HAVING test
is applied at each level, as before.

Measured on 100,000 new rows (bench/import_rate.py, issue 10 item 12): see bench/results/import_rate.md.

The cells a statement empties come back from the upserts with their table's name and go by their keys,
as in 0032. The statement has no join of the transition tables, so the plan plpgsql keeps for the session
cannot turn into a nested loop over them.

Revision ID: 0033
Revises: 0032
"""

from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

MID_FACTOR = 8  # registry/search.py MID_FACTOR
COARSE_FACTOR = 32

COUNTED = "{t}.point IS NOT NULL AND NOT {t}.withheld AND {t}.surplus_status <> 'withdrawn'"


def _side(table: str, alias: str, sign: int) -> str:
    return (f"SELECT {alias}.point, asset_statuses({alias}.surplus_status, {alias}.live_statuses) AS statuses, "
            f"{sign} AS sign FROM {table} {alias} WHERE {COUNTED.format(t=alias)}")


DELTAS = {
    "insert": _side("new_rows", "n", 1),
    "delete": _side("old_rows", "o", -1),
    "update": f"{_side('old_rows', 'o', -1)} UNION ALL {_side('new_rows', 'n', 1)}",
}

# (table, the fine CTE it rolls up, the factor its cell keys divide the fine keys by)
TARGETS = (
    ("asset_grid_cell", "fine", 1),
    ("asset_grid_mid_cell", "fine", MID_FACTOR),
    ("asset_grid_coarse_cell", "fine", COARSE_FACTOR),
    ("asset_grid_status_cell", "fine_status", 1),
    ("asset_grid_mid_status_cell", "fine_status", MID_FACTOR),
    ("asset_grid_coarse_status_cell", "fine_status", COARSE_FACTOR),
)
CHANGED = "sum(n) <> 0 OR sum(sum_lon) <> 0 OR sum(sum_lat) <> 0"


def _upsert(table: str, source: str, factor: int, returning: bool) -> str:
    cx, cy = ("cx", "cy") if factor == 1 else (f"cx / {factor}", f"cy / {factor}")
    back = f" RETURNING '{table}'::text AS grid, g.cx, g.cy, g.status, g.asset_count" if returning else ""
    return f"""
        {table} AS (
            INSERT INTO {table} AS g (cx, cy, status, asset_count, sum_lon, sum_lat)
            SELECT {cx}, {cy}, status, sum(n)::int, sum(sum_lon), sum(sum_lat) FROM {source}
             GROUP BY 1, 2, 3 HAVING {CHANGED}
            ON CONFLICT (cx, cy, status) DO UPDATE SET
                asset_count = g.asset_count + EXCLUDED.asset_count,
                sum_lon = g.sum_lon + EXCLUDED.sum_lon,
                sum_lat = g.sum_lat + EXCLUDED.sum_lat{back})"""


def _function(kind: str) -> str:
    empties = kind != "insert"  # only a statement that takes assets away can empty a cell
    upserts = ",".join(_upsert(table, source, factor, empties) for table, source, factor in TARGETS)
    common = f"""
        WITH d AS MATERIALIZED (
            SELECT asset_grid_x(q.point) AS cx, asset_grid_y(q.point) AS cy, q.statuses, q.sign,
                   q.sign * ST_X(q.point)::numeric AS lon, q.sign * ST_Y(q.point)::numeric AS lat
              FROM ({DELTAS[kind]}) q
        ), fine AS MATERIALIZED (
            SELECT cx, cy, '*'::varchar AS status, sum(sign) AS n, sum(lon) AS sum_lon, sum(lat) AS sum_lat
              FROM d GROUP BY cx, cy
        ), fine_status AS MATERIALIZED (
            SELECT d.cx, d.cy, s.status, sum(d.sign) AS n, sum(d.lon) AS sum_lon, sum(d.lat) AS sum_lat
              FROM d CROSS JOIN LATERAL unnest(d.statuses) AS s(status) GROUP BY 1, 2, 3
        ),{upserts}"""
    if not empties:
        body = f"{common}\n        SELECT 1 INTO done;  -- the upserts are the work; a WITH needs a final query"
    else:
        emptied = " UNION ALL ".join(f"SELECT * FROM {table}" for table, _, _ in TARGETS)
        deletes = "".join(f"""
            DELETE FROM {table} g USING unnest(gs, xs, ys, ss) AS z(grid, cx, cy, status)
             WHERE z.grid = '{table}' AND g.cx = z.cx AND g.cy = z.cy AND g.status = z.status
               AND g.asset_count <= 0;""" for table, _, _ in TARGETS)
        body = f"""{common}
        SELECT array_agg(e.grid), array_agg(e.cx), array_agg(e.cy), array_agg(e.status) INTO gs, xs, ys, ss
          FROM ({emptied}) e WHERE e.asset_count <= 0;
        IF xs IS NOT NULL THEN{deletes}
        END IF;"""
    return f"""
    CREATE OR REPLACE FUNCTION asset_grid_after_{kind}() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        done integer;
        gs text[];
        xs integer[];
        ys integer[];
        ss varchar[];
    BEGIN
        {body}
        RETURN NULL;
    END $$;
    """


def upgrade():
    for kind in ("insert", "delete", "update"):
        op.execute(_function(kind))


def downgrade():
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "gridtrig_0032", Path(__file__).with_name("0032_gridtrig_set_based_deltas.py"))
    gridtrig = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gridtrig)
    for kind in ("insert", "delete", "update"):
        op.execute(gridtrig._function(kind))
