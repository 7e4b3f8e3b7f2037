"""A coarse level of the map's cluster grid, for low zooms.

At 100k assets the fine grid (360/2^16 degrees) holds nearly one cell per
asset, so a zoom-9 view still aggregated ~20k rows. A second level of
360/2^11 degrees (32 × 32 fine cells) is kept by the same trigger; views at
zoom 9 and below read it instead.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE asset_grid_coarse_cell (
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
    op.execute("SELECT asset_grid_rebuild()")


def downgrade():
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
            UPDATE map_version SET version = version + 1;
        $$
        """
    )
    op.execute(
        """
        CREATE OR REPLACE FUNCTION asset_grid_apply(p_point geometry, p_status varchar, p_delta integer)
        RETURNS void LANGUAGE plpgsql AS $$
        DECLARE
            cell_size constant double precision := 360.0 / 65536;
            gx integer := floor((ST_X(p_point) + 180) / cell_size);
            gy integer := floor((ST_Y(p_point) + 90) / cell_size);
        BEGIN
            INSERT INTO asset_grid_cell AS g (cx, cy, status, asset_count, sum_lon, sum_lat)
            VALUES (gx, gy, p_status, p_delta, p_delta * ST_X(p_point), p_delta * ST_Y(p_point))
            ON CONFLICT (cx, cy, status) DO UPDATE SET
                asset_count = g.asset_count + EXCLUDED.asset_count,
                sum_lon = g.sum_lon + EXCLUDED.sum_lon,
                sum_lat = g.sum_lat + EXCLUDED.sum_lat;
            DELETE FROM asset_grid_cell g
             WHERE g.cx = gx AND g.cy = gy AND g.status = p_status AND g.asset_count <= 0;
        END $$
        """
    )
    op.execute("DROP TABLE asset_grid_coarse_cell")
