"""Cases as JSON: the public projection, and steps for API clients (bearer token).

GET  /api/cases/<id>                      the public case (timeline, deadlines; no personal data)
POST /api/cases/<id>/transitions          {"action": ..., "data": {...}, "version": n} → the case
POST /api/cases/<id>/corrections          {"event_id": n, "reason": "..."} → the case (officers)

Every step's ``data`` may carry ``effective_date`` (YYYY-MM-DD: the day it happened in law; default: the
step's own date field, else today) and, for a step that came before an automatic step already recorded,
``late_entry_reason`` (private): the automatic step is then superseded.
"""

import orjson
from flask import Blueprint, Response, request

from .. import accounts, permissions
from ..errors import InvalidInput, NotFound
from ..workflow import cases, engine, public

bp = Blueprint("api_cases", __name__, url_prefix="/api")


def _json(document, status=200):
    return Response(orjson.dumps(document), status=status, mimetype="application/json")


def _public(case_id: int) -> dict:
    case = cases.get(case_id)
    if not engine.is_public(case) and not permissions.can(accounts.current_actor(), "case.view_private", case):
        raise NotFound(f"There is no case {case_id}.")
    return public.public_case(case, engine.today_uk())


@bp.get("/cases/<int:case_id>")
@permissions.public
def show(case_id):
    return _json(_public(case_id))


@bp.post("/cases/<int:case_id>/transitions")
@permissions.signed_in
def take_step(case_id):
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("action"), str):
        raise InvalidInput('Send JSON like {"action": "list", "data": {"reasons": "..."}}.', field="action")
    data = body.get("data") or {}
    if not isinstance(data, dict):
        raise InvalidInput("data must be a JSON object.", field="data")
    version = body.get("version")
    engine.transition(case_id, body["action"], accounts.current_actor(), data, engine.today_uk(),
                      expected_version=version if isinstance(version, int) else None)
    return _json(_public(case_id))


@bp.post("/cases/<int:case_id>/corrections")
@permissions.signed_in
def correct(case_id):
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("event_id"), int):
        raise InvalidInput('Send JSON like {"event_id": 12, "reason": "..."}.', field="event_id")
    engine.correct_record(case_id, body["event_id"], accounts.current_actor(), body.get("reason") or "",
                          engine.today_uk())
    return _json(_public(case_id))
