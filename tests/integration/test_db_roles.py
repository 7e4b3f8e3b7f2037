"""Least privilege: the app's database role can read and write rows, and nothing more.

Each statement runs on the app role's own connection (TEST_DATABASE_URL, as the app uses it)
inside a savepoint; PostgreSQL's refusal (SQLSTATE 42501 insufficient_privilege, or 42501 for
"must be owner") is the expected answer, worked out from the grants bin/setup and
registry/grants.py promise, not from the code under test.
"""

import hashlib

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import DBAPIError

from tests.conftest import TEST_DATABASE_URL, owner_engine

APPEND_ONLY = ["audit_entry", "case_event", "condition_status_change"]


@pytest.fixture(scope="module")
def app_connection(app):
    engine = create_engine(TEST_DATABASE_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def refused(connection, sql: str) -> str:
    """The SQLSTATE PostgreSQL answered with (the statement is rolled back either way)."""
    connection.exec_driver_sql("BEGIN")
    try:
        connection.execute(text(sql))
    except DBAPIError as error:
        return error.orig.sqlstate
    finally:
        connection.exec_driver_sql("ROLLBACK")
    return "accepted"


def test_the_app_role_is_not_a_superuser_and_owns_nothing(app_connection):
    row = app_connection.execute(text(
        "SELECT rolsuper, rolcreatedb, rolcreaterole, rolbypassrls FROM pg_roles WHERE rolname = current_user"
    )).one()
    assert tuple(row) == (False, False, False, False)
    owned = app_connection.execute(text(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'public' AND c.relowner = (SELECT oid FROM pg_roles WHERE rolname = current_user)"
    )).scalar()
    assert owned == 0


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_the_app_role_cannot_lift_an_append_only_trigger(app_connection, table):
    trigger = app_connection.execute(text(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = CAST(:t AS regclass) AND tgname LIKE '%append_only%'"),
        {"t": table}).scalar_one()
    assert refused(app_connection, f"ALTER TABLE {table} DISABLE TRIGGER {trigger}") == "42501"
    assert refused(app_connection, f"ALTER TABLE {table} DISABLE TRIGGER ALL") == "42501"
    assert refused(app_connection, f"DROP TRIGGER {trigger} ON {table}") == "42501"


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_the_app_role_cannot_change_or_empty_the_logs(app_connection, table):
    assert refused(app_connection, f"UPDATE {table} SET id = id WHERE false") == "42501"
    assert refused(app_connection, f"DELETE FROM {table} WHERE false") == "42501"
    assert refused(app_connection, f"TRUNCATE {table}") == "42501"
    # ...but it may read them and append to them: SELECT and INSERT are granted.
    assert app_connection.execute(text(
        "SELECT has_table_privilege(current_user, CAST(:t AS regclass), 'SELECT') "
        "AND has_table_privilege(current_user, CAST(:t AS regclass), 'INSERT')"), {"t": table}).scalar() is True


def test_the_app_role_has_no_ddl_and_no_truncate_on_ordinary_tables(app_connection):
    assert refused(app_connection, "TRUNCATE asset CASCADE") == "42501"
    assert refused(app_connection, "ALTER TABLE asset DISABLE TRIGGER asset_grid_maintenance") == "42501"
    assert refused(app_connection, "ALTER TABLE asset ADD COLUMN sneaky text") == "42501"
    assert refused(app_connection, "DROP TABLE map_version") == "42501"
    assert refused(app_connection, "CREATE TABLE public.sneaky (id int)") == "42501"
    assert refused(app_connection, "UPDATE alembic_version SET version_num = version_num") == "42501"


def test_the_app_role_reads_writes_rows_and_makes_temporary_tables(app_connection):
    assert refused(app_connection, "UPDATE asset SET name = name WHERE id = (SELECT min(id) FROM asset)") == "accepted"
    assert refused(app_connection, "DELETE FROM map_version WHERE false") == "accepted"
    assert refused(app_connection, "CREATE TEMP TABLE scratch (id int) ON COMMIT DROP") == "accepted"
    assert refused(app_connection, "SELECT nextval(pg_get_serial_sequence('asset', 'id'))") == "accepted"


def test_every_table_a_migration_made_is_granted_to_the_app(app_connection):
    """Default privileges + the post-upgrade grant pass: no table of the schema is left unreadable."""
    missing = app_connection.execute(text(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
        "AND NOT has_table_privilege(current_user, format('%I.%I', schemaname, tablename), 'SELECT')")).scalars().all()
    assert missing == []


def test_a_table_made_later_by_the_owner_is_granted_by_default(app_connection):
    with owner_engine().begin() as owner:
        owner.execute(text("DROP TABLE IF EXISTS later_table_security_test"))
        owner.execute(text("CREATE TABLE later_table_security_test (id int)"))
    try:
        assert refused(app_connection, "INSERT INTO later_table_security_test VALUES (1)") == "accepted"
        assert refused(app_connection, "TRUNCATE later_table_security_test") == "42501"
    finally:
        with owner_engine().begin() as owner:
            owner.execute(text("DROP TABLE later_table_security_test"))


@pytest.mark.parametrize("table", APPEND_ONLY)
def test_each_append_only_trigger_is_enabled(app_connection, table):
    enabled = app_connection.execute(text(
        "SELECT tgenabled FROM pg_trigger WHERE tgrelid = CAST(:t AS regclass) AND tgname LIKE '%append_only%'"),
        {"t": table}).scalar_one()
    assert enabled == "O"  # fires in normal operation


def test_the_trigger_refuses_even_the_owner(app):
    """Grants stop the app; the trigger (migration 0002) still stops the role that owns the table."""
    with owner_engine().connect() as owner:
        entry_id = owner.execute(text(
            "INSERT INTO audit_entry (via, action, target_type) VALUES ('cli', 'test.owner', 'test') RETURNING id"
        )).scalar_one()
        for statement in ("UPDATE audit_entry SET action = 'x' WHERE id = :id", "DELETE FROM audit_entry WHERE id = :id"):
            owner.exec_driver_sql("SAVEPOINT s")
            with pytest.raises(DBAPIError, match="append-only"):
                owner.execute(text(statement), {"id": entry_id})
            owner.exec_driver_sql("ROLLBACK TO SAVEPOINT s")
        owner.rollback()


def test_a_boundary_load_writes_an_audit_row(app, db_session, tmp_path):
    """`flask places import-boundaries` (an owner-role load in production) leaves one audit row, via cli."""
    import json

    path = tmp_path / "lad.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"LAD23CD": "W06000015", "LAD23NM": "Cardiff"},
         "geometry": {"type": "Polygon", "coordinates": [[[-3.3, 51.4], [-3.1, 51.4], [-3.1, 51.6], [-3.3, 51.6],
                                                          [-3.3, 51.4]]]}}]}))
    result = app.test_cli_runner().invoke(args=["places", "import-boundaries", str(path)])
    assert result.exit_code == 0, result.output
    rows = db_session.execute(text(
        "SELECT via, actor_user_id, target_id, detail FROM audit_entry WHERE action = 'boundaries.import' "
        "ORDER BY id DESC LIMIT 1")).all()
    assert len(rows) == 1
    assert rows[0].via == "cli" and rows[0].actor_user_id is None and rows[0].target_id == "lad.geojson"
    assert (rows[0].detail["kind"], rows[0].detail["imported"], rows[0].detail["code_property"]) == \
        ("district", 1, "LAD23CD")
    assert rows[0].detail["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
