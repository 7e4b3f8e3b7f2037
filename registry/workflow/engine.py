"""One engine for every statutory process: a process is data, a transition is one call.

A process module (acv.py, moratorium.py, …) declares a :class:`Process`: its
states, its :class:`Transition` s (the states each may start from, the state
it leads to, the permission it needs, the fields it records, the deadline
event it starts, the deadlines it meets or closes, and an optional guard for
the rules no table can say, such as "only inside the interim period").

:func:`transition` is the only way a case changes. In one transaction (it
flushes, never commits) it

1. locks the case row (``SELECT … FOR UPDATE``), so of two people acting at
   once the second waits, then sees the new state and is refused;
2. checks the declaration (the action exists, the case is in a state it may
   start from), the actor's right (``permissions.require``, and
   ``require_different_person`` for reviews), the fields and the guard;
3. writes the new state, an append-only ``case_event`` and the recomputed
   ``deadline`` rows, and keeps ``asset.live_status`` in step.

A refusal raises :class:`~registry.errors.TransitionRefused` (saying why and
what is allowed now), ``InvalidInput`` naming the bad field, or
``Unauthorised``/``Forbidden``; nothing is written in any of those cases.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

import shapely
from geoalchemy2.elements import WKTElement
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import flag_modified

from .. import assets as asset_register
from .. import audit, db, permissions
from ..errors import InvalidInput, TransitionRefused
from ..uktime import today_uk  # noqa: F401  (the edge calls engine.today_uk())
from ..vocabulary import LIVE_STATUSES
from . import cases, notify, publication, rules
from .cases import Case, CaseEvent, Deadline
from .processes import PROCESS_MODULES, all_processes, get_process  # noqa: F401  (engine.get_process)

#: Order in which a live status wins when an asset has several live cases.
LIVE_STATUS_PRIORITY = ("transferred", "in_moratorium", "under_consideration", "listed", "nominated")
LIVE_STATUS_LABELS = LIVE_STATUSES

NEW = "new"  # the pseudo-state before a case exists


class SystemActor:
    """The registry's own clock: takes only transitions declared ``system=True``."""

    id = None
    roles = frozenset({"system"})
    authority_code = None
    organisation_ids = frozenset()
    display_name = "The registry (automatic)"


SYSTEM = SystemActor()



def is_public(case) -> bool:
    """Whether the public may see this case at all (drafts and pre-applications are private)."""
    return case.state not in get_process(case.process).public_states_hidden

# ------------------------------------------------------------------ declarations


@dataclass(frozen=True)
class Field:
    """A value a transition records. ``private`` values never reach a public page."""

    name: str
    label: str
    kind: str = "text"  # text | textarea | date | choice | choices | integer | boolean | geojson
    required: bool = True
    choices: Mapping[str, str] | None = None
    private: bool = False
    hint: str = ""
    public: bool = False  # free text that is published (registers, feeds, case pages); private is the default


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    from_states: tuple[str, ...]
    to_state: str
    permission: str
    fields: tuple[Field, ...] = ()
    reasons: bool = False  # reasons are required (and published)
    starts: str | None = None  # a rules.EVENTS code: its deadlines are created
    anchor: str | None = None  # the date field that anchors them (default: today)
    meets: tuple[str, ...] = ()  # deadline rule codes this step meets
    closes: tuple[str, ...] = ()  # deadline rule codes this step makes not applicable
    guard: Callable[[Context], None] | None = None
    effect: Callable[[Context], None] | None = None
    different_person: bool = False  # may not be taken by whoever took the case's last decision
    records_decision: bool = False  # the actor becomes the case's decision-maker
    target: Callable[[Case, dict], Any] | None = None  # what the permission scope is checked against
    system: bool = False  # the registry's clock may take it
    anchor_may_be_future: bool = False  # e.g. the close of a submission window
    hint: str = ""

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)


