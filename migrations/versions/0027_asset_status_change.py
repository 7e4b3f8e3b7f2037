"""Asset status changes: one row each time an asset's surplus status or occupancy changes.

A surplus alert is news that an asset *became* surplus or vacant. ``asset.updated_at`` cannot say
that: any edit moves it, and it keeps no history. Statement triggers (with transition tables, as
the map grid's in 0013) write a row for every inserted asset and for every update that changes
``surplus_status`` or ``occupancy``, whichever code path wrote it (forms, the write API, imports,
transfers, workflow hooks). The row keeps the values before and after and whether the asset was
withheld then, so a change made while it was withheld is never announced. No backfill: history
starts now, so no subscriber hears of old changes. The bulk initial load disables user triggers
on ``asset``; a register loaded that way starts with no history (nobody can have subscribed to
an empty register's changes).

Revision ID: 0027
Revises: 0026
"""

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "asset_status_change",
        sa.Column("id", sa.BigInteger, primary_key=True),
        sa.Column("asset_id", sa.Integer, sa.ForeignKey("asset.id", ondelete="CASCADE"), nullable=False),
        sa.Column("from_surplus_status", sa.String(40)),
        sa.Column("to_surplus_status", sa.String(40), nullable=False),
        sa.Column("from_occupancy", sa.String(20)),
        sa.Column("to_occupancy", sa.String(20), nullable=False),
        sa.Column("withheld", sa.Boolean, nullable=False),
        sa.Column("at_utc", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_asset_status_change_asset_id", "asset_status_change", ["asset_id"])
    op.create_index("ix_asset_status_change_at_utc", "asset_status_change", ["at_utc"])
    op.execute(
        """
        CREATE FUNCTION asset_status_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO asset_status_change (asset_id, to_surplus_status, to_occupancy, withheld)
            SELECT n.id, n.surplus_status, n.occupancy, n.withheld FROM new_rows n;
            RETURN NULL;
        END $$
        """
    )
    op.execute(
        """
        CREATE FUNCTION asset_status_updated() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            INSERT INTO asset_status_change (asset_id, from_surplus_status, to_surplus_status, from_occupancy,
                                             to_occupancy, withheld)
            SELECT n.id, o.surplus_status, n.surplus_status, o.occupancy, n.occupancy, n.withheld
            FROM new_rows n JOIN old_rows o ON o.id = n.id
            WHERE n.surplus_status IS DISTINCT FROM o.surplus_status OR n.occupancy IS DISTINCT FROM o.occupancy
            ORDER BY n.id;
            RETURN NULL;
        END $$
        """
    )
    # Transition tables cannot go with a column list (UPDATE OF ...): the function compares the columns.
    op.execute("CREATE TRIGGER asset_status_insert AFTER INSERT ON asset REFERENCING NEW TABLE AS new_rows "
               "FOR EACH STATEMENT EXECUTE FUNCTION asset_status_inserted()")
    op.execute("CREATE TRIGGER asset_status_update AFTER UPDATE ON asset "
               "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
               "FOR EACH STATEMENT EXECUTE FUNCTION asset_status_updated()")


def downgrade():
    op.execute("DROP TRIGGER asset_status_update ON asset")
    op.execute("DROP TRIGGER asset_status_insert ON asset")
    op.execute("DROP FUNCTION asset_status_updated()")
    op.execute("DROP FUNCTION asset_status_inserted()")
    op.drop_table("asset_status_change")
