"""The record of every import: who ran it, when, which file (name and SHA-256), the mapping, the counts
and the row report. Written by the edge that runs an import (the CLI, the page, the API) in the same
transaction as the import itself; a refused import is recorded too (written = false).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ARRAY, Boolean, DateTime, ForeignKey, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from . import db


class ImportRun(db.Base):
    __tablename__ = "import_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor: Mapped[str] = mapped_column(String(200))  # the user's email, or "cli"
    via: Mapped[str] = mapped_column(String(20))  # cli, web, api
    file_name: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64))
    authority_codes: Mapped[list[str]] = mapped_column(ARRAY(String(9)), server_default="{}")
    mapping: Mapped[dict] = mapped_column(JSONB, server_default="{}")
    dry_run: Mapped[bool] = mapped_column(Boolean, server_default="false")
    retire_missing: Mapped[bool] = mapped_column(Boolean, server_default="false")
    written: Mapped[bool] = mapped_column(Boolean, server_default="false")
    counts: Mapped[dict] = mapped_column(JSONB, server_default="{}")
    report: Mapped[list] = mapped_column(JSONB, server_default="[]")
