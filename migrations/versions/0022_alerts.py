"""Alerts: confirmed email subscriptions to an area and to kinds of public event, and what was sent.

A subscription's email address and area are personal data: neither table is public, and
neither is in the register's change counter. ``alert_sent`` records each (subscription,
event) pair once: its unique key is what keeps ``flask alerts send`` from ever sending the
same alert twice, however often it runs or if two runs overlap.

Revision ID: 0022
Revises: 0021
"""

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects.postgresql import ARRAY

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "alert_subscription",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("email", sa.String(320), nullable=False),
        sa.Column("area_kind", sa.String(20), nullable=False),
        sa.Column("area_code", sa.String(9)),
        sa.Column("area_label", sa.String(300), nullable=False),
        sa.Column("shape", Geometry("MULTIPOLYGON", srid=4326, spatial_index=False)),
        sa.Column("centre", Geometry("POINT", srid=4326, spatial_index=False)),
        sa.Column("radius_m", sa.Integer),
        sa.Column("postcode", sa.String(8)),
        sa.Column("events", ARRAY(sa.String(30)), nullable=False),
        sa.Column("frequency", sa.String(10), nullable=False, server_default="daily"),
        sa.Column("feed_token", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("confirmed_at", sa.DateTime(timezone=True)),
        sa.Column("unsubscribed_at", sa.DateTime(timezone=True)),
        sa.Column("last_digest_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint("area_kind IN ('shape', 'ward', 'parish', 'council', 'distance')",
                           name="alert_subscription_area_kind"),
        sa.CheckConstraint("frequency IN ('daily', 'weekly')", name="alert_subscription_frequency"),
        sa.CheckConstraint(
            "(area_kind = 'shape' AND shape IS NOT NULL) OR (area_kind IN ('ward', 'parish', 'council') "
            "AND area_code IS NOT NULL) OR (area_kind = 'distance' AND centre IS NOT NULL AND radius_m > 0)",
            name="alert_subscription_area_given"),
    )
    op.create_index("ix_alert_subscription_live", "alert_subscription", ["id"],
                    postgresql_where=sa.text("confirmed_at IS NOT NULL AND unsubscribed_at IS NULL"))
    op.create_table(
        "alert_sent",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("subscription_id", sa.Integer,
                  sa.ForeignKey("alert_subscription.id", ondelete="CASCADE"), nullable=False),
        sa.Column("event_key", sa.String(80), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("subscription_id", "event_key", name="uq_alert_sent_once"),
    )


def downgrade():
    op.drop_table("alert_sent")
    op.drop_table("alert_subscription")
