"""Emails to the parties when a case is decided, and reminders before a deadline they own.

A step queues its notices on the request (``queue``); they are sent only after
the request has committed its writes (``send_queued``, called at teardown when
the answer was a success), so nobody is told of a decision that was rolled back.
Messages carry public facts only (the case title, the decision, the published
reasons, a link), never anyone's personal data.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from flask import g, has_request_context
from sqlalchemy import select, text

from .. import db, mail

log = logging.getLogger(__name__)

#: Steps the parties hear about (a decision, or a clock that starts for them).
NOTIFY_ACTIONS = frozenset({
    "submit", "accept_nomination", "reject_nomination", "list", "decline", "uphold_listing", "remove_on_review",
    "remove", "expire", "appeal_dismissed", "appeal_allowed",
    "receive_notice", "request_to_bid", "end_interim", "end_full",
    "notify_timetable", "accept", "reject", "propose_modification",
    "decline_eoi", "invite_business_case", "approve_in_principle", "refuse", "formal_decision", "complete",
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
        lines += [f"- {d.label}: {d.effective_due.isoformat()}" for d in open_deadlines]
    lines += ["", f"See the case: {mail.external_url(f'/cases/{case.id}')}"]
    return subject, "\n".join(lines)


def queue(case, event) -> None:
    if event.action not in NOTIFY_ACTIONS or not has_request_context():
        return
    g.setdefault("workflow_notices", []).append((case.id, event.id))


def send_queued() -> int:
    from .cases import Case, CaseEvent
    from .engine import get_process

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
    """Remind each group of its own deadlines falling due in exactly ``days_ahead`` days (run daily)."""
    from .cases import Case, Deadline
    from .engine import get_process

    due = today + timedelta(days=days_ahead)
    rows = db.session.execute(
        select(Deadline, Case).join(Case, Case.id == Deadline.case_id)
        .where(Deadline.status == "open", Deadline.actor == "group",
               Deadline.extension_agreed_until.is_(None), Deadline.due_date == due)
    ).all()
    sent = 0
    for deadline, case in rows:
        process = get_process(case.process)
        subject = f"Reminder: {deadline.label} by {due.isoformat()} ({case.reference})"
        body = (f"{process.label}: {case.title} ({case.reference})\n\n{deadline.label}: the last day is "
                f"{due.isoformat()}.\n\nSee the case: {mail.external_url(f'/cases/{case.id}')}")
        for address in recipients(case):
            sent += bool(mail.send(address, subject, body))
    return sent
