"""Join requests: a signed-in person asks to act for an existing community group.

The group's representative (any person who already acts for it) approves or
declines the request from their account page; approval adds a membership.
Requests hold who asked (personal data): the table is never public, so it is not
in the register's change counter.

Revision ID: 0019
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "join_request",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("organisation_id", sa.Integer, sa.ForeignKey("organisation.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False),
        sa.Column("message", sa.Text),
        sa.Column("status", sa.String(20), nullable=False, server_default="pending"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("decided_at", sa.DateTime(timezone=True)),
        sa.Column("decided_by", sa.Integer, sa.ForeignKey("user_account.id", ondelete="SET NULL")),
        sa.CheckConstraint("status IN ('pending', 'approved', 'declined')", name="join_request_status"),
    )
    # One open request per person and group.
    op.create_index("join_request_one_pending", "join_request", ["organisation_id", "user_id"], unique=True,
                    postgresql_where=sa.text("status = 'pending'"))


def downgrade():
    op.drop_table("join_request")
