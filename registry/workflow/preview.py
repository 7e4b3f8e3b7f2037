"""Try a step without keeping it: the publication preview shows a step's outcome before it is saved.

The step runs through ``engine.transition`` (every declaration, permission, guard and check) inside
a savepoint that is always rolled back; the emails it queued are dropped with it.
"""

from __future__ import annotations

from flask import g, has_request_context

from .. import db
from . import engine


def try_transition(case_id: int, action: str, actor, data, today, *, expected_version=None) -> None:
    """Raise what ``engine.transition`` would raise; write nothing."""
    notices = list(g.get("workflow_notices", [])) if has_request_context() else None
    savepoint = db.session.begin_nested()
    try:
        engine.transition(case_id, action, actor, data, today, expected_version=expected_version)
    finally:
        savepoint.rollback()
        db.session.expire_all()
        if notices is not None:
            g.workflow_notices = notices
