"""The map grid's statement triggers without a join of the transition tables (and the status log's, re-planned).

Moving 20,000 points in one UPDATE took seconds in a fresh session but many minutes in a session that had
already run a one-row grid update (bench/results/grid_updates.md). plpgsql prepares each static statement
of a function once per session and, as these statements have no parameters, keeps that first (generic)
plan. After a one-row update the plan was made for one-row transition tables: `old_rows JOIN new_rows
USING (id)` became a nested loop, and a 20,000-row update then compared 20,000 × 20,000 rows in each of
the twelve grid statements (auto_explain: "Rows Removed by Join Filter: 3998000" for 2,000 rows).

The deltas no longer join: the old side of every counted row adds -1 and the new side +1, the two are
aggregated together (UNION ALL + GROUP BY), whatever the plan a linear pass over each transition table.
An asset whose point, statuses and visibility are unchanged cancels out exactly: its two sides fall in the
same cell, and the coordinate sums are taken in numeric (float8 -> numeric is deterministic, so x - x is
exactly 0), so the HAVING clause drops cells with nothing to change, as the old IS DISTINCT FROM test did.

Emptied cells went by `DELETE ... USING (the deltas again) WHERE asset_count <= 0`: the grid's statistics
hold no empty cells, so the planner expected one such row, scanned the grid and re-aggregated the deltas
for each emptied cell (268 × 40,000 rows, 59 s for one statement, fresh session). The upsert now returns
the cells it emptied and they are deleted by key.

`asset_status_updated()` (0027) had the same join and the same cached nested loop; it needs each row's
old and new status side by side, so it keeps the join but runs it through EXECUTE, planned each time
with the transition tables' real sizes.

Revision ID: 0032
Revises: 0031
"""

from alembic import op

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

MID_FACTOR = 8  # registry/search.py MID_FACTOR

COUNTED = "{t}.point IS NOT NULL AND NOT {t}.withheld AND {t}.surplus_status <> 'withdrawn'"
STATUSES = "asset_statuses({t}.surplus_status, {t}.live_statuses)"


def _side(table: str, alias: str, sign: int) -> str:
    return (f"SELECT {alias}.point, {STATUSES.format(t=alias)} AS statuses, {sign} AS sign "
            f"FROM {table} {alias} WHERE {COUNTED.format(t=alias)}")


# The rows a statement adds (+1) and takes away (-1), one row per asset side; no join.
DELTAS = {
    "insert": _side("new_rows", "n", 1),
    "delete": _side("old_rows", "o", -1),
    "update": f"{_side('old_rows', 'o', -1)} UNION ALL {_side('new_rows', 'n', 1)}",
}

UNNEST = "CROSS JOIN LATERAL unnest(d.statuses) AS s(status)"
# (table, cell x, cell y, status, extra FROM): totals count each asset once, the mix once per status.
TARGETS = (
    ("asset_grid_cell", "asset_grid_x(d.point)", "asset_grid_y(d.point)", "'*'", ""),
    ("asset_grid_mid_cell", f"asset_grid_x(d.point) / {MID_FACTOR}", f"asset_grid_y(d.point) / {MID_FACTOR}",
     "'*'", ""),
    ("asset_grid_coarse_cell", "asset_grid_x(d.point) / 32", "asset_grid_y(d.point) / 32", "'*'", ""),
    ("asset_grid_status_cell", "asset_grid_x(d.point)", "asset_grid_y(d.point)", "s.status", UNNEST),
    ("asset_grid_mid_status_cell", f"asset_grid_x(d.point) / {MID_FACTOR}",
     f"asset_grid_y(d.point) / {MID_FACTOR}", "s.status", UNNEST),
    ("asset_grid_coarse_status_cell", "asset_grid_x(d.point) / 32", "asset_grid_y(d.point) / 32", "s.status",
     UNNEST),
)


