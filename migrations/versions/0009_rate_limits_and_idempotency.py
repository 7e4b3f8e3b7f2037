"""Shared rate-limit counters and idempotency keys.

``rate_limit_counter``: Flask-Limiter's fixed-window counters, in the database every
process shares (registry/ratelimit_storage.py), instead of each worker's memory.

``idempotency_key``: the first answer to a write made with an ``Idempotency-Key``
header (the API) or a form's one-time token (pages), stored in the same transaction as
the write, so a retry gets that answer back and never makes a second record. Rows are
kept for a day.


Revision ID: 0009
Revises: 0005
"""

from alembic import op

revision = "0009"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE rate_limit_counter (
            key text PRIMARY KEY,
            count integer NOT NULL,
            expires_at timestamptz NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ix_rate_limit_counter_expires_at ON rate_limit_counter (expires_at)")
    op.execute(
        """
        CREATE TABLE idempotency_key (
            scope text NOT NULL,
            key text NOT NULL,
            fingerprint text NOT NULL,
            status integer,
            headers jsonb NOT NULL DEFAULT '{}',
            body bytea,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (scope, key),
            CONSTRAINT ck_idempotency_key_key_length CHECK (length(key) BETWEEN 1 AND 255)
        )
        """
    )
    op.execute("CREATE INDEX ix_idempotency_key_created_at ON idempotency_key (created_at)")


def downgrade():
    op.execute("DROP TABLE idempotency_key")
    op.execute("DROP TABLE rate_limit_counter")
