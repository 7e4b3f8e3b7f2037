"""One map grid: statement-level triggers over the Web Mercator cells, without points-less or withdrawn assets.

0006 (council data) made the grid triggers statement-level, so that a bulk import updates each cell once
per statement rather than once per row, and taught them that an asset may have no point; 0012 (live
statuses) moved the grid to Web Mercator tile cells with a status mix, kept by a row-level trigger.
Applied in order, both sets of triggers ran on `asset`. This revision leaves one set: statement-level
triggers (transition tables) that keep 0012's four tables, counting an asset when it has a point, is not
withheld and is not withdrawn (withdrawn assets are hidden unless asked for, and asking for them reads
the assets themselves: search.py `_cluster_rows`).

The grid triggers no longer bump `map_version` in the middle of a transaction (a writer would hold the
counter's row lock until it ends, and two writers would queue on it): 0015 bumps it once per write
transaction, at commit, for every table a public page shows. The 0001 `asset_map_version` trigger goes too.

Revision ID: 0013
Revises: 0012
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

COUNTED = "{t}.point IS NOT NULL AND NOT {t}.withheld AND {t}.surplus_status <> 'withdrawn'"
STATUSES = "asset_statuses({t}.surplus_status, {t}.live_statuses)"

# The rows a statement adds (+1) and takes away (-1), one row per asset side.
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

# (table, cell x, cell y, status, extra FROM): totals count each asset once, the mix once per status.
TARGETS = (
    ("asset_grid_cell", "asset_grid_x(d.point)", "asset_grid_y(d.point)", "'*'", ""),
    ("asset_grid_coarse_cell", "asset_grid_x(d.point) / 32", "asset_grid_y(d.point) / 32", "'*'", ""),
    ("asset_grid_status_cell", "asset_grid_x(d.point)", "asset_grid_y(d.point)", "s.status",
     "CROSS JOIN LATERAL unnest(d.statuses) AS s(status)"),
    ("asset_grid_coarse_status_cell", "asset_grid_x(d.point) / 32", "asset_grid_y(d.point) / 32", "s.status",
     "CROSS JOIN LATERAL unnest(d.statuses) AS s(status)"),
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


REBUILD = f"""
CREATE OR REPLACE FUNCTION asset_grid_rebuild() RETURNS void
LANGUAGE sql AS $$
    TRUNCATE asset_grid_cell, asset_grid_coarse_cell, asset_grid_status_cell, asset_grid_coarse_status_cell;
    INSERT INTO asset_grid_cell (cx, cy, status, asset_count, sum_lon, sum_lat)
    SELECT asset_grid_x(a.point), asset_grid_y(a.point), '*', count(*), sum(ST_X(a.point)), sum(ST_Y(a.point))
      FROM asset a WHERE {COUNTED.format(t='a')} GROUP BY 1, 2;
    INSERT INTO asset_grid_status_cell (cx, cy, status, asset_count, sum_lon, sum_lat)
    SELECT asset_grid_x(a.point), asset_grid_y(a.point), s.status, count(*), sum(ST_X(a.point)), sum(ST_Y(a.point))
      FROM asset a CROSS JOIN LATERAL unnest({STATUSES.format(t='a')}) AS s(status)
     WHERE {COUNTED.format(t='a')} GROUP BY 1, 2, 3;
    INSERT INTO asset_grid_coarse_cell (cx, cy, status, asset_count, sum_lon, sum_lat)
    SELECT cx / 32, cy / 32, status, sum(asset_count), sum(sum_lon), sum(sum_lat)
      FROM asset_grid_cell GROUP BY 1, 2, 3;
    INSERT INTO asset_grid_coarse_status_cell (cx, cy, status, asset_count, sum_lon, sum_lat)
    SELECT cx / 32, cy / 32, status, sum(asset_count), sum(sum_lon), sum(sum_lat)
      FROM asset_grid_status_cell GROUP BY 1, 2, 3;
    UPDATE map_version SET version = version + 1;
$$;
"""


def upgrade():
    # 0012's row-level trigger and 0006's statement-level ones (which wrote 0005's cells) go.
    op.execute("DROP TRIGGER IF EXISTS asset_grid_maintenance ON asset")
    for kind in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS asset_grid_{kind} ON asset")
    op.execute("DROP FUNCTION IF EXISTS asset_grid_trigger()")
    op.execute("DROP FUNCTION IF EXISTS asset_grid_apply(geometry, varchar[], integer)")
    op.execute("DROP TRIGGER IF EXISTS asset_map_version ON asset")
    op.execute("DROP FUNCTION IF EXISTS asset_touch_map_version()")
    for kind in ("insert", "delete", "update"):
        op.execute(_function(kind))
    # Transition tables rule out a column list on the UPDATE trigger: the delta keeps only real changes.
    op.execute("CREATE TRIGGER asset_grid_insert AFTER INSERT ON asset REFERENCING NEW TABLE AS new_rows "
               "FOR EACH STATEMENT EXECUTE FUNCTION asset_grid_after_insert()")
    op.execute("CREATE TRIGGER asset_grid_delete AFTER DELETE ON asset REFERENCING OLD TABLE AS old_rows "
               "FOR EACH STATEMENT EXECUTE FUNCTION asset_grid_after_delete()")
    op.execute("CREATE TRIGGER asset_grid_update AFTER UPDATE ON asset "
               "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
               "FOR EACH STATEMENT EXECUTE FUNCTION asset_grid_after_update()")
    op.execute(REBUILD)
    op.execute("SELECT asset_grid_rebuild()")


def downgrade():
    # Back to 0012's own row-level trigger (the state 0012 declares; NULL points and withdrawn assets
    # are then counted by its rebuild as 0012 wrote it).
    for kind in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS asset_grid_{kind} ON asset")
        op.execute(f"DROP FUNCTION IF EXISTS asset_grid_after_{kind}()")
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location(
        "live_statuses_0012", Path(__file__).with_name("0012_live_statuses_tiles.py"))
    live_statuses = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(live_statuses)
    op.execute(live_statuses.GRID_SQL)
    op.execute(
        """
        CREATE TRIGGER asset_grid_maintenance
        AFTER INSERT OR DELETE OR UPDATE OF point, surplus_status, live_status, live_statuses, withheld ON asset
        FOR EACH ROW EXECUTE FUNCTION asset_grid_trigger()
        """
    )
    op.execute("CREATE FUNCTION asset_touch_map_version() RETURNS trigger LANGUAGE plpgsql AS "
               "$$ BEGIN UPDATE map_version SET version = version + 1; RETURN NULL; END $$")
    op.execute("CREATE TRIGGER asset_map_version AFTER UPDATE OF name, asset_type, footprint ON asset "
               "FOR EACH STATEMENT EXECUTE FUNCTION asset_touch_map_version()")
    op.execute("SELECT asset_grid_rebuild()")
