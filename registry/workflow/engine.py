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
from collections.abc import Callable, Mapping
from datetime import date

from geoalchemy2.elements import WKTElement
from sqlalchemy import func, select
from sqlalchemy.orm.attributes import flag_modified

from .. import assets as asset_register
from .. import audit, db, permissions
from ..actors import SYSTEM, SystemActor  # noqa: F401  (engine.SYSTEM for callers)
from ..errors import InvalidInput, TransitionRefused
from ..uktime import today_uk  # noqa: F401  (the edge calls engine.today_uk())
from ..vocabulary import LIVE_STATUSES
from . import cases, notify, publication, rules
from .cases import Case, CaseEvent, Deadline
from .declarations import NEW, Context, Field, Process, Transition  # noqa: F401  (engine.Field for callers)
from .fields import parse_fields, parse_value  # noqa: F401  (engine.parse_value for callers)
from .late_entry import (  # noqa: F401  (engine.EFFECTIVE_DATE, engine.late_entry_steps for callers)
    EFFECTIVE_DATE, LATE_REASON, SUPERSEDE, effective_date, late_entry_steps, live_events, step_or_late_entry,
    supersede,
)
from .processes import PROCESS_MODULES, all_processes, get_process  # noqa: F401  (engine.get_process)


#: Order in which a live status wins when an asset has several live cases.
LIVE_STATUS_PRIORITY = ("transferred", "in_moratorium", "under_consideration", "listed", "nominated")
LIVE_STATUS_LABELS = LIVE_STATUSES


def is_public(case) -> bool:
    """Whether the public may see this case at all (drafts and pre-applications are private)."""
    return case.state not in get_process(case.process).public_states_hidden


def _check(case: Case, process: Process, action: str, actor, data: Mapping, today: date,
           expected_version: int | None) -> Context:
    allowed = [x.action for x in process.available(case.state)]
    if expected_version is not None and case.id is not None and expected_version != case.version:
        raise TransitionRefused(
            f"Someone else changed this case while you were working on it: it is now "
            f"'{process.state_label(case.state)}'. Reload the case and check before you act.",
            from_state=case.state, action=action, allowed=allowed,
        )
    t, late = step_or_late_entry(case, process, action, actor, data, today)
    if actor is SYSTEM:
        if not t.system:
            raise TransitionRefused(f"{t.label} needs a person to take it.", from_state=case.state,
                                    action=action, allowed=allowed)
    else:
        target = t.target(case, data) if t.target else case
        permissions.require(actor, t.permission, target)
        if t.different_person:
            permissions.require_different_person(actor, case.decided_by_user_id)
    effective, source, filled = effective_date(t, data, today)
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
        # The periods configured at start-up (Settings.period_overrides) apply: rules reads them.
        for d in rules.deadlines_for_event(t.starts, ctx.anchor_date, regime=case.regime_version):
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
            supersede(case, process, event, actor, today, today, reason)
        case.version += 1
        db.session.flush()
        if case.asset_id is not None:
            sync_live_status(case.asset_id)
        db.session.flush()
    return case


def run_clocks(today: date, processes: tuple[str, ...] | None = None) -> list[tuple[str, str]]:
    """Take every automatic step whose time has come (e.g. the interim moratorium ended), in every
    process or in those whose codes are given. [(case reference, action)]. Flushes."""
    done = []
    for process in all_processes() if processes is None else [get_process(code) for code in processes]:
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



