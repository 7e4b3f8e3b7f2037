"""Alembic environment. The database URL comes from the app's settings.

Migrations run as the owner role (DATABASE_OWNER_URL, else DATABASE_URL). After every
upgrade, in the same transaction, registry/grants.py grants the app role (the user of
DATABASE_URL, or the `app_role` attribute) exactly what it needs on every table, old or new.

geoalchemy2's helpers keep autogenerate (used by `flask db check`) from
duplicating GiST indexes or touching PostGIS's own tables.
"""

from alembic import context
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine

from registry import models  # noqa: F401  (registers every table on the metadata)
from registry import grants
from registry.config import Settings
from registry.db import Base

config = context.config
target_metadata = Base.metadata

POSTGIS_TABLES = {"spatial_ref_sys", "topology", "layer"}


def include_object(obj, name, type_, reflected, compare_to):
    if type_ == "table" and name in POSTGIS_TABLES:
        return False
    # Generated columns, expression indexes, SQL functions' tables and the
    # trigger-maintained map grid are declared by hand in the migrations and
    # not mirrored on the models: only what the models declare is checked.
    if reflected and compare_to is None:
        return False
    return alembic_helpers.include_object(obj, name, type_, reflected, compare_to)


def run_migrations_online():
    settings = None
    url = config.attributes.get("database_url")
    if not url:
        settings = Settings.from_environment()
        url = settings.database_owner_url or settings.database_url
    app_role = config.attributes.get("app_role")
    if app_role is None:
        settings = settings or Settings.from_environment()
        app_role = grants.role_of(settings.database_url)
    connectable = create_engine(url)
    with connectable.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            include_object=include_object,
            process_revision_directives=alembic_helpers.writer,
            render_item=alembic_helpers.render_item,
            compare_type=False,
        )
        with context.begin_transaction():
            context.run_migrations()
            if app_role:
                grants.apply(connection, app_role)  # idempotent: after upgrade, downgrade or check alike


run_migrations_online()
