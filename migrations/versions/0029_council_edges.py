"""Council edges: the lines between two councils whose boundaries are only approximate.

A council without an imported ONS boundary has one made from the postcode points (places.load_authorities):
the union of the grid cells (0.02° × 0.0125°, about 1.4 km) where most of its postcodes lie. Drawn as the
ring of that union, the base map showed every empty cell (moorland, lakes, the Highlands) as a hole with a
dashed edge, and every coast twice: at national zoom the country was grey speckle. What people need from
such a boundary is where one council meets the next, so the base map draws those lines only:

- ``authority_edge`` holds, for each pair of councils, the cell sides where a cell of one meets a cell of
  the other, merged into lines, simplified (the grid's staircase to about half a cell) and smoothed, as
  the approximation it is; a lone cell of one council inside another (a ring of four sides) is left out.
- Edges face empty cells and the sea nowhere: the land layer draws the coast.
- ``refresh_council_edges(dx, dy)`` rebuilds the table from ``postcode`` with the same winner rule as the
  boundaries; places.load_authorities calls it, and so does this migration for a register already loaded.
- An official boundary (boundary_source 'ons') is drawn whole, as before; the tile query leaves out edges
  that touch a council whose boundary is official.

Revision ID: 0029
Revises: 0028
"""

from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE authority_edge (
            id bigserial PRIMARY KEY,
            left_code varchar(9) NOT NULL REFERENCES authority (code) ON DELETE CASCADE,
            right_code varchar(9) NOT NULL REFERENCES authority (code) ON DELETE CASCADE,
            geom geometry(LineString, 4326) NOT NULL,
            CHECK (left_code < right_code)
        )
        """
    )
    op.execute("CREATE INDEX ix_authority_edge_geom ON authority_edge USING gist (geom)")
    op.execute(
        """
        CREATE FUNCTION refresh_council_edges(dx double precision, dy double precision) RETURNS integer
        LANGUAGE plpgsql AS $$
        DECLARE
            made integer;
        BEGIN
            DELETE FROM authority_edge;
            INSERT INTO authority_edge (left_code, right_code, geom)
            WITH cells AS (
                SELECT floor(ST_X(point) / dx)::int AS cx, floor(ST_Y(point) / dy)::int AS cy,
                       district_code, count(*) AS n
                FROM postcode WHERE district_code IS NOT NULL GROUP BY 1, 2, 3
            ), winners AS (
                SELECT DISTINCT ON (cx, cy) cx, cy, district_code FROM cells ORDER BY cx, cy, n DESC
            ), sides AS (
                -- The east side of a cell whose eastern neighbour is another council's ...
                SELECT least(a.district_code, b.district_code) AS l, greatest(a.district_code, b.district_code) AS r,
                       ST_MakeLine(ST_MakePoint((a.cx + 1) * dx, a.cy * dy),
                                   ST_MakePoint((a.cx + 1) * dx, (a.cy + 1) * dy)) AS side
                FROM winners a JOIN winners b ON b.cx = a.cx + 1 AND b.cy = a.cy
                WHERE a.district_code <> b.district_code
                UNION ALL
                -- ... and the north side of one whose northern neighbour is.
                SELECT least(a.district_code, b.district_code), greatest(a.district_code, b.district_code),
                       ST_MakeLine(ST_MakePoint(a.cx * dx, (a.cy + 1) * dy),
                                   ST_MakePoint((a.cx + 1) * dx, (a.cy + 1) * dy))
                FROM winners a JOIN winners b ON b.cx = a.cx AND b.cy = a.cy + 1
                WHERE a.district_code <> b.district_code
            ), lines AS (
                SELECT l, r, (ST_Dump(ST_LineMerge(ST_Collect(side)))).geom AS line FROM sides GROUP BY l, r
            )
            SELECT l, r, ST_SetSRID(ST_ChaikinSmoothing(ST_Simplify(line, dx / 2), 2), 4326)
            FROM lines
            JOIN authority la ON la.code = l JOIN authority ra ON ra.code = r
            WHERE NOT (ST_IsClosed(line) AND ST_NPoints(line) <= 5);
            GET DIAGNOSTICS made = ROW_COUNT;
            RETURN made;
        END
        $$
        """
    )
    op.execute("SELECT refresh_council_edges(0.02, 0.0125) WHERE EXISTS (SELECT 1 FROM authority)")


def downgrade():
    op.execute("DROP FUNCTION refresh_council_edges(double precision, double precision)")
    op.execute("DROP TABLE authority_edge")
