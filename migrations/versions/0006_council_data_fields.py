"""Council data in: the Transparency Code fields, location source, reference keys, withdrawn, import runs.

* New asset columns: tenure (public); tenure_detail, other_detail and extra (private unless an officer
  sets published_details); holding_type, street_number, street, post_town, asset_type_label (the
  council's own label), source_effective_date.
* location_source: surveyed / postcode / postcode_district / none. `point` may be NULL, only with
  `none`. Existing assets are `surveyed`, except those whose point is exactly their postcode's
  centroid, which become `postcode`.
* reference_key: the reference lower-cased with runs of white space collapsed and trimmed, unique per
  authority (it replaces the exact (authority, reference) key). The upgrade stops, naming them, if
  the register already holds references that differ only by case or spacing.
* surplus status `withdrawn`: in the register but no longer in the council's file.
* The map grid is kept by statement-level triggers with transition tables (one set-based pass per
  statement, instead of one function call per row), ignoring rows without a point.
* import_run: one row per import (who, when, file, hash, mapping, counts, row report).

Revision ID: 0006
Revises: 0005
"""

from alembic import op
from sqlalchemy import text

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

OLD_STATUSES = ("'operational', 'under_review', 'surplus', 'available_for_transfer', 'transferred', "
                "'disposed'")
NEW_STATUSES = OLD_STATUSES + ", 'withdrawn'"

# The same rule as assets.reference_key: case and white space (NBSP included) do not count.
REFERENCE_KEY_SQL = r"lower(btrim(regexp_replace(reference, '[\s\u00a0]+', ' ', 'g')))"

# One set-based pass per statement: the grid cells' deltas from the transition tables.
GRID_DELTA_SQL = """
    WITH delta AS ({rows}),
    cells AS (
        SELECT floor((ST_X(point) + 180) / (360.0 / 65536))::int AS cx,
               floor((ST_Y(point) + 90) / (360.0 / 65536))::int AS cy,
               status, sign, ST_X(point) AS x, ST_Y(point) AS y
          FROM delta WHERE point IS NOT NULL AND NOT withheld
    ),
    fine AS (
        SELECT cx, cy, status, sum(sign)::int AS n, sum(sign * x) AS sx, sum(sign * y) AS sy
          FROM cells GROUP BY 1, 2, 3
    ),
    written_fine AS (
        INSERT INTO asset_grid_cell AS g (cx, cy, status, asset_count, sum_lon, sum_lat)
        SELECT cx, cy, status, n, sx, sy FROM fine WHERE n <> 0 OR sx <> 0 OR sy <> 0
        ON CONFLICT (cx, cy, status) DO UPDATE SET
            asset_count = g.asset_count + EXCLUDED.asset_count,
            sum_lon = g.sum_lon + EXCLUDED.sum_lon,
            sum_lat = g.sum_lat + EXCLUDED.sum_lat
        RETURNING 1
    ),
    coarse AS (
        SELECT floor(cx / 32.0)::int AS cx, floor(cy / 32.0)::int AS cy, status, sum(n)::int AS n,
               sum(sx) AS sx, sum(sy) AS sy
          FROM fine GROUP BY 1, 2, 3
    )
    INSERT INTO asset_grid_coarse_cell AS g (cx, cy, status, asset_count, sum_lon, sum_lat)
    SELECT cx, cy, status, n, sx, sy FROM coarse WHERE n <> 0 OR sx <> 0 OR sy <> 0
    ON CONFLICT (cx, cy, status) DO UPDATE SET
        asset_count = g.asset_count + EXCLUDED.asset_count,
        sum_lon = g.sum_lon + EXCLUDED.sum_lon,
        sum_lat = g.sum_lat + EXCLUDED.sum_lat;
    DELETE FROM asset_grid_cell WHERE asset_count <= 0
       AND (cx, cy, status) IN (SELECT floor((ST_X(point) + 180) / (360.0 / 65536))::int,
                                       floor((ST_Y(point) + 90) / (360.0 / 65536))::int, status
                                  FROM ({rows}) d WHERE point IS NOT NULL);
    DELETE FROM asset_grid_coarse_cell WHERE asset_count <= 0
       AND (cx, cy, status) IN (SELECT floor(floor((ST_X(point) + 180) / (360.0 / 65536)) / 32.0)::int,
                                       floor(floor((ST_Y(point) + 90) / (360.0 / 65536)) / 32.0)::int, status
                                  FROM ({rows}) d WHERE point IS NOT NULL);
"""
NEW_ROWS = "SELECT point, coalesce(live_status, surplus_status) AS status, withheld, 1 AS sign FROM new_rows"
OLD_ROWS = "SELECT point, coalesce(live_status, surplus_status) AS status, withheld, -1 AS sign FROM old_rows"
# An update moves only the rows whose point, public status or withholding changed.
CHANGED_ROWS = """
    SELECT r.point, r.status, r.withheld, r.sign FROM old_rows o JOIN new_rows n USING (id)
     CROSS JOIN LATERAL (VALUES (o.point, coalesce(o.live_status, o.surplus_status), o.withheld, -1),
                                (n.point, coalesce(n.live_status, n.surplus_status), n.withheld, 1))
           r (point, status, withheld, sign)
     WHERE (o.point, coalesce(o.live_status, o.surplus_status), o.withheld)
           IS DISTINCT FROM (n.point, coalesce(n.live_status, n.surplus_status), n.withheld)
"""


