"""Completed transfers and their clawback conditions.

Revision ID: 0004
Revises: 0003
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE transfer (
            id serial PRIMARY KEY,
            asset_id integer NOT NULL,
            authority_code varchar(9) NOT NULL,
            organisation_id integer NOT NULL,
            case_id integer,
            tenure varchar(30) NOT NULL
                CHECK (tenure IN ('freehold', 'lease', 'licence', 'management_agreement')),
            lease_term_years integer CHECK (lease_term_years > 0),
            annual_rent_gbp numeric(14, 2) CHECK (annual_rent_gbp >= 0),
            completion_date date NOT NULL,
            market_value_gbp numeric(14, 2) NOT NULL CHECK (market_value_gbp >= 0),
            consideration_gbp numeric(14, 2) NOT NULL CHECK (consideration_gbp >= 0),
            discount_gbp numeric(14, 2) NOT NULL,
            gdc_limit_gbp numeric(14, 2),
            within_general_consent boolean,
            consent_reference varchar(200),
            wellbeing_justification text,
            decision_reference varchar(200),
            title_numbers varchar(20)[] NOT NULL DEFAULT '{}',
            created_by_user_id integer,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT ck_transfer_discount CHECK (discount_gbp = market_value_gbp - consideration_gbp
                                                   AND discount_gbp >= 0),
            CONSTRAINT ck_transfer_lease_term CHECK (tenure <> 'lease' OR lease_term_years IS NOT NULL),
            CONSTRAINT uq_transfer_case_id UNIQUE (case_id),
            CONSTRAINT fk_transfer_asset_id_asset FOREIGN KEY (asset_id) REFERENCES asset (id),
            CONSTRAINT fk_transfer_authority_code_authority FOREIGN KEY (authority_code)
                REFERENCES authority (code),
            CONSTRAINT fk_transfer_organisation_id_organisation FOREIGN KEY (organisation_id)
                REFERENCES organisation (id),
            CONSTRAINT fk_transfer_case_id_case FOREIGN KEY (case_id) REFERENCES "case" (id),
            CONSTRAINT fk_transfer_created_by_user_id_user_account FOREIGN KEY (created_by_user_id)
                REFERENCES user_account (id)
        )
        """
    )
    op.execute("CREATE INDEX ix_transfer_asset_id ON transfer (asset_id)")
    op.execute("CREATE INDEX ix_transfer_authority_code ON transfer (authority_code)")
    op.execute("CREATE INDEX ix_transfer_organisation_id ON transfer (organisation_id)")

    op.execute(
        """
        CREATE TABLE clawback_condition (
            id serial PRIMARY KEY,
            asset_id integer NOT NULL,
            transfer_id integer,
            beneficiary varchar(200) NOT NULL,
            instrument varchar(40) NOT NULL CHECK (instrument IN (
                'grant_agreement', 'lease_covenant', 'transfer_covenant', 'legal_charge', 'lr_restriction',
                'standard_security', 'title_burden', 'overage_deed', 'pre_emption')),
            registered_ref varchar(200),
            principal_gbp numeric(14, 2) CHECK (principal_gbp >= 0),
            base_value_gbp numeric(14, 2) CHECK (base_value_gbp >= 0),
            start_date date NOT NULL,
            end_date date NOT NULL,
            triggers varchar(40)[] NOT NULL DEFAULT '{}',
            method varchar(20) NOT NULL CHECK (method IN (
                'full', 'stepped_taper', 'straight_line', 'proceeds_share', 'indexed', 'overage')),
            taper_pct numeric(7, 4)[] NOT NULL DEFAULT '{}',
            share_pct numeric(7, 4) CHECK (share_pct BETWEEN 0 AND 100),
            indexation varchar(10) NOT NULL DEFAULT 'none'
                CHECK (indexation IN ('none', 'cpi', 'rpi', 'fixed')),
            fixed_rate_pct numeric(7, 4) CHECK (fixed_rate_pct BETWEEN 0 AND 100),
            cap_gbp numeric(14, 2) CHECK (cap_gbp >= 0),
            status varchar(20) NOT NULL DEFAULT 'active' CHECK (status IN (
                'active', 'triggered', 'settled', 'waived', 'expired', 'discharged')),
            release_conditions text,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT ck_clawback_condition_period CHECK (end_date > start_date),
            CONSTRAINT fk_clawback_condition_asset_id_asset FOREIGN KEY (asset_id) REFERENCES asset (id),
            CONSTRAINT fk_clawback_condition_transfer_id_transfer FOREIGN KEY (transfer_id)
                REFERENCES transfer (id)
        )
        """
    )
    op.execute("CREATE INDEX ix_clawback_condition_asset_id ON clawback_condition (asset_id)")
    op.execute("CREATE INDEX ix_clawback_condition_transfer_id ON clawback_condition (transfer_id)")
    # The expiry sweep and the live-obligations registers read live conditions by end date.
    op.execute(
        "CREATE INDEX ix_clawback_condition_live ON clawback_condition (end_date) "
        "WHERE status IN ('active', 'triggered')"
    )

    op.execute(
        """
        CREATE TABLE condition_status_change (
            id bigserial PRIMARY KEY,
            condition_id integer NOT NULL,
            from_status varchar(20),
            to_status varchar(20) NOT NULL,
            on_date date NOT NULL,
            trigger varchar(40),
            reason text,
            calculation jsonb,
            amount_due_gbp numeric(14, 2) CHECK (amount_due_gbp >= 0),
            actor_user_id integer,
            recorded_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT fk_condition_status_change_condition_id_clawback_condition FOREIGN KEY (condition_id)
                REFERENCES clawback_condition (id),
            CONSTRAINT fk_condition_status_change_actor_user_id_user_account FOREIGN KEY (actor_user_id)
                REFERENCES user_account (id)
        )
        """
    )
    op.execute("CREATE INDEX ix_condition_status_change_condition_id ON condition_status_change (condition_id)")
    # History is append-only, like audit_entry.
    op.execute(
        """
        CREATE FUNCTION condition_status_change_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'condition_status_change is append-only';
        END $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER condition_status_change_append_only BEFORE UPDATE OR DELETE ON condition_status_change
        FOR EACH ROW EXECUTE FUNCTION condition_status_change_append_only()
        """
    )

    op.execute(
        """
        CREATE TABLE index_value (
            id serial PRIMARY KEY,
            authority_code varchar(9),
            index varchar(3) NOT NULL CHECK (index IN ('cpi', 'rpi')),
            month date NOT NULL CHECK (extract(day FROM month) = 1),
            level numeric(12, 4) NOT NULL CHECK (level > 0),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT fk_index_value_authority_code_authority FOREIGN KEY (authority_code)
                REFERENCES authority (code)
        )
        """
    )
    # One figure per series and month; NULL authority is the national series.
    op.execute(
        "CREATE UNIQUE INDEX uq_index_value_series_month ON index_value (coalesce(authority_code, ''), index, month)"
    )

    op.execute(
        """
        CREATE TABLE monitoring_date (
            id serial PRIMARY KEY,
            transfer_id integer NOT NULL,
            kind varchar(20) NOT NULL CHECK (kind IN ('annual_report', 'review')),
            due_date date NOT NULL,
            received_on date,
            reminded_on date,
            CONSTRAINT fk_monitoring_date_transfer_id_transfer FOREIGN KEY (transfer_id) REFERENCES transfer (id)
        )
        """
    )
    op.execute("CREATE INDEX ix_monitoring_date_transfer_id ON monitoring_date (transfer_id)")
    op.execute("CREATE INDEX ix_monitoring_date_open ON monitoring_date (due_date) WHERE received_on IS NULL")


def downgrade():
    op.execute("DROP TABLE monitoring_date")
    op.execute("DROP TABLE index_value")
    op.execute("DROP TABLE condition_status_change")
    op.execute("DROP FUNCTION condition_status_change_append_only()")
    op.execute("DROP TABLE clawback_condition")
    op.execute("DROP TABLE transfer")
