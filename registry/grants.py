"""Least privilege in the database: what the app role may do, applied after every migration.

Two roles (bin/setup makes them):

- the owner (``DATABASE_OWNER_URL``, role ``registry_owner``) owns the schema; it runs the
  migrations, the bulk loads (postcodes, boundaries, demo data), the benchmark's set-up and the
  browser tests' clean-up;
- the app (``DATABASE_URL``, role ``registry``) reads and writes rows: SELECT, INSERT, UPDATE,
  DELETE on ordinary tables, USAGE on sequences, temporary tables. No DDL, no TRUNCATE, no
  trigger control (it owns nothing), and on the append-only tables only SELECT and INSERT.

``apply`` runs in the migration's transaction, as the owner, after every ``flask db upgrade``
(migrations/env.py), so the tables any later migration creates are covered twice over: by the
default privileges (set here once) and by this pass. A table is append-only when it has a
trigger named ``*append_only*`` or a row trigger fired BEFORE UPDATE and DELETE but not INSERT
(the pattern of migrations 0002–0004); ``APPEND_ONLY`` names the known ones explicitly too.
"""

from sqlalchemy import text
from sqlalchemy.engine import make_url

APPEND_ONLY = ("audit_entry", "case_event", "condition_status_change")
SKIPPED_TABLES = ("spatial_ref_sys",)  # PostGIS's own


def role_of(database_url: str) -> str | None:
    return make_url(database_url).username if database_url else None


def append_only_tables(connection) -> list[str]:
    rows = connection.execute(text(
        """
        SELECT DISTINCT c.relname
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND NOT t.tgisinternal
          AND (t.tgname ILIKE '%append%only%'
               OR (t.tgtype & 1 = 1 AND t.tgtype & 2 = 2 AND t.tgtype & 8 = 8 AND t.tgtype & 16 = 16
                   AND t.tgtype & 4 = 0))
        """
    )).scalars().all()
    existing = set(connection.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename = ANY(:names)"),
        {"names": list(APPEND_ONLY)}).scalars())
    return sorted(set(rows) | existing)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def apply(connection, app_role: str) -> list[str]:
    """Grant the app role what it needs on everything the current (owner) role owns; returns the append-only tables."""
    role = _quote(app_role)
    owner = connection.execute(text("SELECT current_user")).scalar()
    if owner == app_role:
        return []  # one role for everything (an external database without an owner URL): nothing to split
    connection.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
    connection.execute(text(
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}"))
    connection.execute(text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}"))
    connection.execute(text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO {role}"))
    tables = connection.execute(text(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm') AND pg_get_userbyid(c.relowner) = current_user "
        "AND c.relname <> ALL(:skipped)"), {"skipped": list(SKIPPED_TABLES)}).scalars().all()
    append_only = set(append_only_tables(connection))
    for table in tables:
        name = _quote(table)
        connection.execute(text(f"REVOKE ALL ON {name} FROM {role}"))
        if table == "alembic_version":
            connection.execute(text(f"GRANT SELECT ON {name} TO {role}"))
        elif table in append_only:
            connection.execute(text(f"GRANT SELECT, INSERT ON {name} TO {role}"))
        else:
            connection.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {name} TO {role}"))
    sequences = connection.execute(text(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relkind = 'S' AND pg_get_userbyid(c.relowner) = current_user"
    )).scalars().all()
    for sequence in sequences:
        connection.execute(text(f"GRANT USAGE, SELECT ON SEQUENCE {_quote(sequence)} TO {role}"))
    return sorted(append_only & set(tables))
