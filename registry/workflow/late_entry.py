"""Steps keyed in late: the day a step happened in law, and a step dated before an automatic one.

Every step may carry `effective_date` (`EFFECTIVE_DATE`). A step dated before an automatic step the
registry's clock already took (say a decision notice sent on the last day, keyed in the next morning
after the deemed refusal) supersedes that automatic step: `step_or_late_entry` undoes it
(`supersede`, an append-only `SUPERSEDE` event naming it) and returns the step to take, once the
actor has given the reason (`LATE_REASON`, kept private). The engine calls these; they never call it.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from sqlalchemy.orm.attributes import flag_modified

from .. import audit, db, permissions
from ..actors import SYSTEM
from ..errors import InvalidInput, TransitionRefused
from . import cases
from .cases import Case, CaseEvent, Deadline
from .declarations import Field, Process, Transition
from .fields import parse_value
from .processes import get_process


#: Every step may say the day it happened in law; without it, the step's own date field, else today.
EFFECTIVE_DATE = Field("effective_date", "Date it happened (received, sent, decided or exchanged)", "date",
                       required=False, hint="Leave blank for today. For example, 27 3 2026")
#: Why a step is keyed in after an automatic step it comes before (kept private).
LATE_REASON = Field("late_entry_reason", "Why it is entered late, and who received it", "textarea",
                    required=False, private=True,
                    hint="Needed only when the step happened before an automatic step already recorded.")
SUPERSEDE = "supersede"  # the action of an event that supersedes an earlier one


def effective_date(t: Transition, data: Mapping, today: date) -> tuple[date, str, dict | None]:
    """(effective date, the field it came from, data with the anchor filled in from it, if it was). Pure."""
    raw = data.get("effective_date")
    anchor_raw = data.get(t.anchor) if t.anchor else None
    anchor_raw = None if anchor_raw in (None, "") else anchor_raw
    anchor_field = t.field(t.anchor) if t.anchor else None
    anchor_value = None
    if anchor_raw is not None and anchor_field is not None and not t.anchor_may_be_future:
        try:
            anchor_value = date.fromisoformat(parse_value(anchor_field, anchor_raw))
        except InvalidInput:
            anchor_value = None  # parse_fields names the field
    if raw in (None, ""):
        if anchor_value is not None:
            return anchor_value, t.anchor, None
        return today, "effective_date", None
    value = date.fromisoformat(parse_value(EFFECTIVE_DATE, raw))
    if anchor_value is not None and anchor_value != value:
        raise InvalidInput(f"The date it happened ({value.isoformat()}) must be the same as "
                           f"{anchor_field.label[0].lower() + anchor_field.label[1:]} "
                           f"({anchor_value.isoformat()}), or left blank.", field="effective_date")
    filled = None
    if t.anchor and anchor_raw is None and anchor_field is not None and not t.anchor_may_be_future:
        filled = {**data, t.anchor: value.isoformat()} if not hasattr(data, "getlist") else data.copy()
        filled[t.anchor] = value.isoformat()
    return value, "effective_date", filled


def live_events(case: Case) -> list[CaseEvent]:
    """The case's events that stand: supersede events and the events they superseded left out."""
    events = cases.events_of(case.id)
    gone = {e.supersedes_event_id for e in events if e.supersedes_event_id}
    return [e for e in events if e.id not in gone and e.action != SUPERSEDE]


def late_entry_point(case: Case, process: Process, action: str) -> tuple[CaseEvent, list[CaseEvent]] | None:
    """The latest automatic step this action could have come before, and the live steps after it."""
    t = process.get(action)
    if t is None or case.id is None:
        return None
    events = live_events(case)
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        declared = process.get(event.action)
        if (event.actor_user_id is None and declared is not None and declared.system
                and event.from_state in t.from_states):
            return event, events[index + 1:]
    return None