@dataclass(frozen=True)
class Process:
    code: str
    label: str
    reference_prefix: str
    states: Mapping[str, str]  # code -> label
    terminal: frozenset[str]
    transitions: tuple[Transition, ...]
    live_status: Mapping[str, str] = field(default_factory=dict)
    regimes: tuple[str, ...] = ("LA2011",)
    public_states_hidden: frozenset[str] = frozenset({"draft"})
    # Completion hooks: state -> "module:function", called by the engine when a step reaches that state,
    # with (case, case data, actor, today). A process reaches another noun (transfers) this way, never
    # by importing it.
    on_complete: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self):
        known = set(self.states) | {NEW}
        for state, hook in self.on_complete.items():
            if state not in known or hook.count(":") != 1:
                raise ValueError(f"{self.code}: completion hook {state!r} -> {hook!r} must name a state and "
                                 "a 'module:function'")
        for t in self.transitions:
            unknown = (set(t.from_states) | {t.to_state}) - known
            if unknown:
                raise ValueError(f"{self.code}.{t.action}: unknown state(s) {sorted(unknown)}")
            permissions.rule(t.permission)  # fails on an undeclared permission
            if t.starts:
                rules.get_event(t.starts)

    def get(self, action: str) -> Transition | None:
        return next((t for t in self.transitions if t.action == action), None)

    def available(self, state: str) -> list[Transition]:
        return [t for t in self.transitions if state in t.from_states]

    def state_label(self, state: str) -> str:
        return self.states.get(state, state.replace("_", " "))

    def step(self, state: str, action: str) -> Transition:
        """The declared transition for ``action`` from ``state``, or TransitionRefused saying why. Pure."""
        allowed = [x.action for x in self.available(state)]
        now = f"Steps allowed now: {', '.join(allowed)}." if allowed else "No step is allowed now."
        t = self.get(action)
        if t is None:
            raise TransitionRefused(f"{self.label} has no step called {action!r}. {now}",
                                    from_state=state, action=action, allowed=allowed)
        if state not in t.from_states:
            why = (f"the case is closed ('{self.state_label(state)}')" if state in self.terminal
                   else f"the case is '{self.state_label(state)}'")
            starts = ", ".join(f"'{self.state_label(s)}'" for s in t.from_states)
            raise TransitionRefused(
                f"You cannot {t.label[0].lower() + t.label[1:]} now: {why}. "
                f"That step is allowed only from {starts}. {now}",
                from_state=state, action=action, allowed=allowed)
        return t


# ------------------------------------------------------------------ the context a guard sees


@dataclass
class Context:
    case: Case
    process: Process
    transition: Transition
    actor: Any
    today: date
    values: dict  # parsed public field values (JSON-ready)
    private: dict  # parsed private field values
    reasons: str | None
    open_deadlines: dict[str, Deadline]
    anchor_date: date | None = None
    effective_date: date | None = None  # the day the step happened in law (defaults to today)
    supersedes: CaseEvent | None = None  # the automatic step this in-time, late-entered step supersedes
    late_reason: str | None = None  # why it was keyed late (private)

    def refuse(self, detail: str) -> None:
        raise TransitionRefused(
            detail,
            from_state=self.case.state,
            action=self.transition.action,
            allowed=[t.action for t in self.process.available(self.case.state)],
        )

    def value(self, name: str, default=None):
        if name in self.values:
            return self.values[name]
        if name in self.private:
            return self.private[name]
        return self.case.data.get(name, default)

    def date_value(self, name: str) -> date | None:
        raw = self.value(name)
        return date.fromisoformat(raw) if raw else None

    def deadline(self, rule_code: str) -> Deadline | None:
        return self.open_deadlines.get(rule_code)


# ------------------------------------------------------------------ field parsing


