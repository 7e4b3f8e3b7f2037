"""A middle level of the map grid (z13 cells, 8 × 8 fine cells) for the zooms between the two levels.

The cluster grid had two levels (0012, 0013): fine cells (z16 tiles) and coarse cells (z11 tiles,
32 × 32 fine cells). A cluster cell at zoom z is 2^(14 - z) fine cells on a side, so zooms 10 and 11
(16 and 8 fine cells) read the fine level: a z10 tile over London summed 19,103 fine rows (totals
and status mix) for its 16 clusters, p95 33 ms at 1,000,000 assets (bench/results/L.md). The middle
level holds the same sums per z13 tile, so a z10 tile reads at most 8 × 8 middle cells per status.

The statement-level triggers of 0013 are redefined with the two new tables among their targets;
everything else about them (which assets count, the deltas) is 0013's, written out again here so
this revision reads on its own. ``asset_grid_rebuild()`` (the bulk load's one pass) fills them too.

Revision ID: 0025
Revises: 0024
"""

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

MID_FACTOR = 8  # registry/search.py MID_FACTOR
NEW_TABLES = ("asset_grid_mid_cell", "asset_grid_mid_status_cell")

COUNTED = "{t}.point IS NOT NULL AND NOT {t}.withheld AND {t}.surplus_status <> 'withdrawn'"
STATUSES = "asset_statuses({t}.surplus_status, {t}.live_statuses)"

# The rows a statement adds (+1) and takes away (-1), one row per asset side (as 0013).
DELTAS = {
    "insert": f"SELECT n.point, {STATUSES.format(t='n')} AS statuses, 1 AS sign FROM new_rows n "
              f"WHERE {COUNTED.format(t='n')}",
    "delete": f"SELECT o.point, {STATUSES.format(t='o')} AS statuses, -1 AS sign FROM old_rows o "
              f"WHERE {COUNTED.format(t='o')}",
    "update": f"""
        SELECT r.point, r.statuses, r.sign
          FROM old_rows o JOIN new_rows n USING (id)
         CROSS JOIN LATERAL (VALUES (o.point, {STATUSES.format(t='o')}, -1, {COUNTED.format(t='o')}),
                                    (n.point, {STATUSES.format(t='n')}, 1, {COUNTED.format(t='n')}))
                            AS r (point, statuses, sign, counted)
         WHERE r.counted
           AND (o.point, o.surplus_status, o.live_statuses, o.withheld)
               IS DISTINCT FROM (n.point, n.surplus_status, n.live_statuses, n.withheld)
    """,
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
                   f"sum(d.sign * ST_X(d.point)) AS sum_lon, sum(d.sign * ST_Y(d.point)) AS sum_lat "
                   f"FROM ({DELTAS[kind]}) d {extra} GROUP BY 1, 2, 3")
        statements.append(f"""
        INSERT INTO {table} AS g (cx, cy, status, asset_count, sum_lon, sum_lat)
        SELECT cx, cy, status, n, sum_lon, sum_lat FROM ({grouped}) k
        ON CONFLICT (cx, cy, status) DO UPDATE SET
            asset_count = g.asset_count + EXCLUDED.asset_count,
            sum_lon = g.sum_lon + EXCLUDED.sum_lon,
            sum_lat = g.sum_lat + EXCLUDED.sum_lat;
        DELETE FROM {table} g USING ({grouped}) k
         WHERE g.cx = k.cx AND g.cy = k.cy AND g.status = k.status AND g.asset_count <= 0;""")
    return f"""
    CREATE OR REPLACE FUNCTION asset_grid_after_{kind}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        {"".join(statements)}
        RETURN NULL;
    END $$;
    """


def _rollup(target: str, source: str, factor: int) -> str:
    return (f"INSERT INTO {target} (cx, cy, status, asset_count, sum_lon, sum_lat) "
            f"SELECT cx / {factor}, cy / {factor}, status, sum(asset_count), sum(sum_lon), sum(sum_lat) "
            f"FROM {source} GROUP BY 1, 2, 3;")


REBUILD = f"""
CREATE OR REPLACE FUNCTION asset_grid_rebuild() RETURNS void
LANGUAGE sql AS $$
    TRUNCATE asset_grid_cell, asset_grid_mid_cell, asset_grid_coarse_cell,
             asset_grid_status_cell, asset_grid_mid_status_cell, asset_grid_coarse_status_cell;
    INSERT INTO asset_grid_cell (cx, cy, status, asset_count, sum_lon, sum_lat)
    SELECT asset_grid_x(a.point), asset_grid_y(a.point), '*', count(*), sum(ST_X(a.point)), sum(ST_Y(a.point))
      FROM asset a WHERE {COUNTED.format(t='a')} GROUP BY 1, 2;
    INSERT INTO asset_grid_status_cell (cx, cy, status, asset_count, sum_lon, sum_lat)
    SELECT asset_grid_x(a.point), asset_grid_y(a.point), s.status, count(*), sum(ST_X(a.point)), sum(ST_Y(a.point))
      FROM asset a CROSS JOIN LATERAL unnest({STATUSES.format(t='a')}) AS s(status)
     WHERE {COUNTED.format(t='a')} GROUP BY 1, 2, 3;
    {_rollup("asset_grid_mid_cell", "asset_grid_cell", MID_FACTOR)}
    {_rollup("asset_grid_mid_status_cell", "asset_grid_status_cell", MID_FACTOR)}
    {_rollup("asset_grid_coarse_cell", "asset_grid_cell", 32)}
    {_rollup("asset_grid_coarse_status_cell", "asset_grid_status_cell", 32)}
    UPDATE map_version SET version = version + 1;
$$;
"""


def upgrade():
    for table in NEW_TABLES:
        op.execute(
            f"""
            CREATE TABLE {table} (
                cx integer NOT NULL,
                cy integer NOT NULL,
                status varchar(40) NOT NULL,
                asset_count integer NOT NULL,
                sum_lon double precision NOT NULL,
                sum_lat double precision NOT NULL,
                PRIMARY KEY (cx, cy, status)
            )
            """
        )
    for kind in ("insert", "delete", "update"):
        op.execute(_function(kind))
    op.execute(REBUILD)
    # Filled from the fine level, which the triggers have kept exact.
    op.execute(_rollup("asset_grid_mid_cell", "asset_grid_cell", MID_FACTOR))
    op.execute(_rollup("asset_grid_mid_status_cell", "asset_grid_status_cell", MID_FACTOR))


def downgrade():
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("one_map_grid_0013", Path(__file__).with_name("0013_one_map_grid.py"))
    one_map_grid = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(one_map_grid)
    for kind in ("insert", "delete", "update"):
        op.execute(one_map_grid._function(kind))
    op.execute(one_map_grid.REBUILD)
    op.execute(f"DROP TABLE {', '.join(NEW_TABLES)}")
