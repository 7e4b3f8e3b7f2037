"""Imports every model module so the metadata knows every table (for Alembic)."""

from . import assets, authorities, organisations, places  # noqa: F401
