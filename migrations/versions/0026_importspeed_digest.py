"""The import digest: what raw input an asset was last written from, so an unchanged re-import skips it.

``asset.import_digest`` is the BLAKE2b of the raw cells of the row that wrote the asset, keyed by
everything that changes how a row is read (the header, the mapping, the --crs option, the default
authority, the reference data, the importer's version), followed by the coordinate system the row
was read in (`registry/imports/digests.py`). The importer writes it in the same INSERT or UPDATE as
the row's values (or, for a row found unchanged without one, alone). A BEFORE UPDATE trigger clears
it whenever an update leaves it as it was, that is whenever anything but the importer changes the
asset (an officer's edit, a case's status, a retirement): a stale digest never hides a change.

The partial index serves the importer's one query: an authority's stored digests.

Revision ID: 0026
Revises: 0025
"""

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE asset ADD COLUMN import_digest bytea")
    op.execute("CREATE INDEX ix_asset_import_digest ON asset (authority_code) WHERE import_digest IS NOT NULL")
    op.execute(
        """
        CREATE FUNCTION asset_import_digest_clear() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.import_digest := NULL;
            RETURN NEW;
        END $$;
        """
    )
    # WHEN is checked without calling the function: the importer's own updates (a new digest) pay nothing.
    op.execute(
        """
        CREATE TRIGGER asset_import_digest_clear BEFORE UPDATE ON asset FOR EACH ROW
        WHEN (OLD.import_digest IS NOT NULL AND NEW.import_digest IS NOT DISTINCT FROM OLD.import_digest)
        EXECUTE FUNCTION asset_import_digest_clear()
        """
    )


def downgrade():
    op.execute("DROP TRIGGER asset_import_digest_clear ON asset")
    op.execute("DROP FUNCTION asset_import_digest_clear()")
    op.execute("DROP INDEX ix_asset_import_digest")
    op.execute("ALTER TABLE asset DROP COLUMN import_digest")
