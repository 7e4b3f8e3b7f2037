"""Alembic environment. The database URL comes from the app's settings.

geoalchemy2's helpers keep autogenerate (used by `flask db check`) from
duplicating GiST indexes or touching PostGIS's own tables.
"""

from alembic import context
from geoalchemy2 import alembic_helpers
from sqlalchemy import create_engine

from registry import models  # noqa: F401  (registers every table on the metadata)
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
    url = config.attributes.get("database_url") or Settings.from_environment().database_url
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


run_migrations_online()
