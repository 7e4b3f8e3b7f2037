"""Text search tiers: GIN indexes on the name part and the name-and-address part of search_vector.

Ranked text search (registry/search.py, issue 14 item 3) puts assets whose name holds
the whole query first, then name and address, then anywhere. These two indexes find
the rows of the first two tiers directly when the words are rare there, so a page
never ranks every match. They are expressions over the generated search_vector
(weights A, and A + B): no new column, no trigger, nothing to keep in step; bulk
loads that drop and rebuild secondary indexes rebuild these too.

Revision ID: 0021
Revises: 0020
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("CREATE INDEX ix_asset_search_name ON asset USING gin (ts_filter(search_vector, '{a}'))")
    op.execute("CREATE INDEX ix_asset_search_name_address ON asset USING gin (ts_filter(search_vector, '{a,b}'))")


def downgrade():
    op.execute("DROP INDEX ix_asset_search_name_address")
    op.execute("DROP INDEX ix_asset_search_name")
