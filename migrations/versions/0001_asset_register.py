"""The asset register: authorities, the postcode gazetteer, organisations, assets.

Revision ID: 0001
Revises:
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")

    op.execute(
        """
        CREATE TABLE authority (
            code varchar(9) PRIMARY KEY CHECK (code ~ '^[ENSWLM][0-9]{8}$'),
            name varchar NOT NULL,
            kind varchar NOT NULL,
            nation varchar NOT NULL
                CHECK (nation IN ('england', 'wales', 'scotland', 'northern_ireland')),
            boundary geometry(MultiPolygon, 4326),
            boundary_source varchar CHECK (boundary_source IN ('approximate-postcodes', 'ons')),
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE INDEX ix_authority_boundary ON authority USING gist (boundary)")
    op.execute(
        """
        CREATE TABLE authority_boundary_part (
            id bigserial PRIMARY KEY,
            authority_code varchar(9) NOT NULL REFERENCES authority (code) ON DELETE CASCADE,
            source varchar NOT NULL,
            geom geometry(Polygon, 4326) NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_authority_boundary_part_geom ON authority_boundary_part USING gist (geom)")

    op.execute(
        """
        CREATE TABLE postcode (
            compact varchar(7) PRIMARY KEY,
            postcode varchar(8) NOT NULL,
            district_code varchar(9),
            point geometry(Point, 4326) NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_postcode_point ON postcode USING gist (point)")
    op.execute(
        """
        CREATE TABLE postcode_district (
            outcode varchar(4) PRIMARY KEY,
            point geometry(Point, 4326) NOT NULL,
            postcode_count integer NOT NULL
        )
        """
    )

    # The district a point lies in: official boundaries when imported; otherwise
    # the district of the nearest postcode within 3 km (exact for the gazetteer,
    # better than the approximate grid boundaries); otherwise the approximate boundary.
    op.execute(
        """
        CREATE FUNCTION district_code_at(pt geometry) RETURNS varchar
        LANGUAGE sql STABLE PARALLEL SAFE AS $$
            SELECT coalesce(
                (SELECT authority_code FROM authority_boundary_part
                  WHERE source = 'ons' AND ST_Intersects(geom, pt) LIMIT 1),
                (SELECT district_code FROM (
                    SELECT district_code, point FROM postcode
                     WHERE district_code IS NOT NULL ORDER BY point <-> pt LIMIT 1) nearest
                  WHERE ST_DWithin(nearest.point::geography, pt::geography, 3000)),
                (SELECT authority_code FROM authority_boundary_part
                  WHERE ST_Intersects(geom, pt) LIMIT 1)
            )
        $$
        """
    )

    op.execute(
        """
        CREATE TABLE organisation (
            id serial PRIMARY KEY,
            name varchar(200) NOT NULL,
            legal_form varchar(40) NOT NULL CHECK (legal_form IN (
                'unincorporated_association', 'charity', 'CIO', 'SCIO', 'CLG_non_distributing', 'CIC',
                'community_benefit_society', 'cooperative_society', 'parish_council',
                'community_council_wales', 'neighbourhood_forum', 'trust', 'employee_group')),
            member_count integer CHECK (member_count >= 0),
            local_member_count integer CHECK (local_member_count >= 0),
            asset_lock boolean NOT NULL DEFAULT false,
            non_distribution_of_surplus boolean NOT NULL DEFAULT false,
            community_definition text,
            area_code varchar(9) REFERENCES authority (code),
            company_number varchar(20),
            charity_number varchar(20),
            oscr_number varchar(20),
            fca_number varchar(20),
            contact_name varchar(200),
            contact_email varchar(320),
            contact_phone varchar(40),
            contact_address text,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )

    op.execute(
        """
        CREATE TABLE asset (
            id serial PRIMARY KEY,
            authority_code varchar(9) NOT NULL REFERENCES authority (code),
            reference varchar(100) NOT NULL,
            name varchar(300) NOT NULL,
            description text,
            address text,
            postcode varchar(8),
            uprn bigint CHECK (uprn BETWEEN 1 AND 999999999999),
            title_numbers varchar(20)[] NOT NULL DEFAULT '{}',
            asset_type varchar(40) NOT NULL CHECK (asset_type IN (
                'community_centre', 'library', 'park_pavilion', 'public_toilet', 'former_school', 'depot',
                'office', 'land', 'public_house', 'sports_ground', 'youth_centre', 'museum',
                'swimming_pool', 'allotments', 'car_park', 'church_hall', 'other')),
            current_use text,
            condition varchar(20) NOT NULL DEFAULT 'unknown'
                CHECK (condition IN ('good', 'fair', 'poor', 'very_poor', 'unknown')),
            occupancy varchar(20) NOT NULL DEFAULT 'in_use'
                CHECK (occupancy IN ('in_use', 'partly_used', 'vacant')),
            occupancy_since date,
            surplus_status varchar(40) NOT NULL DEFAULT 'operational' CHECK (surplus_status IN (
                'operational', 'under_review', 'surplus', 'available_for_transfer', 'transferred',
                'disposed')),
            floor_area_m2 numeric(12, 2) CHECK (floor_area_m2 >= 0),
            site_area_m2 numeric(14, 2) CHECK (site_area_m2 >= 0),
            market_value_gbp numeric(14, 2) CHECK (market_value_gbp >= 0),
            point geometry(Point, 4326) NOT NULL,
            footprint geometry(MultiPolygon, 4326) CHECK (footprint IS NULL OR ST_IsValid(footprint)),
            area_code varchar(9),
            live_status varchar(40),
            withheld boolean NOT NULL DEFAULT false,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            search_vector tsvector GENERATED ALWAYS AS (
                setweight(to_tsvector('english', coalesce(name, '')), 'A') ||
                setweight(to_tsvector('simple', coalesce(address, '') || ' ' || coalesce(postcode, '')), 'B') ||
                setweight(to_tsvector('english', coalesce(description, '') || ' ' || coalesce(current_use, '')),
                          'C')
            ) STORED,
            CONSTRAINT uq_asset_authority_reference UNIQUE (authority_code, reference)
        )
        """
    )
    op.execute("CREATE INDEX ix_asset_point ON asset USING gist (point)")
    op.execute("CREATE INDEX ix_asset_point_geography ON asset USING gist ((point::geography))")
    op.execute("CREATE INDEX ix_asset_footprint ON asset USING gist (footprint)")
    op.execute("CREATE INDEX ix_asset_search_vector ON asset USING gin (search_vector)")
    op.execute("CREATE INDEX ix_asset_area_code ON asset (area_code)")
    op.execute("CREATE INDEX ix_asset_authority_code ON asset (authority_code)")
    op.execute("CREATE INDEX ix_asset_surplus_status ON asset (surplus_status)")

    # The map's cluster grid: counts per fine cell (360/2^16 degrees) and public
    # status, kept exact by a trigger so low-zoom clusters aggregate a few
    # thousand rows instead of every asset (performance.md: pre-computed clusters).
    op.execute(
        """
        CREATE TABLE asset_grid_cell (
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
    op.execute("CREATE TABLE map_version (id boolean PRIMARY KEY DEFAULT true CHECK (id), version bigint NOT NULL)")
    op.execute("INSERT INTO map_version VALUES (true, 0)")
    op.execute(
        """
        CREATE FUNCTION asset_public_status(a asset) RETURNS varchar
        LANGUAGE sql IMMUTABLE AS $$ SELECT coalesce(a.live_status, a.surplus_status) $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION asset_grid_apply(p_point geometry, p_status varchar, p_delta integer) RETURNS void
        LANGUAGE plpgsql AS $$
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
    op.execute(
        """
        CREATE FUNCTION asset_grid_trigger() RETURNS trigger
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
        CREATE TRIGGER asset_grid_maintenance
        AFTER INSERT OR DELETE OR UPDATE OF point, surplus_status, live_status, withheld ON asset
        FOR EACH ROW EXECUTE FUNCTION asset_grid_trigger()
        """
    )
    op.execute(
        """
        CREATE FUNCTION asset_touch_map_version() RETURNS trigger
        LANGUAGE plpgsql AS $$ BEGIN UPDATE map_version SET version = version + 1; RETURN NULL; END $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER asset_map_version AFTER UPDATE OF name, asset_type, footprint ON asset
        FOR EACH STATEMENT EXECUTE FUNCTION asset_touch_map_version()
        """
    )
    # For bulk loads: drop the trigger's work and rebuild the grid in one pass.
    op.execute(
        """
        CREATE FUNCTION asset_grid_rebuild() RETURNS void
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


def downgrade():
    op.execute("DROP TRIGGER IF EXISTS asset_map_version ON asset")
    op.execute("DROP TRIGGER IF EXISTS asset_grid_maintenance ON asset")
    op.execute("DROP FUNCTION IF EXISTS asset_grid_rebuild()")
    op.execute("DROP FUNCTION IF EXISTS asset_touch_map_version()")
    op.execute("DROP FUNCTION IF EXISTS asset_grid_trigger()")
    op.execute("DROP FUNCTION IF EXISTS asset_grid_apply(geometry, varchar, integer)")
    op.execute("DROP TABLE IF EXISTS map_version")
    op.execute("DROP TABLE IF EXISTS asset_grid_cell")
    op.execute("DROP FUNCTION IF EXISTS asset_public_status(asset)")
    op.execute("DROP TABLE IF EXISTS asset")
    op.execute("DROP TABLE IF EXISTS organisation")
    op.execute("DROP FUNCTION IF EXISTS district_code_at(geometry)")
    op.execute("DROP TABLE IF EXISTS postcode_district")
    op.execute("DROP TABLE IF EXISTS postcode")
    op.execute("DROP TABLE IF EXISTS authority_boundary_part")
    op.execute("DROP TABLE IF EXISTS authority")
