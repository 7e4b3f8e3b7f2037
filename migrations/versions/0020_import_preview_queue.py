"""The import page's preview of a long file is queued for the worker like the import itself.

* import_upload.preview_status: none (a short file, previewed on each visit), queued, running, ready or
  failed; the worker takes queued previews as it takes queued imports (SELECT … FOR UPDATE SKIP LOCKED),
  reporting progress in the same progress_done/progress_total columns.
* import_upload.preview: the finished dry run as the page shows it (counts, columns and their mapping,
  every problem and warning by row, updated with their fields, missing). Private, like the table.
"""

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        ALTER TABLE import_upload
            ADD COLUMN preview_status varchar(20)
                CHECK (preview_status IN ('queued', 'running', 'ready', 'failed')),
            ADD COLUMN preview jsonb
        """
    )
    op.execute("CREATE INDEX ix_import_upload_preview_queued ON import_upload (id) WHERE preview_status = 'queued'")


def downgrade():
    op.execute("DROP INDEX ix_import_upload_preview_queued")
    op.execute("ALTER TABLE import_upload DROP COLUMN preview, DROP COLUMN preview_status")
