"""Accounts, roles, API tokens and the append-only audit log.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        """
        CREATE TABLE user_account (
            id serial PRIMARY KEY,
            email varchar(320) NOT NULL,
            display_name varchar(200) NOT NULL,
            password_hash varchar(200) NOT NULL,
            roles varchar(40)[] NOT NULL DEFAULT '{}'
                CHECK (roles <@ ARRAY['council_officer', 'council_decision_maker', 'reviewer', 'admin']::varchar[]),
            authority_code varchar(9),
            email_confirmed_at timestamptz,
            active boolean NOT NULL DEFAULT true,
            created_at timestamptz NOT NULL DEFAULT now(),
            last_signed_in_at timestamptz,
            CONSTRAINT uq_user_account_email UNIQUE (email),
            CONSTRAINT fk_user_account_authority_code_authority
                FOREIGN KEY (authority_code) REFERENCES authority (code)
        )
        """
    )
    # Emails are unique whatever their case.
    op.execute("CREATE UNIQUE INDEX ux_user_account_email_lower ON user_account (lower(email))")

    op.execute(
        """
        CREATE TABLE membership (
            user_id integer NOT NULL,
            organisation_id integer NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT pk_membership PRIMARY KEY (user_id, organisation_id),
            CONSTRAINT fk_membership_user_id_user_account
                FOREIGN KEY (user_id) REFERENCES user_account (id) ON DELETE CASCADE,
            CONSTRAINT fk_membership_organisation_id_organisation
                FOREIGN KEY (organisation_id) REFERENCES organisation (id) ON DELETE CASCADE
        )
        """
    )

    op.execute(
        """
        CREATE TABLE api_token (
            id serial PRIMARY KEY,
            user_id integer NOT NULL,
            authority_code varchar(9) NOT NULL,
            name varchar(100) NOT NULL,
            token_hash varchar(64) NOT NULL,
            hint varchar(12) NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            last_used_at timestamptz,
            revoked_at timestamptz,
            CONSTRAINT uq_api_token_token_hash UNIQUE (token_hash),
            CONSTRAINT fk_api_token_user_id_user_account
                FOREIGN KEY (user_id) REFERENCES user_account (id) ON DELETE CASCADE,
            CONSTRAINT fk_api_token_authority_code_authority
                FOREIGN KEY (authority_code) REFERENCES authority (code)
        )
        """
    )

    op.execute(
        """
        CREATE TABLE audit_entry (
            id bigserial PRIMARY KEY,
            at_utc timestamptz NOT NULL DEFAULT now(),
            actor_user_id integer,
            via varchar(20) NOT NULL,
            action varchar(80) NOT NULL,
            target_type varchar(40) NOT NULL,
            target_id varchar(80),
            detail jsonb NOT NULL DEFAULT '{}',
            CONSTRAINT fk_audit_entry_actor_user_id_user_account
                FOREIGN KEY (actor_user_id) REFERENCES user_account (id)
        )
        """
    )
    op.execute("CREATE INDEX ix_audit_entry_target ON audit_entry (target_type, target_id)")
    # Append-only: history is never rewritten, whatever the code path.
    op.execute(
        """
        CREATE FUNCTION audit_entry_is_append_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'audit_entry is append-only: % refused', TG_OP
                USING ERRCODE = 'insufficient_privilege';
        END
        $$
        """
    )
    op.execute(
        """
        CREATE TRIGGER audit_entry_append_only
        BEFORE UPDATE OR DELETE ON audit_entry
        FOR EACH ROW EXECUTE FUNCTION audit_entry_is_append_only()
        """
    )


def downgrade():
    op.execute("DROP TABLE audit_entry")
    op.execute("DROP FUNCTION audit_entry_is_append_only()")
    op.execute("DROP TABLE api_token")
    op.execute("DROP TABLE membership")
    op.execute("DROP TABLE user_account")
