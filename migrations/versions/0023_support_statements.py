"""Statements of community support (issue 15 item 5): a group gathers residents' confirmed support for a case.

``support_statement`` is one per case, opened by the group's representative with the
community's area: the ward or parish of the site (its code and name kept as they were on
opening) or a distance in metres from the site's point. ``supporter`` holds each resident's
name, email and postcode: personal data, never published. One supporter counts once: the
email, normalised, is unique within a statement. ``in_area`` is worked out by PostGIS when the
supporter confirms (the postcode's point against the ward or parish, or a spheroid distance),
so the public count is a plain count of confirmed rows.

Both tables move the register's change counter (migration 0015): the public count on the
case page changes when someone confirms, and cached pages must see it.

Revision ID: 0023
Revises: 0022
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None

TRACKED = ("support_statement", "supporter")


def upgrade():
    op.create_table(
        "support_statement",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("case.id", ondelete="CASCADE"), nullable=False, unique=True),
        sa.Column("opened_by_user_id", sa.Integer, sa.ForeignKey("user_account.id", ondelete="SET NULL")),
        sa.Column("area_kind", sa.String(10), nullable=False),
        sa.Column("area_code", sa.String(9)),
        sa.Column("area_name", sa.String(200), nullable=False),
        sa.Column("distance_m", sa.Integer),
        sa.Column("centre", Geometry("POINT", srid=4326, spatial_index=False), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("closed_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("area_kind IN ('ward', 'parish', 'distance')", name="support_statement_area_kind"),
        sa.CheckConstraint("(area_kind = 'distance') = (distance_m IS NOT NULL)", name="support_statement_distance"),
        sa.CheckConstraint("distance_m IS NULL OR distance_m BETWEEN 100 AND 50000",
                           name="support_statement_distance_range"),
        sa.CheckConstraint("(area_kind = 'distance') OR area_code IS NOT NULL", name="support_statement_area_code"),
    )
    op.create_table(
        "supporter",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("statement_id", sa.Integer, sa.ForeignKey("support_statement.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("email_normalised", sa.String(320), nullable=False),
        sa.Column("postcode", sa.String(8), nullable=False),
        sa.Column("in_area", sa.Boolean),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("confirmed_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("statement_id", "email_normalised", name="supporter_once_per_statement"),
        sa.CheckConstraint("(confirmed_at IS NULL) = (in_area IS NULL)", name="supporter_confirmed_placed"),
    )
    op.create_index("ix_supporter_confirmed", "supporter", ["statement_id", "in_area"],
                    postgresql_where=sa.text("confirmed_at IS NOT NULL"))
    for table in TRACKED:
        op.execute(f"CREATE TRIGGER register_change AFTER INSERT OR UPDATE OR DELETE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION register_change_note()")
        op.execute(f"CREATE TRIGGER register_change_truncate AFTER TRUNCATE ON {table} "
                   "FOR EACH STATEMENT EXECUTE FUNCTION register_change_note()")


def downgrade():
    op.drop_table("supporter")
    op.drop_table("support_statement")
