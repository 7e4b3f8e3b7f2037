"""Import page and API: uploaded files kept between preview and confirm, queued runs, saved mappings.

* import_upload: one row per uploaded file (its bytes and SHA-256, who, which authority, the mapping
  and options chosen), with the state of its run: uploaded (preview only), queued (for the worker),
  running, done, failed; the import_run it produced and the summary answered by the API.
* import_mapping: per authority, the column -> field mapping an officer saved (the default next time).

Private tables (officers only): not in the change counter.
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE import_upload (
            id serial PRIMARY KEY,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            user_id integer REFERENCES user_account (id),
            actor varchar(200) NOT NULL,
            via varchar(20) NOT NULL CHECK (via IN ('web', 'api', 'cli')),
            authority_code varchar(9) NOT NULL,
            file_name varchar(500) NOT NULL,
            sha256 varchar(64) NOT NULL,
            content bytea NOT NULL,
            row_count integer,
            mapping jsonb NOT NULL DEFAULT '{}',
            dry_run boolean NOT NULL DEFAULT false,
            retire_missing boolean NOT NULL DEFAULT false,
            status varchar(20) NOT NULL DEFAULT 'uploaded'
                CHECK (status IN ('uploaded', 'queued', 'running', 'done', 'failed')),
            progress_done integer NOT NULL DEFAULT 0,
            progress_total integer NOT NULL DEFAULT 0,
            import_run_id integer REFERENCES import_run (id),
            result jsonb,
            error text
        )
        """
    )
    op.execute("CREATE INDEX ix_import_upload_queued ON import_upload (id) WHERE status = 'queued'")
    op.execute("CREATE INDEX ix_import_upload_authority ON import_upload (authority_code, id)")
    op.execute(
        """
        CREATE TABLE import_mapping (
            authority_code varchar(9) PRIMARY KEY,
            mapping jsonb NOT NULL DEFAULT '{}',
            updated_at timestamptz NOT NULL DEFAULT now(),
            updated_by integer REFERENCES user_account (id)
        )
        """
    )


def downgrade():
    op.execute("DROP TABLE import_mapping")
    op.execute("DROP TABLE import_upload")
