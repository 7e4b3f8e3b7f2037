"""What an uploaded file is: a land and buildings register (`assets`) or a list of assets of community value (`acv`).

The import page takes a council's ACV list as well as its register (issue 10 item 10: "`flask acv import`
and the same page"). Both are kept as `import_upload` rows between the preview and the confirmation, so the
confirmation re-checks the same bytes (the SHA-256); `kind` keeps the register's pages and its worker to the
register's files and the list's pages to the lists. Every upload before this one was a register.

Revision ID: 0034
Revises: 0033
"""

from alembic import op

revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE import_upload ADD COLUMN kind varchar(10) NOT NULL DEFAULT 'assets' "
               "CONSTRAINT ck_import_upload_kind CHECK (kind IN ('assets', 'acv'))")


def downgrade():
    op.execute("ALTER TABLE import_upload DROP COLUMN kind")
