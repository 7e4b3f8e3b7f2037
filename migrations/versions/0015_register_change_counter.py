"""The register's change counter covers every table a public page shows, and says when it last changed.

`map_version` (one row) was bumped only by the asset triggers, for the columns
the map shows. Public pages also show an asset's other fields, cases and their
events, deadlines, transfers and their conditions, authorities, organisations'
public names and postcodes. Every write to any of those tables now bumps the
counter once per transaction, when the transaction commits, and stamps
`changed_at`: the HTTP validators (ETag, Last-Modified) of every public GET are
made from it (registry/web/caching.py).

How: a statement-level trigger on each tracked table notes the transaction in
`register_change_pending` (one row per transaction, ON CONFLICT DO NOTHING); a
deferred constraint trigger on that table bumps the counter at COMMIT and
removes the note. So the single counter row is locked only for the instant of
the commit (no writer holds it while it waits for another row: no deadlock,
no serialising of whole transactions), a rolled-back change bumps nothing, and
a reader never sees a new number before the data it stands for.

Another module's migration tracks its own public table with
``SELECT register_track_changes('my_table')``.

Revision ID: 0015
Revises: 0005
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TRACKED = (
    "authority",
    "authority_boundary_part",
    "postcode",
    "postcode_district",
    "organisation",
    "asset",
    "case",
    "case_event",
    "deadline",
    "transfer",
    "clawback_condition",
    "condition_status_change",
    "index_value",
    "monitoring_date",
)


def upgrade():
    op.execute("ALTER TABLE map_version ADD COLUMN changed_at timestamptz NOT NULL DEFAULT clock_timestamp()")
    op.execute("CREATE TABLE register_change_pending (xact xid8 PRIMARY KEY)")
    # Every bump, from these triggers or the older asset triggers, stamps the time.
    op.execute(
        """
        CREATE FUNCTION map_version_stamp() RETURNS trigger
        LANGUAGE plpgsql AS $$ BEGIN NEW.changed_at := clock_timestamp(); RETURN NEW; END $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER map_version_stamp BEFORE UPDATE ON map_version
        FOR EACH ROW EXECUTE FUNCTION map_version_stamp()
        """
    )
    # SECURITY DEFINER: the app's role writes assets and cases, not the counter's tables.
    op.execute(
        """
        CREATE FUNCTION register_change_note() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
            INSERT INTO register_change_pending VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION register_change_commit() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
        BEGIN
            UPDATE map_version SET version = version + 1;
            DELETE FROM register_change_pending WHERE xact = NEW.xact;
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        """
        CREATE CONSTRAINT TRIGGER register_change_commit AFTER INSERT ON register_change_pending
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION register_change_commit()
        """
    )
    op.execute(
        """
        CREATE FUNCTION register_track_changes(tracked regclass) RETURNS void
        LANGUAGE plpgsql AS $$
        BEGIN
            EXECUTE format('DROP TRIGGER IF EXISTS register_change ON %s', tracked);
            EXECUTE format('DROP TRIGGER IF EXISTS register_change_truncate ON %s', tracked);
            EXECUTE format('CREATE TRIGGER register_change AFTER INSERT OR UPDATE OR DELETE ON %s '
                           'FOR EACH STATEMENT EXECUTE FUNCTION register_change_note()', tracked);
            EXECUTE format('CREATE TRIGGER register_change_truncate AFTER TRUNCATE ON %s '
                           'FOR EACH STATEMENT EXECUTE FUNCTION register_change_note()', tracked);
        END $$
        """
    )
    for table in TRACKED:
        op.execute(f"SELECT register_track_changes('public.\"{table}\"')")


def downgrade():
    for table in TRACKED:
        op.execute(f'DROP TRIGGER IF EXISTS register_change ON "{table}"')
        op.execute(f'DROP TRIGGER IF EXISTS register_change_truncate ON "{table}"')
    op.execute("DROP FUNCTION IF EXISTS register_track_changes(regclass)")
    op.execute("DROP TABLE IF EXISTS register_change_pending")
    op.execute("DROP FUNCTION IF EXISTS register_change_commit()")
    op.execute("DROP FUNCTION IF EXISTS register_change_note()")
    op.execute("DROP TRIGGER IF EXISTS map_version_stamp ON map_version")
    op.execute("DROP FUNCTION IF EXISTS map_version_stamp()")
    op.execute("ALTER TABLE map_version DROP COLUMN IF EXISTS changed_at")