def _function(kind: str) -> str:
    statements = []
    for table, cx, cy, status, extra in TARGETS:
        grouped = (f"SELECT {cx} AS cx, {cy} AS cy, {status} AS status, sum(d.sign)::int AS n, "
                   f"sum(d.sign * ST_X(d.point)::numeric) AS sum_lon, "
                   f"sum(d.sign * ST_Y(d.point)::numeric) AS sum_lat "
                   f"FROM ({DELTAS[kind]}) d {extra} GROUP BY 1, 2, 3 "
                   f"HAVING sum(d.sign) <> 0 OR sum(d.sign * ST_X(d.point)::numeric) <> 0 "
                   f"OR sum(d.sign * ST_Y(d.point)::numeric) <> 0")
        upsert = f"""
        INSERT INTO {table} AS g (cx, cy, status, asset_count, sum_lon, sum_lat)
        SELECT cx, cy, status, n, sum_lon, sum_lat FROM ({grouped}) k
        ON CONFLICT (cx, cy, status) DO UPDATE SET
            asset_count = g.asset_count + EXCLUDED.asset_count,
            sum_lon = g.sum_lon + EXCLUDED.sum_lon,
            sum_lat = g.sum_lat + EXCLUDED.sum_lat"""
        if kind == "insert":  # only a statement that takes assets away can empty a cell
            statements.append(upsert + ";")
            continue
        # The cells the upsert emptied come back from it, and go by their keys: no second pass over the
        # deltas, and no join whose plan rests on the grid's statistics (which count no empty cells).
        statements.append(f"""
        WITH up AS ({upsert}
            RETURNING g.cx, g.cy, g.status, g.asset_count)
        SELECT array_agg(cx), array_agg(cy), array_agg(status) INTO xs, ys, ss FROM up WHERE asset_count <= 0;
        IF xs IS NOT NULL THEN
            DELETE FROM {table} g USING unnest(xs, ys, ss) AS z(cx, cy, status)
             WHERE g.cx = z.cx AND g.cy = z.cy AND g.status = z.status AND g.asset_count <= 0;
        END IF;""")
    return f"""
    CREATE OR REPLACE FUNCTION asset_grid_after_{kind}() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
        xs integer[];
        ys integer[];
        ss varchar[];
    BEGIN
        {"".join(statements)}
        RETURN NULL;
    END $$;
    """


STATUS_UPDATED = """
CREATE OR REPLACE FUNCTION asset_status_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- EXECUTE: planned with this statement's transition tables, not the session's first ones.
    EXECUTE 'INSERT INTO asset_status_change (asset_id, from_surplus_status, to_surplus_status, from_occupancy,
                                              to_occupancy, withheld)
             SELECT n.id, o.surplus_status, n.surplus_status, o.occupancy, n.occupancy, n.withheld
             FROM new_rows n JOIN old_rows o ON o.id = n.id
             WHERE n.surplus_status IS DISTINCT FROM o.surplus_status OR n.occupancy IS DISTINCT FROM o.occupancy
             ORDER BY n.id';
    RETURN NULL;
END $$;
"""

STATUS_UPDATED_0027 = """
CREATE OR REPLACE FUNCTION asset_status_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO asset_status_change (asset_id, from_surplus_status, to_surplus_status, from_occupancy,
                                     to_occupancy, withheld)
    SELECT n.id, o.surplus_status, n.surplus_status, o.occupancy, n.occupancy, n.withheld
    FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE n.surplus_status IS DISTINCT FROM o.surplus_status OR n.occupancy IS DISTINCT FROM o.occupancy
    ORDER BY n.id;
    RETURN NULL;
END $$;
"""


def upgrade():
    for kind in ("insert", "delete", "update"):
        op.execute(_function(kind))
    op.execute(STATUS_UPDATED)


def downgrade():
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("mid_map_grid_0025", Path(__file__).with_name("0025_mid_map_grid.py"))
    mid_map_grid = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mid_map_grid)
    for kind in ("insert", "delete", "update"):
        op.execute(mid_map_grid._function(kind))
    op.execute(STATUS_UPDATED_0027)
