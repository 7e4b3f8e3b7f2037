"""Several live statuses per asset; a cluster grid that nests inside map tiles; base-map tables.

1. ``asset.live_statuses`` (varchar[]): every live process on the asset (listed AND
   under consideration AND in moratorium). ``asset.live_status`` stays as the
   headline (the strongest of the set) for display; both are kept by
   ``engine.sync_live_status``. ``asset_statuses(surplus_status, live_statuses)`` is
   THE status rule: an asset matches a status filter when the filter overlaps it.
   A GIN index on that expression keeps ``asset_statuses(...) && :statuses`` on an
   index (a separate ``asset_live_status`` table would need an OR of a join and
   the surplus column, which the planner answered with a sequential scan; the array
   keeps it one index condition). Measured on 150,000 rows (1% listed, 1% listed and
   under consideration), ``status=listed``: array + GIN, bitmap index scan, 61 ms;
   ``surplus_status = ANY(..) OR EXISTS (asset_live_status ..)``, seq scan, 1.45-1.96 s.
2. The grid tables become Web Mercator tile cells (fine: the z16 tile grid;
   coarse: z11, 32 × 32 fine cells), so cluster cells nest exactly inside vector
   tiles. ``asset_grid_cell`` / ``asset_grid_coarse_cell`` hold each cell's total
   (status ``'*'``: an asset counts once, so their sum is still the number of
   public assets); ``asset_grid_status_cell`` / ``asset_grid_coarse_status_cell``
   one row per status (an asset counts once in each of its statuses).
3. ``basemap_land``: land polygons for the base map (Natural Earth 1:10m from the
   npm package world-atlas, loaded by ``flask basemap load``), in EPSG:3857,
   subdivided for fast tiles.

Revision ID: 0012
Revises: 0005
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

GRID_SQL = """
CREATE OR REPLACE FUNCTION asset_statuses(p_surplus varchar, p_live varchar[]) RETURNS varchar[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN p_surplus IS NULL THEN coalesce(p_live, '{}')
                WHEN p_surplus = ANY(coalesce(p_live, '{}')) THEN p_live
                ELSE array_prepend(p_surplus, coalesce(p_live, '{}')) END
$$;

-- The z16 Web Mercator tile that holds a point (x from the west, y from the north).
CREATE OR REPLACE FUNCTION asset_grid_x(p_point geometry) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT least(65535, greatest(0, floor((ST_X(p_point) + 180.0) / 360.0 * 65536)))::int
$$;
CREATE OR REPLACE FUNCTION asset_grid_y(p_point geometry) RETURNS integer
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT least(65535, greatest(0, floor((1 - asinh(tan(radians(ST_Y(p_point)))) / pi()) / 2 * 65536)))::int
$$;

CREATE OR REPLACE FUNCTION asset_grid_apply(p_point geometry, p_statuses varchar[], p_delta integer)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    gx integer := asset_grid_x(p_point);
    gy integer := asset_grid_y(p_point);
    coarse_x integer := gx / 32;
    coarse_y integer := gy / 32;
    s varchar := '*';
BEGIN
    -- Once in the total ...
        INSERT INTO asset_grid_cell AS g (cx, cy, status, asset_count, sum_lon, sum_lat)
        VALUES (gx, gy, s, p_delta, p_delta * ST_X(p_point), p_delta * ST_Y(p_point))
        ON CONFLICT (cx, cy, status) DO UPDATE SET
            asset_count = g.asset_count + EXCLUDED.asset_count,
            sum_lon = g.sum_lon + EXCLUDED.sum_lon,
            sum_lat = g.sum_lat + EXCLUDED.sum_lat;
        DELETE FROM asset_grid_cell g WHERE g.cx = gx AND g.cy = gy AND g.status = s AND g.asset_count <= 0;
        INSERT INTO asset_grid_coarse_cell AS g (cx, cy, status, asset_count, sum_lon, sum_lat)
        VALUES (coarse_x, coarse_y, s, p_delta, p_delta * ST_X(p_point), p_delta * ST_Y(p_point))
        ON CONFLICT (cx, cy, status) DO UPDATE SET
            asset_count = g.asset_count + EXCLUDED.asset_count,
            sum_lon = g.sum_lon + EXCLUDED.sum_lon,
            sum_lat = g.sum_lat + EXCLUDED.sum_lat;
        DELETE FROM asset_grid_coarse_cell g WHERE g.cx = coarse_x AND g.cy = coarse_y AND g.status = s AND g.asset_count <= 0;
    -- ... and once in each of its statuses.
    FOREACH s IN ARRAY p_statuses LOOP
        INSERT INTO asset_grid_status_cell AS g (cx, cy, status, asset_count, sum_lon, sum_lat)
        VALUES (gx, gy, s, p_delta, p_delta * ST_X(p_point), p_delta * ST_Y(p_point))
        ON CONFLICT (cx, cy, status) DO UPDATE SET
            asset_count = g.asset_count + EXCLUDED.asset_count,
            sum_lon = g.sum_lon + EXCLUDED.sum_lon,
            sum_lat = g.sum_lat + EXCLUDED.sum_lat;
        DELETE FROM asset_grid_status_cell g WHERE g.cx = gx AND g.cy = gy AND g.status = s AND g.asset_count <= 0;
        INSERT INTO asset_grid_coarse_status_cell AS g (cx, cy, status, asset_count, sum_lon, sum_lat)
        VALUES (coarse_x, coarse_y, s, p_delta, p_delta * ST_X(p_point), p_delta * ST_Y(p_point))
        ON CONFLICT (cx, cy, status) DO UPDATE SET
            asset_count = g.asset_count + EXCLUDED.asset_count,
            sum_lon = g.sum_lon + EXCLUDED.sum_lon,
            sum_lat = g.sum_lat + EXCLUDED.sum_lat;
        DELETE FROM asset_grid_coarse_status_cell g WHERE g.cx = coarse_x AND g.cy = coarse_y AND g.status = s AND g.asset_count <= 0;
    END LOOP;
END $$;

CREATE OR REPLACE FUNCTION asset_grid_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND NOT OLD.withheld THEN
        PERFORM asset_grid_apply(OLD.point, asset_statuses(OLD.surplus_status, OLD.live_statuses), -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NOT NEW.withheld THEN
        PERFORM asset_grid_apply(NEW.point, asset_statuses(NEW.surplus_status, NEW.live_statuses), 1);
    END IF;
    UPDATE map_version SET version = version + 1;
    RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION asset_grid_rebuild() RETURNS void
LANGUAGE sql AS $$
    TRUNCATE asset_grid_cell, asset_grid_coarse_cell, asset_grid_status_cell, asset_grid_coarse_status_cell;
    INSERT INTO asset_grid_cell (cx, cy, status, asset_count, sum_lon, sum_lat)
    SELECT asset_grid_x(point), asset_grid_y(point), '*', count(*), sum(ST_X(point)), sum(ST_Y(point))
      FROM asset WHERE NOT withheld AND point IS NOT NULL GROUP BY 1, 2;
    INSERT INTO asset_grid_status_cell (cx, cy, status, asset_count, sum_lon, sum_lat)
    SELECT asset_grid_x(a.point), asset_grid_y(a.point), s.status, count(*), sum(ST_X(a.point)), sum(ST_Y(a.point))
      FROM asset a CROSS JOIN LATERAL unnest(asset_statuses(a.surplus_status, a.live_statuses)) AS s(status)
     WHERE NOT a.withheld AND a.point IS NOT NULL GROUP BY 1, 2, 3;
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
    op.execute("ALTER TABLE asset ADD COLUMN live_statuses varchar(40)[] NOT NULL DEFAULT '{}'")
    op.execute("UPDATE asset SET live_statuses = ARRAY[live_status] WHERE live_status IS NOT NULL")
    op.execute("DROP TRIGGER IF EXISTS asset_grid_maintenance ON asset")
    op.execute("DROP FUNCTION IF EXISTS asset_grid_apply(geometry, varchar, integer)")
    for table in ("asset_grid_status_cell", "asset_grid_coarse_status_cell"):
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
    op.execute(GRID_SQL)
    op.execute(
        "CREATE INDEX ix_asset_statuses ON asset USING gin (asset_statuses(surplus_status, live_statuses))"
    )
    op.execute(
        """
        CREATE TRIGGER asset_grid_maintenance
        AFTER INSERT OR DELETE OR UPDATE OF point, surplus_status, live_status, live_statuses, withheld ON asset
        FOR EACH ROW EXECUTE FUNCTION asset_grid_trigger()
        """
    )
    op.execute("SELECT asset_grid_rebuild()")
    op.execute(
        """
        CREATE TABLE basemap_land (
            id serial PRIMARY KEY,
            source varchar NOT NULL,
            geom geometry(Polygon, 3857) NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_basemap_land_geom ON basemap_land USING gist (geom)")


def downgrade():
    op.execute("DROP TABLE IF EXISTS basemap_land")
    op.execute("DROP TRIGGER IF EXISTS asset_grid_maintenance ON asset")
    op.execute("DROP TABLE IF EXISTS asset_grid_status_cell, asset_grid_coarse_status_cell")
    op.execute("DROP INDEX IF EXISTS ix_asset_statuses")
    op.execute("DROP FUNCTION IF EXISTS asset_grid_apply(geometry, varchar[], integer)")
    op.execute("DROP FUNCTION IF EXISTS asset_grid_x(geometry)")
    op.execute("DROP FUNCTION IF EXISTS asset_grid_y(geometry)")
    op.execute(
        """
        CREATE OR REPLACE FUNCTION asset_grid_apply(p_point geometry, p_status varchar, p_delta integer)
        RETURNS void LANGUAGE plpgsql AS $$
        DECLARE
            cell_size constant double precision := 360.0 / 65536;
            gx integer := floor((ST_X(p_point) + 180) / cell_size);
            gy integer := floor((ST_Y(p_point) + 90) / cell_size);
            coarse_x integer := floor(gx / 32.0);
            coarse_y integer := floor(gy / 32.0);
        BEGIN
            INSERT INTO asset_grid_cell AS g (cx, cy, status, asset_count, sum_lon, sum_lat)
            VALUES (gx, gy, p_status, p_delta, p_delta * ST_X(p_point), p_delta * ST_Y(p_point))
            ON CONFLICT (cx, cy, status) DO UPDATE SET
                asset_count = g.asset_count + EXCLUDED.asset_count,
                sum_lon = g.sum_lon + EXCLUDED.sum_lon,
                sum_lat = g.sum_lat + EXCLUDED.sum_lat;
            DELETE FROM asset_grid_cell g
             WHERE g.cx = gx AND g.cy = gy AND g.status = p_status AND g.asset_count <= 0;
            INSERT INTO asset_grid_coarse_cell AS g (cx, cy, status, asset_count, sum_lon, sum_lat)
            VALUES (coarse_x, coarse_y, p_status, p_delta, p_delta * ST_X(p_point), p_delta * ST_Y(p_point))
            ON CONFLICT (cx, cy, status) DO UPDATE SET
                asset_count = g.asset_count + EXCLUDED.asset_count,
                sum_lon = g.sum_lon + EXCLUDED.sum_lon,
                sum_lat = g.sum_lat + EXCLUDED.sum_lat;
            DELETE FROM asset_grid_coarse_cell g
             WHERE g.cx = coarse_x AND g.cy = coarse_y AND g.status = p_status AND g.asset_count <= 0;
        END $$
        """
    )
    op.execute(
        """
        CREATE OR REPLACE FUNCTION asset_grid_trigger() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP IN ('UPDATE', 'DELETE') AND NOT OLD.withheld THEN
                PERFORM asset_grid_apply(OLD.point, asset_public_status(OLD), -1);
            END IF;
            IF TG_OP IN ('UPDATE', 'INSERT') AND NOT NEW.withheld THEN
                PERFORM asset_grid_apply(NEW.point, asset_public_status(NEW), 1);
            END IF;
            UPDATE map_version SET version = version + 1;
            RETURN NULL;
        END $$
        """
    )
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
    op.execute(
        """
        CREATE TRIGGER asset_grid_maintenance
        AFTER INSERT OR DELETE OR UPDATE OF point, surplus_status, live_status, withheld ON asset
        FOR EACH ROW EXECUTE FUNCTION asset_grid_trigger()
        """
    )
    op.execute("DROP FUNCTION IF EXISTS asset_statuses(varchar, varchar[])")
    op.execute("ALTER TABLE asset DROP COLUMN live_statuses")
    op.execute("SELECT asset_grid_rebuild()")
