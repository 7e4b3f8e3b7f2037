"""The statutory workflows: cases, their append-only events, and deadlines.

Revision ID: 0003
Revises: 0002

``case`` is a reserved word in SQL: always write it quoted ("case").
``case_event`` is append-only: a trigger refuses UPDATE and DELETE (TRUNCATE,
used by browser-test clean-up, is not a row operation and still works).
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE "case" (
            id serial PRIMARY KEY,
            process varchar(40) NOT NULL,
            regime_version varchar(20) NOT NULL,
            state varchar(40) NOT NULL,
            asset_id integer,
            authority_code varchar(9) NOT NULL,
            organisation_id integer,
            parent_case_id integer,
            reference varchar(40) NOT NULL,
            title varchar(300) NOT NULL,
            public_summary text,
            site geometry(MultiPolygon, 4326) CHECK (site IS NULL OR ST_IsValid(site)),
            data jsonb NOT NULL DEFAULT '{}'::jsonb,
            private_data jsonb NOT NULL DEFAULT '{}'::jsonb,
            created_by_user_id integer,
            decided_by_user_id integer,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            version integer NOT NULL DEFAULT 1,
            CONSTRAINT uq_case_reference UNIQUE (reference),
            CONSTRAINT fk_case_asset_id_asset FOREIGN KEY (asset_id) REFERENCES asset (id),
            CONSTRAINT fk_case_authority_code_authority FOREIGN KEY (authority_code) REFERENCES authority (code),
            CONSTRAINT fk_case_organisation_id_organisation
                FOREIGN KEY (organisation_id) REFERENCES organisation (id),
            CONSTRAINT fk_case_parent_case_id_case FOREIGN KEY (parent_case_id) REFERENCES "case" (id),
            CONSTRAINT fk_case_created_by_user_id_user_account
                FOREIGN KEY (created_by_user_id) REFERENCES user_account (id),
            CONSTRAINT fk_case_decided_by_user_id_user_account
                FOREIGN KEY (decided_by_user_id) REFERENCES user_account (id)
        )
        """
    )
    op.execute('CREATE INDEX ix_case_asset_id ON "case" (asset_id)')
    op.execute('CREATE INDEX ix_case_authority_code ON "case" (authority_code)')
    op.execute('CREATE INDEX ix_case_organisation_id ON "case" (organisation_id)')
    op.execute('CREATE INDEX ix_case_parent_case_id ON "case" (parent_case_id)')
    op.execute('CREATE INDEX ix_case_process_state ON "case" (process, state)')

    op.execute(
        """
        CREATE TABLE case_event (
            id bigserial PRIMARY KEY,
            case_id integer NOT NULL,
            actor_user_id integer,
            at_utc timestamptz NOT NULL DEFAULT now(),
            on_date date NOT NULL,
            action varchar(60) NOT NULL,
            from_state varchar(40),
            to_state varchar(40) NOT NULL,
            reasons text,
            data jsonb NOT NULL DEFAULT '{}'::jsonb,
            private_data jsonb NOT NULL DEFAULT '{}'::jsonb,
            CONSTRAINT fk_case_event_case_id_case FOREIGN KEY (case_id) REFERENCES "case" (id),
            CONSTRAINT fk_case_event_actor_user_id_user_account
                FOREIGN KEY (actor_user_id) REFERENCES user_account (id)
        )
        """
    )
    op.execute("CREATE INDEX ix_case_event_case_id ON case_event (case_id)")
    op.execute(
        """
        CREATE FUNCTION case_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'case_event is append-only: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER case_event_append_only BEFORE UPDATE OR DELETE ON case_event
        FOR EACH ROW EXECUTE FUNCTION case_event_append_only()
        """
    )

    op.execute(
        """
        CREATE TABLE deadline (
            id serial PRIMARY KEY,
            case_id integer NOT NULL,
            rule_code varchar(60) NOT NULL,
            label varchar(300) NOT NULL,
            anchor_event varchar(60) NOT NULL,
            anchor_date date NOT NULL,
            due_date date NOT NULL,
            actor varchar(20) NOT NULL,
            status varchar(20) NOT NULL DEFAULT 'open'
                CHECK (status IN ('open', 'met', 'missed', 'not_applicable')),
            met_at date,
            extension_agreed_until date,
            extension_reason text,
            overridden_by integer,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT uq_deadline_case_id UNIQUE (case_id, rule_code, anchor_date),
            CONSTRAINT fk_deadline_case_id_case FOREIGN KEY (case_id) REFERENCES "case" (id),
            CONSTRAINT fk_deadline_overridden_by_user_account
                FOREIGN KEY (overridden_by) REFERENCES user_account (id)
        )
        """
    )
    op.execute("CREATE INDEX ix_deadline_due_date ON deadline (due_date) WHERE status = 'open'")


def downgrade():
    op.execute("DROP TABLE deadline")
    op.execute("DROP TRIGGER case_event_append_only ON case_event")
    op.execute("DROP TABLE case_event")
    op.execute("DROP FUNCTION case_event_append_only()")
    op.execute('DROP TABLE "case"')
