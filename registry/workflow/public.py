"""The one public projection of a case: what registers, feeds, the API and case pages may show.

Built from the process declarations, never from raw event data:

- a declared free-text field (``text``, ``textarea``) is public only when it says
  ``public=True``; private is the default (notes, who agreed, contact details);
- structured values (dates, choices, whole numbers, yes/no) are public unless
  declared ``private=True``: they are codes and figures, not anyone's words;
- values a process's effects compute (``DERIVED_PUBLIC_KEYS``: dates, decisions,
  the group's name) are public;
- an event's reasons are public only when its step is declared ``reasons=True``
  (the reasons a register must show); the reasons of any other event (a
  deadline extension's "who agreed it, and why") are private.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache

from .cases import Case, all_deadlines, events_of
from .processes import get_process
from .publication import FREE_TEXT_KINDS

#: Values that processes' effects write into ``case.data`` (not typed into a field) and that are public.
DERIVED_PUBLIC_KEYS = frozenset({
    "nomination_date", "nominating_group", "decision", "decision_date", "decision_late", "entry_date",
    "end_date", "removal_reason", "interested_group", "to_community", "outcome", "decline_reason",
    "undervalue_gbp", "short_tenancy", "gdc_limit_gbp", "within_general_consent",
    # Scotland
    "received_on", "transfer_body", "s93_repeat_of", "decision_due", "offer_deadline", "challenged_decision",
    "review_section", "appeal_section", "ros_status",
    # Scottish rights to buy (Parts 2, 3A and 5): register entries, Ministers' steps and the ballot's totals
    "ros_register", "ros_reference", "application_date", "late_application", "registration_date",
    "owner_notice_date", "owner_notice_received_on", "confirmed_on", "ballot_date", "votes_for", "votes_against",
    "eligible_voters", "turnout_judged_sufficient", "ballot_turnout", "ballot_result", "consent_date",
    "valuation_date", "valuation_price_gbp", "title_number", "ground", "tried_to_buy", "notified_on",
    "views_sent_on", "replied_on", "request_sent_on", "invited_on",
    # ACV validation: that the officer confirmed the local connection (how they checked stays private)
    "local_connection",
})
#: Never published, whatever a declaration says (the site is published as geometry, not as text).
NEVER_PUBLIC = frozenset({"site_geojson", "checks", "decision_pending", "organisation_id"})


def field_is_public(f) -> bool:
    if f.name in NEVER_PUBLIC or f.private:
        return False
    if f.kind in FREE_TEXT_KINDS or f.kind == "geojson":
        return f.public
    return True


@cache
def public_keys(process_code: str) -> frozenset[str]:
    """The case-data keys of a process that may be published (one private declaration of a name wins)."""
    process = get_process(process_code)
    fields = [f for t in process.transitions for f in t.fields]
    declared = {f.name for f in fields}
    private = {f.name for f in fields if not field_is_public(f)}
    return frozenset((declared - private) | (DERIVED_PUBLIC_KEYS - declared))


def public_data(process_code: str, data: dict | None) -> dict:
    keys = public_keys(process_code)
    return {k: v for k, v in (data or {}).items() if k in keys}


def public_reasons(process_code: str, action: str, reasons: str | None) -> str | None:
    """An event's reasons, if its step declares them published; otherwise None."""
    step = get_process(process_code).get(action)
    return reasons if (reasons and step is not None and step.reasons) else None


def reasoned_actions(process_code: str) -> list[str]:
    """The steps of a process whose reasons are published (declared ``reasons=True``)."""
    return [t.action for t in get_process(process_code).transitions if t.reasons]


def public_event(process_code: str, event, *, superseded_ids=frozenset(), events_by_id=None) -> dict:
    process = get_process(process_code)
    step = process.get(event.action)
    if event.supersedes_event_id:
        # A step that came before it in law was entered late: say which automatic step no longer stands.
        gone = (events_by_id or {}).get(event.supersedes_event_id)
        gone_step = process.get(gone.action) if gone else None
        label = ("Superseded: " + (gone_step.label if gone_step else "an automatic step")
                 + " (a step that came before it in law was entered late)")
    else:
        label = step.label if step else event.action.replace("_", " ").capitalize()
    return {
        "id": event.id,
        "on_date": event.on_date.isoformat(),
        "effective_date": (event.effective_date or event.on_date).isoformat(),
        "recorded_on": event.on_date.isoformat(),
        "superseded": event.id in superseded_ids,
        "supersedes_event_id": event.supersedes_event_id,
        "action": event.action,
        "label": label,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "to_state_label": process.state_label(event.to_state),
        "reasons": public_reasons(process_code, event.action, event.reasons),
        "data": public_data(process_code, event.data),
    }


def public_events(case: Case) -> list[dict]:
    events = events_of(case.id)
    by_id = {e.id: e for e in events}
    superseded = frozenset(e.supersedes_event_id for e in events if e.supersedes_event_id)
    return [public_event(case.process, e, superseded_ids=superseded, events_by_id=by_id) for e in events]


def public_deadlines(case: Case, today: date) -> list[dict]:
    return [{
        "rule": d.rule_code, "label": d.label, "anchor_event": d.anchor_event,
        "anchor_date": d.anchor_date.isoformat(), "due": d.due_date.isoformat(),
        "extended_to": d.extension_agreed_until.isoformat() if d.extension_agreed_until else None,
        "effective_due": d.effective_due.isoformat(), "status": d.status, "actor": d.actor,
        "met_on": d.met_at.isoformat() if d.met_at else None, "overdue": d.is_overdue(today),
    } for d in all_deadlines(case.id) if d.status != "superseded"]  # a clock a superseded step started never ran


def public_case(case: Case, today: date) -> dict:
    """Everything the public may see about a case: no names, addresses, contacts or private notes."""
    process = get_process(case.process)
    return {
        "id": case.id,
        "reference": case.reference,
        "process": case.process,
        "process_label": process.label,
        "regime": case.regime_version,
        "state": case.state,
        "state_label": process.state_label(case.state),
        "closed": case.state in process.terminal,
        "title": case.title,
        "asset_id": case.asset_id,
        "authority_code": case.authority_code,
        "parent_case_id": case.parent_case_id,
        "data": public_data(case.process, case.data),
        "timeline": public_events(case),
        "deadlines": public_deadlines(case, today),
        "updated_at": case.updated_at.isoformat() if isinstance(case.updated_at, datetime) else None,
    }
