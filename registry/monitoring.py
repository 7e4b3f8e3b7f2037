"""The annual reports and reviews a community body owes after a transfer, and the reminders about them.

`MonitoringDate` rows are made with the transfer (`transfers.create`, from `monitoring_dates`);
`overdue` and `record_received` serve the officers' pages; `send_reminders` (the CLI's
`transfers remind`) emails each recipient body before its date. Domain code flushes; the edge commits.
"""

from __future__ import annotations

from datetime import date, timedelta

from dateutil.relativedelta import relativedelta
from sqlalchemy import Date, ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import audit, db, mail, permissions
from .errors import NotFound

MONITORING_KINDS = {"annual_report": "Annual report", "review": "Review"}
permissions.declare("monitoring.manage", roles=permissions.COUNCIL_OFFICERS, scope="authority",
                    description="See overdue monitoring and record reports received (own authority)")


class MonitoringDate(db.Base):
    __tablename__ = "monitoring_date"

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfer.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # annual_report, review
    due_date: Mapped[date] = mapped_column(Date)
    received_on: Mapped[date | None] = mapped_column(Date)
    reminded_on: Mapped[date | None] = mapped_column(Date)

    # "Transfer" is resolved by name: transfers.py imports this module, not the other way round.
    transfer: Mapped["Transfer"] = relationship(back_populates="monitoring_dates")  # noqa: F821

    @property
    def kind_label(self) -> str:
        return MONITORING_KINDS.get(self.kind, self.kind)


def monitoring_dates(completion: date, years: int, review_every: int) -> list[tuple[str, date]]:
    dates = [("annual_report", completion + relativedelta(years=n)) for n in range(1, years + 1)]
    if review_every:
        dates += [("review", completion + relativedelta(years=n))
                  for n in range(review_every, years + 1, review_every)]
    return sorted(dates, key=lambda kd: (kd[1], kd[0]))


def overdue(today: date, authority_code: str | None = None) -> list[MonitoringDate]:
    """Reports and reviews due before today and not yet received, oldest first."""
    query = (select(MonitoringDate)
             .where(MonitoringDate.due_date < today, MonitoringDate.received_on.is_(None))
             .order_by(MonitoringDate.due_date, MonitoringDate.id))
    if authority_code is not None:
        query = query.where(MonitoringDate.transfer.has(authority_code=authority_code))
    return list(db.session.scalars(query))


def record_received(monitoring_date_id: int, received_on: date, actor) -> MonitoringDate:
    row = db.session.get(MonitoringDate, monitoring_date_id, with_for_update=True)
    if row is None:
        raise NotFound(f"There is no monitoring date {monitoring_date_id}.")
    permissions.require(actor, "monitoring.manage", row.transfer)
    row.received_on = received_on
    db.session.flush()
    audit.record(actor, "monitoring.received", "monitoring_date", row.id, {"received_on": received_on.isoformat()})
    return row


def reminders_due(today: date, days_ahead: int = 14) -> list[MonitoringDate]:
    """Monitoring dates within `days_ahead` days, not received and not yet reminded."""
    return list(db.session.scalars(
        select(MonitoringDate)
        .where(MonitoringDate.due_date >= today, MonitoringDate.due_date <= today + timedelta(days=days_ahead),
               MonitoringDate.received_on.is_(None), MonitoringDate.reminded_on.is_(None))
        .order_by(MonitoringDate.due_date, MonitoringDate.id)
    ))


def send_reminders(today: date, days_ahead: int = 14) -> int:
    """Email each recipient body about its coming report or review; mark those sent. Flushes."""
    sent = 0
    for row in reminders_due(today, days_ahead):
        transfer = row.transfer
        to = transfer.organisation.contact_email
        if not to:
            continue
        body = (f"The {row.kind_label.lower()} for {transfer.asset.name} is due on {row.due_date:%-d %B %Y}.\n\n"
                f"It is a condition of the transfer completed on {transfer.completion_date:%-d %B %Y}. "
                "Please send it to the council's asset transfer team.\n")
        if mail.send(to, f"{row.kind_label} due {row.due_date:%-d %B %Y}: {transfer.asset.name}", body):
            row.reminded_on = today
            sent += 1
    db.session.flush()
    return sent