def _parse_geojson(raw: str, name: str) -> str:
    if isinstance(raw, str) and raw and raw.lstrip()[:1] not in ("{", "["):
        # Corners typed one a line (longitude, latitude or easting, northing): the keyboard way.
        from ..footprints import boundary_from_corners

        raw = json.dumps(shapely.geometry.mapping(boundary_from_corners(raw, field=name)))
    try:
        document = json.loads(raw) if isinstance(raw, str) else raw
        if isinstance(document, dict) and document.get("type") == "Feature":
            document = document.get("geometry")
        if isinstance(document, dict) and document.get("type") == "FeatureCollection":
            geometries = [f.get("geometry") for f in document.get("features", [])]
            document = {"type": "GeometryCollection", "geometries": geometries}
        shape = shapely.geometry.shape(document)
    except Exception:  # noqa: BLE001  (any parse failure is the same mistake to the user)
        raise InvalidInput("The site boundary must be GeoJSON of a polygon, in WGS84 longitude and latitude.",
                           field=name) from None
    polygons = [g for g in getattr(shape, "geoms", [shape]) if g.geom_type in ("Polygon", "MultiPolygon")]
    if not polygons:
        raise InvalidInput("The site boundary must be a polygon.", field=name)
    flat = []
    for g in polygons:
        flat.extend(getattr(g, "geoms", [g]))
    multi = shapely.MultiPolygon(flat)
    minx, miny, maxx, maxy = multi.bounds
    if not (-9 <= minx and maxx <= 2.5 and 49 <= miny and maxy <= 61.5):
        raise InvalidInput("The site boundary must be in the UK, in longitude and latitude (WGS84).", field=name)
    if not multi.is_valid:
        raise InvalidInput("The site boundary crosses itself: redraw it.", field=name)
    return multi.wkt


def parse_value(f: Field, raw: Any) -> Any:
    """One field's raw form/JSON value → a JSON-ready value; InvalidInput naming the field."""
    if isinstance(raw, str):
        raw = raw.strip()
    empty = raw is None or raw == "" or raw == [] or (f.kind == "boolean" and raw is False)
    if empty:
        if f.required and f.kind != "boolean":
            verb = "Choose" if f.kind in ("choice", "choices") else "Enter"
            raise InvalidInput(f"{verb} {f.label[0].lower() + f.label[1:]}.", field=f.name)
        return False if f.kind == "boolean" else None
    if f.kind in ("text", "textarea"):
        value = str(raw)
        if len(value) > 20000:
            raise InvalidInput(f"{f.label} must be 20,000 characters or fewer.", field=f.name)
        return value
    if f.kind == "date":
        if isinstance(raw, date):
            return raw.isoformat()
        try:
            return date.fromisoformat(str(raw)).isoformat()
        except ValueError:
            raise InvalidInput(f"{f.label} must be a real date: day, month and year, for example 1 6 2026 (or 2026-06-01 through the API).", field=f.name) from None
    if f.kind == "choice":
        if raw not in (f.choices or {}):
            raise InvalidInput(f"Choose {f.label[0].lower() + f.label[1:]} from the list.", field=f.name)
        return raw
    if f.kind == "choices":
        items = [raw] if isinstance(raw, str) else list(raw)
        bad = [i for i in items if i not in (f.choices or {})]
        if bad:
            raise InvalidInput(f"Choose {f.label[0].lower() + f.label[1:]} from the options shown.", field=f.name)
        return sorted(set(items), key=list(f.choices or {}).index)
    if f.kind == "integer":
        try:
            return int(raw)
        except (TypeError, ValueError):
            raise InvalidInput(f"{f.label} must be a whole number.", field=f.name) from None
    if f.kind == "boolean":
        return raw in (True, "1", "true", "yes", "on", "y")
    if f.kind == "geojson":
        return _parse_geojson(raw, f.name)
    raise ValueError(f"unknown field kind {f.kind}")


def parse_fields(t: Transition, data: Mapping) -> tuple[dict, dict, str | None]:
    values: dict = {}
    private: dict = {}
    getter = data.getlist if hasattr(data, "getlist") else None
    for f in t.fields:
        raw = getter(f.name) if (getter and f.kind == "choices") else data.get(f.name)
        value = parse_value(f, raw)
        if value is None or (f.kind == "choices" and not value):
            continue
        (private if f.private else values)[f.name] = value
    reasons = (data.get("reasons") or "").strip() or None
    if t.reasons and not reasons:
        raise InvalidInput("Give the reasons for this decision: they are published with it.", field="reasons")
    return values, private, reasons


# ------------------------------------------------------------------ the one write path


