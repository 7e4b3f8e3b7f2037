"""Sign-out that sticks: a per-account session epoch.

Sessions are signed cookies, so the server cannot delete one. A request still in flight when a person
signs out (a map tile, the favicon) answers after the sign-out with the old cookie refreshed, and the
browser would be signed in again: on a library's shared computer, as the person who just left. The
account's epoch is part of the id each session carries (Flask-Login's get_id); signing out or changing
the password moves it on, and every session that carries the old epoch is signed out when it is next
used.

Revision ID: 0024
Revises: 0023
"""

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("user_account", sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False))


def downgrade():
    op.drop_column("user_account", "session_epoch")
