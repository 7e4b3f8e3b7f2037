"""The s.95 annual report's officer-entered text (f): action taken to promote asset transfer requests.

One row per Scottish authority and reporting year (``year_start`` 2026 = 1 April 2026 to 31 March 2027).
The text is public (it is published in the report); who last edited it is kept in the audit log.

Revision ID: 0017
Revises: 0015
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE atr_report_text (
            authority_code varchar(9) NOT NULL REFERENCES authority (code),
            year_start integer NOT NULL CHECK (year_start BETWEEN 2016 AND 2200),
            promotion_text text NOT NULL CHECK (length(promotion_text) <= 20000),
            updated_by_user_id integer REFERENCES user_account (id),
            updated_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (authority_code, year_start)
        )
        """
    )
    op.execute("SELECT register_track_changes('public.atr_report_text')")


def downgrade():
    op.execute("DROP TABLE atr_report_text")