def _grid_function(name: str, rows: str, guard: str) -> str:
    return f"""
        CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql
        -- Transition tables have no statistics: without this the planner may join old and new rows
        -- by nested loop, quadratic in the rows a statement touches.
        SET enable_nestloop = off
        AS $$
        BEGIN
            IF NOT EXISTS ({guard}) THEN
                RETURN NULL;
            END IF;
            {GRID_DELTA_SQL.format(rows=rows)}
            UPDATE map_version SET version = version + 1;
            RETURN NULL;
        END $$
    """


def upgrade():
    bind = op.get_bind()
    duplicates = bind.execute(text(
        f"SELECT authority_code, {REFERENCE_KEY_SQL} AS key, string_agg(reference, ' | ' ORDER BY reference) "
        f"FROM asset GROUP BY 1, 2 HAVING count(*) > 1 ORDER BY 1, 2 LIMIT 50")).all()
    if duplicates:
        listed = "; ".join(f"{code}: {refs}" for code, _, refs in duplicates)
        raise RuntimeError("Migration 0006 stops: these assets' references differ only by case or spaces, "
                           f"so re-imports could not tell them apart: {listed}. Rename one of each and run "
                           "the migration again.")

    op.execute(
        """
        ALTER TABLE asset
            ADD COLUMN tenure varchar(100),
            ADD COLUMN tenure_detail text,
            ADD COLUMN other_detail text,
            ADD COLUMN published_details boolean NOT NULL DEFAULT false,
            ADD COLUMN holding_type varchar(20)
                CHECK (holding_type IN ('land', 'building', 'land_and_building')),
            ADD COLUMN street_number varchar(50),
            ADD COLUMN street varchar(200),
            ADD COLUMN post_town varchar(100),
            ADD COLUMN asset_type_label varchar(200),
            ADD COLUMN source_effective_date date,
            ADD COLUMN extra jsonb NOT NULL DEFAULT '{}'::jsonb,
            ADD COLUMN location_source varchar(20) NOT NULL DEFAULT 'surveyed'
                CONSTRAINT ck_asset_location_source
                CHECK (location_source IN ('surveyed', 'postcode', 'postcode_district', 'none')),
            ALTER COLUMN point DROP NOT NULL,
            ADD CONSTRAINT ck_asset_point_unless_none CHECK ((point IS NULL) = (location_source = 'none'))
        """
    )
    op.execute(f"ALTER TABLE asset ADD COLUMN reference_key varchar(100) GENERATED ALWAYS AS ({REFERENCE_KEY_SQL}) "
               "STORED")
    op.execute("ALTER TABLE asset ADD CONSTRAINT uq_asset_authority_reference_key "
               "UNIQUE (authority_code, reference_key)")
    op.execute("ALTER TABLE asset DROP CONSTRAINT uq_asset_authority_reference")
    op.execute("ALTER TABLE asset DROP CONSTRAINT asset_surplus_status_check")
    op.execute(f"ALTER TABLE asset ADD CONSTRAINT asset_surplus_status_check CHECK (surplus_status IN ({NEW_STATUSES}))")
    op.execute("CREATE INDEX ix_asset_location_source ON asset (location_source) WHERE location_source <> 'surveyed'")

    # Data: a point exactly at the asset's own postcode's centroid came from the postcode.
    op.execute(
        """
        UPDATE asset a SET location_source = 'postcode'
          FROM postcode p
         WHERE p.compact = upper(replace(a.postcode, ' ', '')) AND ST_Equals(a.point, p.point)
        """
    )

    # The map grid: statement-level triggers with transition tables (a column list is not allowed with
    # transition tables, so the update trigger sees every update and keeps only the rows that moved).
    op.execute("DROP TRIGGER asset_grid_maintenance ON asset")
    op.execute(_grid_function("asset_grid_after_insert", NEW_ROWS, "SELECT 1 FROM new_rows"))
    op.execute(_grid_function("asset_grid_after_delete", OLD_ROWS, "SELECT 1 FROM old_rows"))
    op.execute(_grid_function("asset_grid_after_update", CHANGED_ROWS, CHANGED_ROWS))
    op.execute("CREATE TRIGGER asset_grid_insert AFTER INSERT ON asset REFERENCING NEW TABLE AS new_rows "
               "FOR EACH STATEMENT EXECUTE FUNCTION asset_grid_after_insert()")
    op.execute("CREATE TRIGGER asset_grid_delete AFTER DELETE ON asset REFERENCING OLD TABLE AS old_rows "
               "FOR EACH STATEMENT EXECUTE FUNCTION asset_grid_after_delete()")
    op.execute("CREATE TRIGGER asset_grid_update AFTER UPDATE ON asset "
               "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
               "FOR EACH STATEMENT EXECUTE FUNCTION asset_grid_after_update()")
    # The owner's bulk rebuild (bench, maintenance) skips rows without a point too.
    op.execute(
        """
        CREATE OR REPLACE FUNCTION asset_grid_rebuild() RETURNS void
        LANGUAGE sql AS $$
            TRUNCATE asset_grid_cell;
            INSERT INTO asset_grid_cell (cx, cy, status, asset_count, sum_lon, sum_lat)
            SELECT floor((ST_X(point) + 180) / (360.0 / 65536))::int,
                   floor((ST_Y(point) + 90) / (360.0 / 65536))::int,
                   asset_public_status(asset), count(*), sum(ST_X(point)), sum(ST_Y(point))
              FROM asset WHERE NOT withheld AND point IS NOT NULL GROUP BY 1, 2, 3;
            TRUNCATE asset_grid_coarse_cell;
            INSERT INTO asset_grid_coarse_cell (cx, cy, status, asset_count, sum_lon, sum_lat)
            SELECT floor(cx / 32.0)::int, floor(cy / 32.0)::int, status, sum(asset_count), sum(sum_lon),
                   sum(sum_lat)
              FROM asset_grid_cell GROUP BY 1, 2, 3;
            UPDATE map_version SET version = version + 1;
        $$
        """
    )

    op.execute(
        """
        CREATE TABLE import_run (
            id serial PRIMARY KEY,
            started_at timestamptz NOT NULL DEFAULT now(),
            actor_user_id integer REFERENCES user_account (id),
            actor varchar(200) NOT NULL,
            via varchar(20) NOT NULL,
            file_name varchar(500) NOT NULL,
            sha256 char(64) NOT NULL,
            authority_codes varchar(9)[] NOT NULL DEFAULT '{}',
            mapping jsonb NOT NULL DEFAULT '{}'::jsonb,
            dry_run boolean NOT NULL DEFAULT false,
            retire_missing boolean NOT NULL DEFAULT false,
            written boolean NOT NULL DEFAULT false,
            counts jsonb NOT NULL DEFAULT '{}'::jsonb,
            report jsonb NOT NULL DEFAULT '[]'::jsonb
        )
        """
    )
    op.execute("CREATE INDEX ix_import_run_started_at ON import_run (started_at)")


