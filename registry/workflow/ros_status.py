"""What Registers of Scotland shows for a case's entry, held as its own record (issue 11 item 6).

RoS is the system of record for the Register of Community Interests in Land
(RCIL, Part 2) and the Register of Applications by Community Bodies to Buy Land
(RoACBL, Parts 3A and 5). The registry never derives the RoS status from the
case's state: an officer records what RoS shows (the register, its status, the
RoS reference and the date RoS gave that status), and the case page shows it
beside the case state. The two may differ (RoS may not yet show a registration
Ministers decided, or may already show an entry deleted): both are held.

Each record is a new row (the history of what RoS showed); the latest by date
is the current one. Domain code: flushes, the edge commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from .. import audit, db, permissions
from ..errors import InvalidInput
from . import cases

declare = permissions.declare
declare("ros.record_status", roles={"council_officer", "council_decision_maker"}, scope="authority",
        description="Record the status Registers of Scotland shows for a community right-to-buy entry")

REGISTERS = {
    "RCIL": "Register of Community Interests in Land",
    "RoACBL": "Register of Applications by Community Bodies to Buy Land",
}
#: RCIL statuses as RoS publishes them [V] (domain §6.1). RoACBL's published statuses were not checked [U]:
#: the same words are offered, with "approved" and "refused" for Ministers' decisions on Parts 3A and 5.
STATUSES = {
    "RCIL": {"pending": "Pending", "registered": "Registered", "activated": "Activated", "deleted": "Deleted"},
    "RoACBL": {"pending": "Pending", "registered": "Registered", "approved": "Approved", "refused": "Refused",
               "deleted": "Deleted"},
}
#: The processes whose cases link to a RoS entry, and the register each uses.
PROCESS_REGISTERS = {
    "community_right_to_buy": ("RCIL",),
    "abandoned_land_right_to_buy": ("RoACBL",),
    "sustainable_development_right_to_buy": ("RoACBL",),
}


class RosStatusRecord(db.Base):
    __tablename__ = "ros_status_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    register: Mapped[str] = mapped_column(String(10))
    status: Mapped[str] = mapped_column(String(20))
    ros_reference: Mapped[str] = mapped_column(String(60))
    status_date: Mapped[date] = mapped_column(Date)
    recorded_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    note: Mapped[str | None] = mapped_column(Text)


def status_label(register: str, status: str) -> str:
    return STATUSES.get(register, {}).get(status, status.replace("_", " "))


def check(process: str, values: Mapping, today: date) -> dict:
    """The record's values, checked; ``InvalidInput`` naming the field. Pure."""
    registers = PROCESS_REGISTERS.get(process)
    if not registers:
        raise InvalidInput("Only a Scottish right-to-buy case has a Registers of Scotland entry.", field="register")
    register = (values.get("register") or "").strip()
    if register not in registers:
        raise InvalidInput("Choose the register: " + " or ".join(f"{r} ({REGISTERS[r]})" for r in registers) + ".",
                           field="register")
    status = (values.get("status") or "").strip()
    if status not in STATUSES[register]:
        raise InvalidInput(f"Choose the status {register} shows: {', '.join(STATUSES[register].values())}.",
                           field="status")
    reference = (values.get("ros_reference") or "").strip()
    if not reference:
        raise InvalidInput("Enter the Registers of Scotland reference.", field="ros_reference")
    if len(reference) > 60:
        raise InvalidInput("The Registers of Scotland reference must be 60 characters or fewer.",
                           field="ros_reference")
    raw = values.get("status_date")
    try:
        on = raw if isinstance(raw, date) else date.fromisoformat(str(raw or "").strip())
    except ValueError:
        raise InvalidInput("Enter the date RoS gave this status as a real date, for example 1 6 2026.",
                           field="status_date") from None
    if on > today:
        raise InvalidInput("The date RoS gave this status is in the future.", field="status_date")
    note = (values.get("note") or "").strip() or None
    return {"register": register, "status": status, "ros_reference": reference, "status_date": on, "note": note}


def record(case_id: int, actor, values: Mapping, today: date) -> RosStatusRecord:
    """Record what RoS shows for the case's entry. Flushes; the caller commits."""
    case = cases.get(case_id)
    permissions.require(actor, "ros.record_status", case)
    checked = check(case.process, values, today)
    row = RosStatusRecord(case_id=case.id, recorded_by_user_id=getattr(actor, "id", None), **checked)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "case.ros_status", "case", case.id,
                 {"ros_status_record_id": row.id, "register": row.register, "status": row.status,
                  "ros_reference": row.ros_reference, "status_date": row.status_date.isoformat()})
    return row


def history(case_id: int) -> list[RosStatusRecord]:
    return list(db.session.scalars(select(RosStatusRecord).where(RosStatusRecord.case_id == case_id)
                                   .order_by(RosStatusRecord.status_date, RosStatusRecord.id)))


def current(case_id: int) -> RosStatusRecord | None:
    rows = history(case_id)
    return rows[-1] if rows else None


def public_view(case) -> dict | None:
    """What the case page shows: the latest RoS record (no personal data: the recorder is not named)."""
    if case.process not in PROCESS_REGISTERS:
        return None
    row = current(case.id)
    if row is None:
        return {"recorded": False}
    return {"recorded": True, "register": row.register, "register_label": REGISTERS[row.register],
            "status": row.status, "status_label": status_label(row.register, row.status),
            "ros_reference": row.ros_reference, "status_date": row.status_date.isoformat(),
            "count": len(history(case.id))}
