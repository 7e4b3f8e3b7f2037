"""The warnings a row was imported with, kept beside its import digest.

A row read with a warning now keeps its digest too (migration 0028), so that an unchanged re-import
skips it like any other; `asset.import_warnings` holds what the report must list for it again
without reading it: the location it was given (`postcode`, `postcode_district`, `none`: a row that
is not surveyed was warned about) and each warning's field and message, in the file's own column
names (the record number, spreadsheet row and reference are the file's, added when it is listed).
NULL for a row read without any warning.

It is read only beside a stored digest that matches the file's row, and written in the same INSERT
or UPDATE as the digest. The digest's trigger clears the digest when anything else changes the
asset, which leaves these warnings unread until the importer writes both again. What a warning
depends on besides the row (the gazetteer, the authorities' boundaries) is in the digest's key:
reloading a boundary or the postcodes gives every row a new digest, and so checks it again.

Revision ID: 0030
Revises: 0029
"""

from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("ALTER TABLE asset ADD COLUMN import_warnings jsonb")


def downgrade():
    op.execute("ALTER TABLE asset DROP COLUMN import_warnings")
