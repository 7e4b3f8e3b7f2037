"""Public deadline calculator: GET /api/deadlines?event=EVENT&date=YYYY-MM-DD[&regime=...].

Answers ``{"event", "date", "deadlines": [{"rule", "label", "due", ...}]}`` with
every deadline the event starts (registry/workflow/rules.py). A missing or bad
parameter answers 400 problem+json naming it (``invalid_param``).
"""

from datetime import date

import orjson
from flask import Blueprint, Response, request

from ..errors import InvalidInput
from ..permissions import public
from ..workflow import rules

bp = Blueprint("api_deadlines", __name__, url_prefix="/api")


def parse_date_param(raw: str | None, name: str = "date") -> date:
    if not raw:
        raise InvalidInput(f"Give the {name} parameter as a date written year-month-day, for example "
                           f"{name}=2026-06-01.", field=name)
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise InvalidInput(f"The {name} parameter must be a real date written year-month-day, for example "
                           f"{name}=2026-06-01, not {raw!r}.", field=name) from None


def calculate(args) -> dict:
    """The calculator's answer for request-like args (shared by the page and the API)."""
    event_code = (args.get("event") or "").strip()
    if not event_code:
        raise InvalidInput(f"Give an event. Known events: {', '.join(rules.EVENTS_BY_CODE)}.", field="event")
    event = rules.get_event(event_code)
    anchor = parse_date_param((args.get("date") or "").strip())
    regime = (args.get("regime") or "").strip() or None
    found = rules.deadlines_for_event(event.code, anchor, regime=regime)
    return {
        "event": event.code,
        "date": anchor.isoformat(),
        "regime": found[0].regime if found else (regime or event.default_regime),
        "deadlines": [
            {
                "rule": d.rule_code,
                "label": d.label,
                "due": d.due_date.isoformat(),
                "period": d.period,
                "statute": d.statute,
                "actor": d.actor,
                "kind": d.kind,
                "confidence": d.confidence,
                "verified": d.verified,
                "overridden": d.overridden,
                "extendable": d.extendable,
                # The rule used: the statutory words, how they count, and any carry.
                "words": d.words,
                "counting": d.counting,
                "carried_from": d.carried_from.isoformat() if d.carried_from else None,
                "rule_text": d.rule_text,
                "source_note": d.note,
            }
            for d in found
        ],
    }


@bp.get("/deadlines")
@public
def deadlines():
    return Response(orjson.dumps(calculate(request.args)), mimetype="application/json")