def late_entry_steps(case: Case) -> list[Transition]:
    """Steps that could still be entered as having happened before the last automatic step (for the forms)."""
    process = get_process(case.process)
    events = live_events(case) if case.id is not None else []
    if not events:
        return []
    last = events[-1]
    declared = process.get(last.action)
    if last.actor_user_id is not None or declared is None or not declared.system:
        return []
    here = {t.action for t in process.available(case.state)}
    return [t for t in process.available(last.from_state) if t.action not in here and not t.system]


def supersede(case: Case, process: Process, event: CaseEvent, actor, effective: date, today: date,
               reason: str) -> CaseEvent:
    """Undo what ``event`` did to the case and its deadlines, and append an event that names it. Flushes."""
    undo = (event.private_data or {}).get("_undo") or {}
    data, private = dict(case.data or {}), dict(case.private_data or {})
    for target, changes in ((data, undo.get("data") or {}), (private, undo.get("private") or {})):
        for key, old in changes.items():
            if old is None:
                target.pop(key, None)
            else:
                target[key] = old
    case.data, case.private_data = data, private
    for row_id, (status, met_at) in (undo.get("deadlines") or {}).items():
        row = db.session.get(Deadline, int(row_id))
        if row is not None:
            row.status, row.met_at = status, date.fromisoformat(met_at) if met_at else None
    for row_id in undo.get("started") or ():
        row = db.session.get(Deadline, int(row_id))
        if row is not None:
            row.status = "superseded"
    from_state = case.state
    case.state = event.from_state
    declared = process.get(event.action)
    record = CaseEvent(
        case_id=case.id, actor_user_id=getattr(actor, "id", None), on_date=today, effective_date=effective,
        action=SUPERSEDE, from_state=from_state, to_state=case.state, supersedes_event_id=event.id,
        data={"superseded_action": event.action,
              "superseded_label": declared.label if declared else event.action},
        private_data={"reason": reason, "keyed_by_user_id": getattr(actor, "id", None)},
    )
    db.session.add(record)
    flag_modified(case, "data")
    flag_modified(case, "private_data")
    db.session.flush()
    audit.record(actor, "case.supersede", "case", case.id,
                 {"event_id": record.id, "supersedes_event_id": event.id, "superseded_action": event.action})
    return record


def step_or_late_entry(case: Case, process: Process, action: str, actor, data: Mapping, today: date):
    """The declared step; or, for a step dated before an automatic step, that automatic step superseded."""
    try:
        return process.step(case.state, action), None
    except TransitionRefused:
        if actor is SYSTEM:
            raise
        found = late_entry_point(case, process, action)
        if found is None:
            raise
        automatic, later = found
        t = process.get(action)
        # Who may act is checked first, so a stranger learns nothing from a late-entry message.
        permissions.require(actor, t.permission, t.target(case, data) if t.target else case)
        effective, _, _ = effective_date(t, data, today)
        if effective >= automatic.effective_date:
            raise
        auto_label = process.get(automatic.action).label
        if later:
            names = "; ".join(f"'{(process.get(e.action).label if process.get(e.action) else e.action)}' "
                              f"({e.effective_date.isoformat()})" for e in later)
            raise TransitionRefused(
                f"{t.label} dated {effective.isoformat()} came before the automatic step '{auto_label}' "
                f"({automatic.effective_date.isoformat()}), but later steps already follow it: {names}. "
                f"An officer must first correct the record (the correction supersedes {names} and the automatic "
                "step), then enter this step.",
                from_state=case.state, action=action,
                allowed=[x.action for x in process.available(case.state)]) from None
        reason = (data.get("late_entry_reason") or "").strip()
        if not reason:
            raise InvalidInput(f"This step is dated {effective.isoformat()}, before the automatic step "
                               f"'{auto_label}' recorded on {automatic.on_date.isoformat()}: say why it is entered "
                               "late and who received it (kept private).", field="late_entry_reason") from None
        supersede(case, process, automatic, actor, effective, today, reason)
        return process.step(case.state, action), (automatic, reason)
