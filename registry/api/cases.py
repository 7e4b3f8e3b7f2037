"""Cases as JSON: the public projection, and steps for API clients (bearer token).

GET  /api/cases/<id>                      the public case (timeline, deadlines; no personal data)
POST /api/cases/<id>/transitions          {"action": ..., "data": {...}, "version": n} → the case
POST /api/cases/<id>/corrections          {"event_id": n, "reason": "..."} → the case (officers)
POST /api/cases/<id>/ros-status           {"register", "status", "ros_reference", "status_date", "note"?}
                                          → the case (officers; Scottish rights to buy only)

A Scottish right-to-buy case carries ``registers_of_scotland``: the latest status an officer recorded from
Registers of Scotland (its own record, which may differ from the case's ``state``).

Every step's ``data`` may carry ``effective_date`` (YYYY-MM-DD: the day it happened in law; default: the
step's own date field, else today) and, for a step that came before an automatic step already recorded,
``late_entry_reason`` (private): the automatic step is then superseded.
"""

import orjson
from flask import Blueprint, Response, request

from .. import accounts, permissions
from .. import support_statements as support
from ..errors import InvalidInput, NotFound
from ..workflow import cases, engine, public, ros_status

bp = Blueprint("api_cases", __name__, url_prefix="/api")


def _json(document, status=200):
    return Response(orjson.dumps(document), status=status, mimetype="application/json")


def _public(case_id: int) -> dict:
    case = cases.get(case_id)
    if not engine.is_public(case) and not permissions.can(accounts.current_actor(), "case.view_private", case):
        raise NotFound(f"There is no case {case_id}.")
    document = public.public_case(case, engine.today_uk())
    ros = ros_status.public_view(case)
    if ros is not None:
        document["registers_of_scotland"] = ros
    support_counts = support.public_counts(case.id)  # two numbers and the area's words: nobody's details
    if support_counts is not None:
        document["community_support"] = support_counts
    return document


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


@bp.post("/cases/<int:case_id>/ros-status")
@permissions.signed_in
def record_ros_status(case_id):
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput('Send JSON like {"register": "RCIL", "status": "registered", "ros_reference": "CB00123", '
                           '"status_date": "2026-03-04"}.', field="register")
    values = {k: body.get(k) for k in ("register", "status", "ros_reference", "status_date", "note")}
    if any(v is not None and not isinstance(v, str) for v in values.values()):
        name = next(k for k, v in values.items() if v is not None and not isinstance(v, str))
        raise InvalidInput(f"{name} must be a string.", field=name)
    ros_status.record(case_id, accounts.current_actor(), values, engine.today_uk())
    return _json(_public(case_id))
