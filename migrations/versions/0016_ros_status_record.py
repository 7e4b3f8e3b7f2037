"""Registers of Scotland status held as its own record, beside a case's state (issue 11 item 6).

Revision ID: 0016
Revises: 0007

``ros_status_record``: what Registers of Scotland shows for a Scottish right-to-buy case's entry
(RCIL or RoACBL), with the RoS reference, the date RoS gave the status and the officer who recorded it.
One row per record (the history); the latest by date is current.

``organisation.parish_code``: a parish council's own parish (ONS E04… code), so that a nomination of land
outside it is refused where parish boundaries are loaded (s.89(2)(b)(i)).
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE ros_status_record (
            id serial PRIMARY KEY,
            case_id integer NOT NULL REFERENCES "case" (id),
            register varchar(10) NOT NULL CHECK (register IN ('RCIL', 'RoACBL')),
            status varchar(20) NOT NULL,
            ros_reference varchar(60) NOT NULL,
            status_date date NOT NULL,
            recorded_by_user_id integer REFERENCES user_account (id),
            recorded_at timestamptz NOT NULL DEFAULT now(),
            note text
        )
        """
    )
    op.execute("CREATE INDEX ix_ros_status_record_case_id ON ros_status_record (case_id)")
    op.execute("ALTER TABLE organisation ADD COLUMN parish_code varchar(9)")


def downgrade():
    op.execute("ALTER TABLE organisation DROP COLUMN parish_code")
    op.execute("DROP TABLE ros_status_record")
