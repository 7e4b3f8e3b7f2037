"""Effective dates on case events, supersession, and reminders sent once per deadline.

Revision ID: 0007
Revises: 0005

``case_event`` gains the date a step happened in law (``effective_date``; rows
written before this revision take their ``on_date``), the time it was recorded
(``recorded_at``), and ``supersedes_event_id``: a late-entered step that was
in time supersedes an automatic step by appending an event that names it (no
event row is ever updated). ``deadline`` gains ``reminder_sent_at`` (a
reminder goes once, whenever the daily run first finds the deadline inside
its window) and the status ``superseded``.
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    # The append-only trigger refuses UPDATE: the backfill runs with it disabled, inside this migration only.
    op.execute("ALTER TABLE case_event ADD COLUMN effective_date date")
    op.execute("ALTER TABLE case_event ADD COLUMN recorded_at timestamptz")
    op.execute("ALTER TABLE case_event DISABLE TRIGGER case_event_append_only")
    op.execute("UPDATE case_event SET effective_date = on_date, recorded_at = at_utc")
    op.execute("ALTER TABLE case_event ENABLE TRIGGER case_event_append_only")
    op.execute("ALTER TABLE case_event ALTER COLUMN effective_date SET NOT NULL")
    op.execute("ALTER TABLE case_event ALTER COLUMN recorded_at SET NOT NULL")
    op.execute("ALTER TABLE case_event ALTER COLUMN recorded_at SET DEFAULT now()")
    op.execute(
        """
        ALTER TABLE case_event ADD COLUMN supersedes_event_id bigint
            CONSTRAINT fk_case_event_supersedes_event_id_case_event REFERENCES case_event (id)
        """
    )
    op.execute("CREATE UNIQUE INDEX uq_case_event_supersedes ON case_event (supersedes_event_id)"
               " WHERE supersedes_event_id IS NOT NULL")
    op.execute("ALTER TABLE deadline ADD COLUMN reminder_sent_at timestamptz")
    op.execute("ALTER TABLE deadline DROP CONSTRAINT IF EXISTS deadline_status_check")
    op.execute(
        "ALTER TABLE deadline ADD CONSTRAINT deadline_status_check "
        "CHECK (status IN ('open', 'met', 'missed', 'not_applicable', 'superseded'))"
    )


def downgrade():
    op.execute("ALTER TABLE deadline DROP CONSTRAINT deadline_status_check")
    op.execute("UPDATE deadline SET status = 'not_applicable' WHERE status = 'superseded'")
    op.execute(
        "ALTER TABLE deadline ADD CONSTRAINT deadline_status_check "
        "CHECK (status IN ('open', 'met', 'missed', 'not_applicable'))"
    )
    op.execute("ALTER TABLE deadline DROP COLUMN reminder_sent_at")
    op.execute("DROP INDEX uq_case_event_supersedes")
    op.execute("ALTER TABLE case_event DROP COLUMN supersedes_event_id")
    op.execute("ALTER TABLE case_event DROP COLUMN recorded_at")
    op.execute("ALTER TABLE case_event DROP COLUMN effective_date")
