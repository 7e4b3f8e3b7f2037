"""The append-only audit log: who did what to which record, and when.

Rows are only ever inserted: a trigger in migration 0002 raises on UPDATE or
DELETE of `audit_entry`, so no code path (or stray SQL) can rewrite history.
Details hold identifiers and changed field names, not personal data, and the
log is shown only to admins.
"""

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, String, func, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from . import db


class AuditEntry(db.Base):
    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    at_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    via: Mapped[str] = mapped_column(String(20))  # web, api, cli, system
    action: Mapped[str] = mapped_column(String(80))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(80))
    detail: Mapped[dict] = mapped_column(JSONB, server_default="{}")


def _via() -> str:
    from flask import has_request_context, request

    if not has_request_context():
        return "cli"
    return "api" if request.path.startswith("/api/") else "web"


def record(actor, action: str, target_type: str, target_id=None, detail: dict | None = None,
           *, via: str | None = None) -> AuditEntry:
    """Append one row. `actor` is a User, ANONYMOUS or None (the system)."""
    entry = AuditEntry(
        actor_user_id=getattr(actor, "id", None),
        via=via or (_via() if actor is not None else "system"),
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        detail=detail or {},
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def entries_for(target_type: str, target_id) -> list[AuditEntry]:
    return list(db.session.scalars(
        select(AuditEntry).where(AuditEntry.target_type == target_type, AuditEntry.target_id == str(target_id))
        .order_by(AuditEntry.id)
    ))


def latest(limit: int = 100) -> list[AuditEntry]:
    return list(db.session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)))


#: How the audit view groups actions: by what wrote them (the part before the first dot).
FAMILY_LABELS = {"case": "Workflow steps", "import": "Imports", "boundary": "Boundary loads",
                 "boundaries": "Boundary loads", "asset": "Assets", "account": "Accounts", "admin": "Administration",
                 "transfer": "Transfers", "condition": "Clawback conditions", "sign_in": "Signing in",
                 "support": "Statements of community support"}


def families() -> list[tuple[str, str]]:
    """(prefix, label) of every family of action in the log, for the audit view's filter."""
    family = func.split_part(AuditEntry.action, ".", 1)
    prefixes = db.session.scalars(select(family).distinct().order_by(family)).all()
    return [(p, FAMILY_LABELS.get(p, p.replace("_", " ").capitalize())) for p in prefixes]


def search(limit: int = 200, *, family: str | None = None, target_type: str | None = None,
           target_id: str | None = None) -> list[AuditEntry]:
    """The latest entries, optionally of one family of action (``case`` matches ``case.list``) or one target."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
    if family:
        query = query.where((AuditEntry.action == family)
                            | AuditEntry.action.startswith(family + ".", autoescape=True))
    if target_type:
        query = query.where(AuditEntry.target_type == target_type)
    if target_id:
        query = query.where(AuditEntry.target_id == str(target_id))
    return list(db.session.scalars(query))
