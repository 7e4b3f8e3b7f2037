"""Emails to the parties when a case is decided, and reminders before a deadline they own.

A step queues its notices on the application context (``queue``): in a request,
they are sent only after the request has committed its writes (``send_queued``,
called at teardown when the answer was a success); in a CLI job (``flask cases
run-clocks``) the command commits, then sends. Nobody is told of a decision
that was rolled back. Reminders (``send_reminders``) go once per deadline
(``deadline.reminder_sent_at``), whenever the daily run first finds it inside
the reminder window, so a missed day catches up.
Messages carry public facts only (the case title, the decision, the published
reasons, a link), never anyone's personal data.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from flask import g, has_app_context, has_request_context
from sqlalchemy import func, select, text

from .. import db, mail
from .rules import format_date  # dates in words in every email: "25 January 2027"

log = logging.getLogger(__name__)

#: Steps the parties hear about (a decision, or a clock that starts for them).
NOTIFY_ACTIONS = frozenset({
    "submit", "accept_nomination", "reject_nomination", "list", "decline", "uphold_listing", "remove_on_review",
    "remove", "expire", "appeal_dismissed", "appeal_allowed",
    "receive_notice", "request_to_bid", "end_interim", "end_full",
    "notify_timetable", "accept", "reject", "propose_modification",
    "decline_eoi", "invite_business_case", "approve_in_principle", "refuse", "formal_decision", "complete",
    # automatic steps (flask cases run-clocks): the parties hear of them too
    "expire_protected", "deem_refused", "close_refusal", "lapse_offer", "deem_declined",
})


def recipients(case) -> list[str]:
    """The group's members (confirmed, active accounts) and its contact address; for a moratorium, the nominator's."""
    from ..organisations import Organisation
    from .cases import Case

    organisation_id = case.organisation_id
    if organisation_id is None and case.parent_case_id is not None:
        parent = db.session.get(Case, case.parent_case_id)
        organisation_id = parent.organisation_id if parent else None
    if organisation_id is None:
        return []
    emails = set(db.session.execute(text(
        """
        SELECT u.email FROM membership m JOIN user_account u ON u.id = m.user_id
        WHERE m.organisation_id = :org AND u.active AND u.email_confirmed_at IS NOT NULL
        """), {"org": organisation_id}).scalars())
    contact = db.session.scalar(select(Organisation.contact_email).where(Organisation.id == organisation_id))
    if contact:
        emails.add(contact)
    return sorted(emails)


def message(case, event, process) -> tuple[str, str]:
    step = process.get(event.action)
    label = step.label if step else event.action
    subject = f"{case.reference}: {process.state_label(event.to_state)}"
    lines = [f"{process.label}: {case.title} ({case.reference})", "", f"{label}.",
             f"The case is now: {process.state_label(event.to_state)}."]
    if event.reasons:
        lines += ["", f"Reasons: {event.reasons}"]
    open_deadlines = [d for d in case.deadlines if d.status == "open"] if case.deadlines else []
    if open_deadlines:
        lines += ["", "Deadlines now running:"]
        lines += [f"- {d.label}: {format_date(d.effective_due)}" for d in open_deadlines]
    lines += ["", f"See the case: {mail.external_url(f'/cases/{case.id}')}"]
    return subject, "\n".join(lines)


def collect() -> None:
    """Queue notices outside a request too (a CLI job): it calls ``send_queued`` after its commit."""
    g.workflow_collect_notices = True


def queue(case, event) -> None:
    if event.action not in NOTIFY_ACTIONS or not has_app_context():
        return
    if not (has_request_context() or g.get("workflow_collect_notices")):
        return
    g.setdefault("workflow_notices", []).append((case.id, event.id))


def discard_queued() -> None:
    """Forget queued notices (their writes were rolled back)."""
    if has_app_context():
        g.pop("workflow_notices", None)


def send_queued() -> int:
    from .cases import Case, CaseEvent
    from .processes import get_process

    sent = 0
    for case_id, event_id in g.pop("workflow_notices", []):
        case, event = db.session.get(Case, case_id), db.session.get(CaseEvent, event_id)
        if case is None or event is None:
            continue
        db.session.refresh(case)
        subject, body = message(case, event, get_process(case.process))
        for address in recipients(case):
            sent += bool(mail.send(address, subject, body))
    return sent


def send_reminders(today: date, days_ahead: int = 7) -> int:
    """Remind each group, once, of each of its open deadlines whose last day is within ``days_ahead`` days.

    A deadline is reminded the first time a run finds its (extended) last day between today and
    ``today + days_ahead``: a day the job did not run is caught up the next day, and an extended
    deadline is reminded again for its new last day. ``reminder_sent_at`` is set when every message
    went (a refused send is tried again on the next run). Flushes; the caller commits.
    """
    from .cases import Case, Deadline
    from .processes import get_process

    last = today + timedelta(days=days_ahead)
    effective_due = func.greatest(Deadline.due_date, func.coalesce(Deadline.extension_agreed_until,
                                                                   Deadline.due_date))
    rows = db.session.execute(
        select(Deadline, Case).join(Case, Case.id == Deadline.case_id)
        .where(Deadline.status == "open", Deadline.actor == "group", Deadline.reminder_sent_at.is_(None),
               effective_due >= today, effective_due <= last)
        .order_by(Deadline.id).with_for_update(of=Deadline, skip_locked=True)
    ).all()
    sent = 0
    for deadline, case in rows:
        process = get_process(case.process)
        due = deadline.effective_due
        subject = f"Reminder: {deadline.label} by {format_date(due)} ({case.reference})"
        body = (f"{process.label}: {case.title} ({case.reference})\n\n{deadline.label}: the last day is "
                f"{format_date(due)}.\n\nSee the case: {mail.external_url(f'/cases/{case.id}')}")
        results = [bool(mail.send(address, subject, body)) for address in recipients(case)]
        sent += sum(results)
        if all(results):
            deadline.reminder_sent_at = func.now()
    db.session.flush()
    return sent
