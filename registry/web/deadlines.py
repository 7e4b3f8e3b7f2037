"""The public deadline calculator page (/deadlines): the same answer as /api/deadlines."""

from datetime import date

from flask import Blueprint, render_template, request

from ..api.deadlines import calculate
from ..errors import InvalidInput
from ..permissions import public
from .forms import DATE_IN_WORDS, date_from_boxes, in_page_words
from ..workflow import rules

bp = Blueprint("web_deadlines", __name__)


# The API's messages (api/deadlines.py) name its parameters and list event codes; the page names its fields.
PAGE_WORDS = {"event": "Choose what happened from the list.", "date": DATE_IN_WORDS,
              "regime": "Choose which law from the list."}


def _date_from_parts(args) -> str:
    """GOV.UK date input (day, month, year) → YYYY-MM-DD; falls back to ``date`` (a link's YYYY-MM-DD)."""
    try:
        return date_from_boxes(args, "date") or args.get("date", "").strip()
    except ValueError:
        raise InvalidInput(DATE_IN_WORDS, field="date") from None


def _parts_of(iso: str) -> dict:
    """A YYYY-MM-DD date (from a link like /deadlines?date=2026-06-01) for the day/month/year boxes."""
    try:
        day = date.fromisoformat(iso)
    except ValueError:
        return {}
    return {"day": day.day, "month": day.month, "year": day.year}


@bp.get("/deadlines")
@public
def calculator():
    result, error, values = None, None, dict(request.args)
    if request.args.get("event") or request.args.get("date") or request.args.get("date-day"):
        try:
            args = dict(request.args)
            args["date"] = _date_from_parts(request.args)
            result = calculate(args)
        except InvalidInput as exc:
            error = in_page_words(exc, PAGE_WORDS)
    events_by_process = {}
    for event in rules.EVENTS:
        events_by_process.setdefault(event.process, []).append(event)
    return render_template(
        "deadlines/calculator.html",
        result=result,
        error=error,
        values=values,
        events=rules.EVENTS,
        events_by_process=events_by_process,
        processes=rules.PROCESSES,
        regimes=rules.REGIMES,
        long_date=lambda iso: rules.format_date(date.fromisoformat(iso)),
        date_parts=_parts_of(request.args.get("date", "")),
    ), (400 if error else 200)
