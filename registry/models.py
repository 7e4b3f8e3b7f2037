"""Imports every model module so the metadata knows every table (for Alembic)."""

from . import accounts, assets, audit, authorities, organisations, places  # noqa: F401
