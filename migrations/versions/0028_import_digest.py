"""The import digest: what raw input an asset was last written from, so an unchanged re-import skips it.

``asset.import_digest`` is the BLAKE2b of the raw cells of the row that wrote the asset, keyed by
everything that changes how a row is read (the header, the mapping, the --crs option, the default
authority, the reference data, the importer's version), followed by the coordinate system the row
was read in (`registry/imports/digests.py`). The importer writes it in the same INSERT or UPDATE as
the row's values (or, for a row found unchanged without one, alone). An AFTER UPDATE trigger clears
it whenever an update leaves it as it was, that is whenever anything but the importer changes the
asset (an officer's edit, a case's status, a retirement): a stale digest never hides a change.

No index: the importer reads every asset of the file's authorities in one pass (their digests, and
which of them could be missing from the file), and an index would only cost each import's writes.

Revision ID: 0028
Revises: 0027
"""

from alembic import op

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE asset ADD COLUMN import_digest bytea")
    # A statement-level trigger, not a row-level BEFORE UPDATE one: a BEFORE ROW trigger makes every
    # UPDATE of an asset lock the row first (one more heap write and WAL record per row), which an
    # import updating 100,000 rows pays whether or not the trigger's WHEN holds. This one joins the
    # transition tables the map grid's trigger already keeps and writes only the rows it clears; its
    # own UPDATE clears nothing more, so it stops there.
    # Measured traps: `IF EXISTS (join)` is planned for its first row (a nested loop), which on an
    # import's 100,000 updated rows, none to clear, compares every pair: over 14 minutes. The
    # aggregate reads the join through. And EXECUTE plans it on each call, with the transition tables'
    # real sizes: a cached plan from a one-row officer's edit would be that nested loop too.
    op.execute(
        """
        CREATE FUNCTION asset_import_digest_clear() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            stale bigint[];
        BEGIN
            EXECUTE 'SELECT array_agg(n.id) FROM old_rows o JOIN new_rows n USING (id)
                      WHERE n.import_digest IS NOT NULL AND n.import_digest = o.import_digest' INTO stale;
            IF stale IS NOT NULL THEN
                UPDATE asset SET import_digest = NULL WHERE id = ANY(stale);
            END IF;
            RETURN NULL;
        END $$;
        """
    )
    op.execute(
        """
        CREATE TRIGGER asset_import_digest_clear AFTER UPDATE ON asset
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION asset_import_digest_clear()
        """
    )


def downgrade():
    op.execute("DROP TRIGGER asset_import_digest_clear ON asset")
    op.execute("DROP FUNCTION asset_import_digest_clear()")
    op.execute("ALTER TABLE asset DROP COLUMN import_digest")