def downgrade():
    op.execute("DROP TABLE import_run")
    op.execute("DROP TRIGGER asset_grid_insert ON asset")
    op.execute("DROP TRIGGER asset_grid_delete ON asset")
    op.execute("DROP TRIGGER asset_grid_update ON asset")
    op.execute("DROP FUNCTION asset_grid_after_insert()")
    op.execute("DROP FUNCTION asset_grid_after_delete()")
    op.execute("DROP FUNCTION asset_grid_after_update()")
    op.execute("DELETE FROM asset WHERE point IS NULL")
    op.execute("UPDATE asset SET surplus_status = 'disposed' WHERE surplus_status = 'withdrawn'")
    op.execute(
        """
        CREATE OR REPLACE FUNCTION asset_grid_rebuild() RETURNS void
        LANGUAGE sql AS $$
            TRUNCATE asset_grid_cell;
            INSERT INTO asset_grid_cell (cx, cy, status, asset_count, sum_lon, sum_lat)
            SELECT floor((ST_X(point) + 180) / (360.0 / 65536))::int,
                   floor((ST_Y(point) + 90) / (360.0 / 65536))::int,
                   asset_public_status(asset), count(*), sum(ST_X(point)), sum(ST_Y(point))
              FROM asset WHERE NOT withheld GROUP BY 1, 2, 3;
            TRUNCATE asset_grid_coarse_cell;
            INSERT INTO asset_grid_coarse_cell (cx, cy, status, asset_count, sum_lon, sum_lat)
            SELECT floor(cx / 32.0)::int, floor(cy / 32.0)::int, status, sum(asset_count), sum(sum_lon),
                   sum(sum_lat)
              FROM asset_grid_cell GROUP BY 1, 2, 3;
            UPDATE map_version SET version = version + 1;
        $$
        """
    )
    op.execute("CREATE TRIGGER asset_grid_maintenance "
               "AFTER INSERT OR DELETE OR UPDATE OF point, surplus_status, live_status, withheld ON asset "
               "FOR EACH ROW EXECUTE FUNCTION asset_grid_trigger()")
    op.execute("SELECT asset_grid_rebuild()")
    op.execute("ALTER TABLE asset DROP CONSTRAINT asset_surplus_status_check")
    op.execute(f"ALTER TABLE asset ADD CONSTRAINT asset_surplus_status_check CHECK (surplus_status IN ({OLD_STATUSES}))")
    op.execute("DROP INDEX ix_asset_location_source")
    op.execute("ALTER TABLE asset ADD CONSTRAINT uq_asset_authority_reference UNIQUE (authority_code, reference)")
    op.execute("ALTER TABLE asset DROP CONSTRAINT uq_asset_authority_reference_key")
    op.execute("ALTER TABLE asset DROP COLUMN reference_key")
    op.execute(
        """
        ALTER TABLE asset
            DROP CONSTRAINT ck_asset_point_unless_none,
            ALTER COLUMN point SET NOT NULL,
            DROP COLUMN location_source, DROP COLUMN extra, DROP COLUMN source_effective_date,
            DROP COLUMN asset_type_label, DROP COLUMN post_town, DROP COLUMN street, DROP COLUMN street_number,
            DROP COLUMN holding_type, DROP COLUMN published_details, DROP COLUMN other_detail,
            DROP COLUMN tenure_detail, DROP COLUMN tenure
        """
    )
