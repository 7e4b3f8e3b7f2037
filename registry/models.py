"""Imports every model module so the metadata knows every table (for Alembic)."""

from . import accounts, api_tokens, assets, audit, authorities, import_runs, join_requests, organisations, places  # noqa: F401
from . import conditions, indices, monitoring, transfers  # noqa: F401
from . import support_statements  # noqa: F401
from .workflow import cases as workflow_cases  # noqa: F401