#: Every step may say the day it happened in law; without it, the step's own date field, else today.
EFFECTIVE_DATE = Field("effective_date", "Date it happened (received, sent, decided or exchanged)", "date",
                       required=False, hint="Leave blank for today. For example, 27 3 2026")
#: Why a step is keyed in after an automatic step it comes before (kept private).
LATE_REASON = Field("late_entry_reason", "Why it is entered late, and who received it", "textarea",
                    required=False, private=True,
                    hint="Needed only when the step happened before an automatic step already recorded.")
SUPERSEDE = "supersede"  # the action of an event that supersedes an earlier one


def _effective_date(t: Transition, data: Mapping, today: date) -> tuple[date, str, dict | None]:
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


def _late_entry_point(case: Case, process: Process, action: str) -> tuple[CaseEvent, list[CaseEvent]] | None:
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


def _supersede(case: Case, process: Process, event: CaseEvent, actor, effective: date, today: date,
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


def _step_or_late_entry(case: Case, process: Process, action: str, actor, data: Mapping, today: date):
    """The declared step; or, for a step dated before an automatic step, that automatic step superseded."""
    try:
        return process.step(case.state, action), None
    except TransitionRefused:
        if actor is SYSTEM:
            raise
        found = _late_entry_point(case, process, action)
        if found is None:
            raise
        automatic, later = found
        t = process.get(action)
        # Who may act is checked first, so a stranger learns nothing from a late-entry message.
        permissions.require(actor, t.permission, t.target(case, data) if t.target else case)
        effective, _, _ = _effective_date(t, data, today)
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
        _supersede(case, process, automatic, actor, effective, today, reason)
        return process.step(case.state, action), (automatic, reason)


def _check(case: Case, process: Process, action: str, actor, data: Mapping, today: date,
           expected_version: int | None) -> Context:
    allowed = [x.action for x in process.available(case.state)]
    if expected_version is not None and case.id is not None and expected_version != case.version:
        raise TransitionRefused(
            f"Someone else changed this case while you were working on it: it is now "
            f"'{process.state_label(case.state)}'. Reload the case and check before you act.",
            from_state=case.state, action=action, allowed=allowed,
        )
    t, late = _step_or_late_entry(case, process, action, actor, data, today)
    if actor is SYSTEM:
        if not t.system:
            raise TransitionRefused(f"{t.label} needs a person to take it.", from_state=case.state,
                                    action=action, allowed=allowed)
    else:
        target = t.target(case, data) if t.target else case
        permissions.require(actor, t.permission, target)
        if t.different_person:
            permissions.require_different_person(actor, case.decided_by_user_id)
    effective, source, filled = _effective_date(t, data, today)
    if filled is not None:
        data = filled
    if effective > today and not t.anchor_may_be_future:
        raise InvalidInput("That date is in the future: a step is recorded on or after the day it happened.",
                           field=source)
    if case.id is not None:
        opened = next(iter(cases.events_of(case.id)), None)
        if opened is not None and effective < opened.effective_date:
            raise InvalidInput(f"That date is before the case opened ({opened.effective_date.isoformat()}).",
                               field=source)
    values, private, reasons = parse_fields(t, data)
    private.update(publication.screen(t, values, reasons, data, roles=permissions.user_roles(actor)))
    open_now = cases.open_deadlines(case) if case.id is not None else {}
    ctx = Context(case, process, t, actor, today, values, private, reasons, open_now)
    ctx.effective_date = effective
    if late is not None:
        ctx.supersedes, ctx.late_reason = late
    if t.anchor:
        ctx.anchor_date = ctx.date_value(t.anchor) or effective
    else:
        ctx.anchor_date = effective
    if ctx.anchor_date > today and not t.anchor_may_be_future:
        raise InvalidInput("That date is in the future.", field=t.anchor or "date")
    if t.guard:
        t.guard(ctx)
    return ctx


def completion_hook(path: str) -> Callable:
    """The function a process's completion hook names ("registry.transfers:on_case_completed")."""
    module, name = path.split(":")
    return getattr(importlib.import_module(module), name)


@cache
def _period_overrides():
    return rules.load_period_overrides()


def _changed(before: dict, after: dict) -> dict:
    """{key: its value before} for every key the step changed (None: it was not there). Pure."""
    return {k: before.get(k) for k in set(before) | set(after) if before.get(k) != after.get(k)}


def _write(ctx: Context) -> CaseEvent:
    case, t, today = ctx.case, ctx.transition, ctx.today
    effective = ctx.effective_date or today
    from_state = case.state if case.id is not None else None
    if case.id is None:
        reference, number = cases.next_reference(ctx.process.reference_prefix, today.year)
        case.id, case.reference = number, reference
        db.session.add(case)
    # What the step changes, kept (privately) on its event so a superseding step can undo it.
    data_before, private_before = dict(case.data or {}), dict(case.private_data or {})
    rows_before = {d.id: (d.status, d.met_at.isoformat() if d.met_at else None)
                   for d in cases.all_deadlines(case.id)} if from_state is not None else {}
    site = ctx.values.pop("site_geojson", None) or ctx.private.pop("site_geojson", None)
    if site:
        case.site = WKTElement(site, srid=4326)
    case.data = {**(case.data or {}), **ctx.values}
    case.private_data = {**(case.private_data or {}), **ctx.private}
    case.state = t.to_state
    if t.records_decision and ctx.actor is not SYSTEM:
        case.decided_by_user_id = ctx.actor.id
    case.version = (case.version or 0) + 1
    case.updated_at = func.now()
    if t.effect:
        t.effect(ctx)
    hook = ctx.process.on_complete.get(t.to_state)
    if hook:
        completion_hook(hook)(case, dict(case.data or {}), ctx.actor, ctx.today)
    # Effects and guards may change the dicts in place after an autoflush: always write them.
    flag_modified(case, "data")
    flag_modified(case, "private_data")
    db.session.flush()

    for code, row in ctx.open_deadlines.items():
        if code in t.meets:
            row.status, row.met_at = "met", effective
        elif code in t.closes or case.state in ctx.process.terminal:
            row.status = "not_applicable"
    if t.starts:
        for d in rules.deadlines_for_event(t.starts, ctx.anchor_date, regime=case.regime_version,
                                           overrides=_period_overrides()):
            met_now = d.rule_code in t.meets  # e.g. a claim that starts and meets its own limit
            status, met_at = ("met", effective) if met_now else ("open", None)
            row = db.session.scalar(select(Deadline).where(
                Deadline.case_id == case.id, Deadline.rule_code == d.rule_code,
                Deadline.anchor_date == d.anchor_date))
            if row is not None:  # the same clock, started again after a superseded step: it runs again
                row.label, row.due_date, row.actor, row.status, row.met_at = (d.label, d.due_date, d.actor,
                                                                              status, met_at)
                continue
            db.session.add(Deadline(case_id=case.id, rule_code=d.rule_code, label=d.label,
                                    anchor_event=d.anchor_event, anchor_date=d.anchor_date,
                                    due_date=d.due_date, actor=d.actor, status=status, met_at=met_at))
    db.session.flush()
    rows_after = cases.all_deadlines(case.id)
    undo = {
        "data": _changed(data_before, case.data or {}),
        "private": _changed(private_before, case.private_data or {}),
        "deadlines": {str(d.id): list(rows_before[d.id]) for d in rows_after if d.id in rows_before
                      and rows_before[d.id] != (d.status, d.met_at.isoformat() if d.met_at else None)},
        "started": [d.id for d in rows_after if d.id not in rows_before],
    }
    private_event = dict(ctx.private)
    if ctx.supersedes is not None:
        private_event["late_entry"] = {"keyed_by_user_id": getattr(ctx.actor, "id", None),
                                       "reason": ctx.late_reason, "supersedes_event_id": ctx.supersedes.id}
    private_event["_undo"] = undo
    event = CaseEvent(
        case_id=case.id, actor_user_id=getattr(ctx.actor, "id", None), on_date=today, effective_date=effective,
        action=t.action, from_state=from_state, to_state=case.state, reasons=ctx.reasons,
        data={k: v for k, v in ctx.values.items()}, private_data=private_event,
    )
    db.session.add(event)
    db.session.flush()
    if case.asset_id is not None:
        sync_live_status(case.asset_id)
    db.session.flush()
    audit.record(None if ctx.actor is SYSTEM else ctx.actor, f"case.{t.action}", "case", case.id,
                 {"event_id": event.id, "process": case.process, "from": from_state, "to": case.state,
                  "effective_date": effective.isoformat(),
                  "supersedes_event_id": ctx.supersedes.id if ctx.supersedes is not None else None},
                 via="system" if ctx.actor is SYSTEM else None)
    notify.queue(case, event)
    return event


def transition(case_id: int, action: str, actor, data: Mapping | None = None, today: date | None = None, *,
               expected_version: int | None = None) -> Case:
    """Take one step on a case. See the module docstring. Flushes; the caller commits."""
    if today is None:
        raise TypeError("transition() needs today= (rules never read the clock)")
    data = data or {}
    with db.session.begin_nested():
        case = cases.lock(case_id)
        process = get_process(case.process)
        ctx = _check(case, process, action, actor, data, today, expected_version)
        _write(ctx)
    return case


def open_case(process_code: str, action: str, actor, data: Mapping | None = None, today: date | None = None, *,
              authority_code: str, asset_id: int | None = None, organisation_id: int | None = None,
              parent_case_id: int | None = None, title: str | None = None, regime: str | None = None) -> Case:
    """Start a case with its first step (from the pseudo-state ``new``). Flushes; the caller commits."""
    if today is None:
        raise TypeError("open_case() needs today=")
    data = data or {}
    process = get_process(process_code)
    regime = regime or process.regimes[0]
    if regime not in process.regimes:
        raise InvalidInput(f"{process.label} runs under {', '.join(process.regimes)}, not {regime}.", field="regime")
    if title is None and asset_id is not None:
        title = asset_register.get(asset_id).name
    case = Case(process=process.code, regime_version=regime, state=NEW, asset_id=asset_id,
                authority_code=authority_code, organisation_id=organisation_id, parent_case_id=parent_case_id,
                title=(title or process.label)[:300], data={}, private_data={}, version=0,
                created_by_user_id=getattr(actor, "id", None))
    with db.session.begin_nested():
        if parent_case_id is not None:
            cases.lock(parent_case_id)
        ctx = _check(case, process, action, actor, data, today, None)
        _write(ctx)
    return case


def extend_deadline(case_id: int, rule_code: str, until: date, reason: str, actor, today: date,
                    agreed_on: date | None = None) -> Deadline:
    """Record an agreed extension of an extendable deadline (domain §0.1), with an event."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why the deadline is extended and who agreed it.", field="extension_reason")
    with db.session.begin_nested():
        case = cases.lock(case_id)
        permissions.require(actor, "case.extend_deadline", case)
        row = cases.open_deadlines(case).get(rule_code)
        if row is None:
            raise InvalidInput(f"The case has no open deadline {rule_code!r}.", field="rule_code")
        if until <= row.effective_due:
            raise InvalidInput("An extension must be later than the current due date.", field="until")
        rule = next((r for r in rules.RULES.get(case.regime_version, ()) if r.code == rule_code), None)
        if rule is None or not rule.extendable:
            raise InvalidInput("The law does not allow that period to be extended.", field="rule_code")
        agreed = agreed_on or today
        if agreed > today:
            raise InvalidInput("The date it was agreed is in the future.", field="agreed_on")
        if agreed > row.effective_due and agreed_before_expiry(rule):
            raise InvalidInput(
                f"The period ended on {row.effective_due.isoformat()}: it can be extended only by an agreement "
                f"made before it ended ({rule.statute}), and this one is dated {agreed.isoformat()}.",
                field="until")
        row.extension_agreed_until, row.extension_reason = until, reason
        row.overridden_by = getattr(actor, "id", None)
        row.reminder_sent_at = None  # a new last day: its reminder is due again
        case.version += 1
        event = CaseEvent(case_id=case.id, actor_user_id=getattr(actor, "id", None), on_date=today,
                          effective_date=agreed, action="extend_deadline", from_state=case.state,
                          to_state=case.state, data={"rule_code": rule_code, "until": until.isoformat()},
                          private_data={"extension_reason": reason})
        db.session.add(event)
        db.session.flush()
        audit.record(actor, "case.extend_deadline", "case", case.id,
                     {"event_id": event.id, "rule_code": rule_code, "until": until.isoformat()})
    return row


#: Regimes whose extensions must be agreed before the period ends (CE(S)A 2015 s.82(7): "such longer
#: period as may be agreed" between the authority and the body, agreed while the period runs).
AGREED_BEFORE_EXPIRY_REGIMES = frozenset({"CESA2015"})


def agreed_before_expiry(rule) -> bool:
    """Whether an extension of this rule's period must be agreed before the period ends. Pure."""
    declared = getattr(rule, "agreed_before_expiry", None)
    return bool(declared) if declared is not None else rule.regime in AGREED_BEFORE_EXPIRY_REGIMES


permissions.declare("case.correct", roles={"council_officer", "council_decision_maker"}, scope="authority",
                    description="Correct a case's record: supersede its latest steps, back to an automatic step")


def correct_record(case_id: int, event_id: int, actor, reason: str, today: date) -> Case:
    """The officer's correction: supersede the case's live steps from the newest back to ``event_id``.

    Each superseded step gets its own appended event naming it (no event row is ever updated); the case
    returns to the state it was in before ``event_id`` with the deadlines as they were then, so a step
    that came before in law can now be entered. Flushes; the caller commits.
    """
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why the record is corrected (kept private).", field="reason")
    with db.session.begin_nested():
        case = cases.lock(case_id)
        permissions.require(actor, "case.correct", case)
        process = get_process(case.process)
        events = live_events(case)
        index = next((i for i, e in enumerate(events) if e.id == event_id), None)
        if index is None or index == 0:
            raise InvalidInput("Choose a step of this case that stands, after the one that opened it.",
                               field="event_id")
        for event in reversed(events[index:]):
            if event.to_state != case.state:
                raise InvalidInput("The record cannot be corrected back that far automatically: ask an "
                                   "administrator.", field="event_id")
            _supersede(case, process, event, actor, today, today, reason)
        case.version += 1
        db.session.flush()
        if case.asset_id is not None:
            sync_live_status(case.asset_id)
        db.session.flush()
    return case


def run_clocks(today: date) -> list[tuple[str, str]]:
    """Take every automatic step whose time has come (e.g. the interim moratorium ended). Flushes."""
    done = []
    for process in all_processes():
        system_steps = [t for t in process.transitions if t.system]
        states = {s for t in system_steps for s in t.from_states}
        for case in db.session.scalars(
            select(Case).where(Case.process == process.code, Case.state.in_(states)).order_by(Case.id)
        ).all():
            for t in system_steps:
                if case.state not in t.from_states:
                    continue
                try:
                    transition(case.id, t.action, SYSTEM, {}, today)
                except TransitionRefused:
                    continue
                done.append((case.reference, t.action))
                break
    return done


def sync_live_status(asset_id: int) -> str | None:
    """asset.live_statuses from every case on the asset; asset.live_status is the strongest of them.

    An asset can be in several live processes at once (listed AND under consideration
    AND in a moratorium): each is kept, in LIVE_STATUS_PRIORITY order.
    """
    asset = db.session.get(asset_register.Asset, asset_id)
    if asset is None:
        return None
    # A transfer recorded without a case (registry/transfers.py) still counts.
    found = {"transferred"} if asset.surplus_status == "transferred" else set()
    for case in cases.cases_on_asset(asset_id):
        status = get_process(case.process).live_status.get(case.state)
        if status:
            found.add(status)
    statuses = [s for s in LIVE_STATUS_PRIORITY if s in found]
    status = statuses[0] if statuses else None
    if asset.live_status != status:
        asset.live_status = status
    if list(asset.live_statuses or []) != statuses:
        asset.live_statuses = statuses
    return status


