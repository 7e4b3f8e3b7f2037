"""ACV list import: pg_trgm for matching names, and the council's reference of an imported case.

Revision ID: 0014
Revises: 0007

``pg_trgm`` (a trusted extension: the database owner may create it) gives ``similarity()``, used to match a
council's list entry to an asset within 25 m with a similar name; where it cannot be created the import
falls back to comparing names in Python, so the migration goes on without it. An index on the council's
own reference (``case.data->>'council_reference'``) finds an imported case again on a re-import.
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("""
        DO $$
        BEGIN
            CREATE EXTENSION IF NOT EXISTS pg_trgm;
        EXCEPTION WHEN insufficient_privilege OR undefined_file OR feature_not_supported THEN
            RAISE NOTICE 'pg_trgm is not available: ACV list import compares names in Python';
        END
        $$
    """)
    op.execute("""CREATE INDEX IF NOT EXISTS ix_case_council_reference
                  ON "case" (authority_code, (data->>'council_reference')) WHERE process = 'acv'""")


def downgrade():
    op.execute("DROP INDEX IF EXISTS ix_case_council_reference")
    # pg_trgm is left in place: other code may have come to use it.
