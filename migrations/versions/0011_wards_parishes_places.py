"""Wards and parishes, the offline place gazetteer, and councils' everyday names.

- area_boundary: official ward and parish boundaries (ONS), one row per area, with
  the district it lies in; area_boundary_part holds them subdivided for fast
  point-in-polygon (the same pattern as authority_boundary_part).
- place: names people search for (GeoNames towns and villages, councils by their
  everyday names, imported wards and parishes), one row per name, matched with
  pg_trgm for small misspellings.
- authority.display_name: "Leeds City Council" beside the ONS name "Leeds".

Revision ID: 0011
Revises: 0005
"""

from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")

    op.execute(
        """
        CREATE TABLE area_boundary (
            code varchar(9) PRIMARY KEY CHECK (code ~ '^[ENSWLM][0-9]{8}$'),
            name varchar NOT NULL,
            kind varchar(10) NOT NULL CHECK (kind IN ('ward', 'parish')),
            district_code varchar(9),
            source varchar NOT NULL DEFAULT 'ons',
            source_file varchar,
            geom geometry(MultiPolygon, 4326) NOT NULL,
            updated_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE INDEX ix_area_boundary_geom ON area_boundary USING gist (geom)")
    op.execute("CREATE INDEX ix_area_boundary_kind_district ON area_boundary (kind, district_code)")
    op.execute(
        """
        CREATE TABLE area_boundary_part (
            id bigserial PRIMARY KEY,
            area_code varchar(9) NOT NULL REFERENCES area_boundary (code) ON DELETE CASCADE,
            kind varchar(10) NOT NULL,
            geom geometry(Polygon, 4326) NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_area_boundary_part_geom ON area_boundary_part USING gist (geom)")
    op.execute("CREATE INDEX ix_area_boundary_part_code ON area_boundary_part (area_code)")

    op.execute(
        """
        CREATE TABLE place (
            id bigserial PRIMARY KEY,
            name varchar NOT NULL,
            match_name varchar NOT NULL,
            kind varchar(10) NOT NULL CHECK (kind IN ('district', 'city', 'town', 'ward', 'village',
                                                      'parish', 'suburb', 'hamlet', 'locality')),
            kind_rank smallint NOT NULL,
            source varchar(20) NOT NULL,
            source_id varchar(20) NOT NULL,
            district_code varchar(9),
            population integer,
            point geometry(Point, 4326) NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_place_match_name_trgm ON place USING gin (match_name gin_trgm_ops)")
    op.execute("CREATE INDEX ix_place_match_name ON place (match_name text_pattern_ops)")
    op.execute("CREATE INDEX ix_place_source ON place (source, source_id)")

    op.execute("ALTER TABLE authority ADD COLUMN display_name varchar")
    from registry.place_names import council_display_name

    bind = op.get_bind()
    rows = bind.exec_driver_sql("SELECT code, name FROM authority").fetchall()
    for code, name in rows:
        bind.exec_driver_sql("UPDATE authority SET display_name = %(d)s WHERE code = %(c)s",
                             {"d": council_display_name(code, name), "c": code})


def downgrade():
    op.execute("ALTER TABLE authority DROP COLUMN IF EXISTS display_name")
    op.execute("DROP TABLE IF EXISTS place")
    op.execute("DROP TABLE IF EXISTS area_boundary_part")
    op.execute("DROP TABLE IF EXISTS area_boundary")
