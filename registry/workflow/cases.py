"""Cases, their append-only events and their deadline rows: the workflow's nouns.

A ``Case`` is one run of a declared process (registry/workflow/acv.py, …) on an
asset. ``data`` holds what may be published; ``private_data`` (owners' and
occupiers' names and addresses, contact details) never leaves through a public
projection (``registry.workflow.public``). ``CaseEvent`` rows are
append-only (a database trigger refuses UPDATE and DELETE). ``Deadline`` rows
are the statutory clocks (domain §0.1): officers can see, extend and report on
them.

Writes happen only through ``registry.workflow.engine``; this module reads.
"""

from __future__ import annotations

from datetime import date, datetime

from geoalchemy2 import Geometry
from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import db
from ..errors import NotFound


class Case(db.Base):
    __tablename__ = "case"
    __table_args__ = (Index("ix_case_process_state", "process", "state"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    process: Mapped[str] = mapped_column(String(40))
    regime_version: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(40))
    asset_id: Mapped[int | None] = mapped_column(ForeignKey("asset.id"), index=True)
    authority_code: Mapped[str] = mapped_column(ForeignKey("authority.code"), index=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    parent_case_id: Mapped[int | None] = mapped_column(ForeignKey("case.id"), index=True)
    reference: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    public_summary: Mapped[str | None] = mapped_column(Text)
    site = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=True)
    data: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"), default=dict)
    private_data: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"), default=dict)
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, server_default="1", default=1)

    events: Mapped[list[CaseEvent]] = relationship(
        back_populates="case", order_by="CaseEvent.id", lazy="selectin", viewonly=True
    )
    deadlines: Mapped[list[Deadline]] = relationship(
        back_populates="case", order_by="(Deadline.due_date, Deadline.id)", lazy="selectin", viewonly=True
    )

    def __repr__(self):
        return f"<Case {self.reference} {self.process}:{self.state}>"


class CaseEvent(db.Base):
    __tablename__ = "case_event"
    __table_args__ = (
        Index("uq_case_event_supersedes", "supersedes_event_id", unique=True,
              postgresql_where=text("supersedes_event_id IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"), index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    at_utc: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    on_date: Mapped[date] = mapped_column(Date)  # the UK day it was recorded
    effective_date: Mapped[date] = mapped_column(Date)  # the day it happened in law (received, sent, decided)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    supersedes_event_id: Mapped[int | None] = mapped_column(BigInteger, ForeignKey("case_event.id"))
    action: Mapped[str] = mapped_column(String(60))
    from_state: Mapped[str | None] = mapped_column(String(40))
    to_state: Mapped[str] = mapped_column(String(40))
    reasons: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"), default=dict)
    private_data: Mapped[dict] = mapped_column(JSONB, server_default=text("'{}'::jsonb"), default=dict)

    case: Mapped[Case] = relationship(back_populates="events")


class Deadline(db.Base):
    __tablename__ = "deadline"
    __table_args__ = (
        UniqueConstraint("case_id", "rule_code", "anchor_date", name="uq_deadline_case_id"),
        Index("ix_deadline_due_date", "due_date", postgresql_where=text("status = 'open'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id"))
    rule_code: Mapped[str] = mapped_column(String(60))
    label: Mapped[str] = mapped_column(String(300))
    anchor_event: Mapped[str] = mapped_column(String(60))
    anchor_date: Mapped[date] = mapped_column(Date)
    due_date: Mapped[date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), server_default="open", default="open")
    met_at: Mapped[date | None] = mapped_column(Date)
    extension_agreed_until: Mapped[date | None] = mapped_column(Date)
    extension_reason: Mapped[str | None] = mapped_column(Text)
    overridden_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    reminder_sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    case: Mapped[Case] = relationship(back_populates="deadlines")

    @property
    def effective_due(self) -> date:
        """The due date after any agreed extension."""
        return max(self.due_date, self.extension_agreed_until or self.due_date)

    def is_overdue(self, today: date) -> bool:
        # An earliest date ("not before", e.g. Part 5's application 6 months after the request) is never overdue.
        return self.status == "open" and today > self.effective_due and not _is_earliest_date(self.rule_code)


def _is_earliest_date(rule_code: str) -> bool:
    from . import rules

    return any(rule.kind == "not_before" for regime in rules.RULES.values() for rule in regime
               if rule.code == rule_code)


# ------------------------------------------------------------------ reads


def get(case_id: int) -> Case:
    case = db.session.get(Case, case_id)
    if case is None:
        raise NotFound(f"There is no case {case_id}.")
    return case


def get_by_reference(reference: str) -> Case:
    case = db.session.scalar(select(Case).where(Case.reference == reference))
    if case is None:
        raise NotFound(f"There is no case {reference}.")
    return case


def lock(case_id: int) -> Case:
    """The case row, locked until the transaction ends (SELECT … FOR UPDATE), freshly read."""
    case = db.session.scalar(
        select(Case).where(Case.id == case_id).with_for_update().execution_options(populate_existing=True)
    )
    if case is None:
        raise NotFound(f"There is no case {case_id}.")
    return case


def open_deadlines(case: Case) -> dict[str, Deadline]:
    """The case's open deadlines by rule code (the latest anchor wins)."""
    found: dict[str, Deadline] = {}
    rows = db.session.scalars(
        select(Deadline).where(Deadline.case_id == case.id, Deadline.status == "open")
        .order_by(Deadline.anchor_date, Deadline.id)
    )
    for row in rows:
        found[row.rule_code] = row
    return found


def all_deadlines(case_id: int) -> list[Deadline]:
    return list(db.session.scalars(
        select(Deadline).where(Deadline.case_id == case_id).order_by(Deadline.due_date, Deadline.id)
    ))


def events_of(case_id: int) -> list[CaseEvent]:
    return list(db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id).order_by(CaseEvent.id)))


def cases_on_asset(asset_id: int, *, include_drafts: bool = False) -> list[Case]:
    query = select(Case).where(Case.asset_id == asset_id).order_by(Case.id)
    if not include_drafts:
        query = query.where(Case.state != "draft")
    return list(db.session.scalars(query))


def children_of(case_id: int) -> list[Case]:
    return list(db.session.scalars(select(Case).where(Case.parent_case_id == case_id).order_by(Case.id)))


def drafts_of(organisation_ids) -> list[Case]:
    ids = list(organisation_ids or ())
    if not ids:
        return []
    return list(db.session.scalars(
        select(Case).where(Case.organisation_id.in_(ids)).order_by(Case.updated_at.desc())
    ))


def organisations_by_id(ids) -> list:
    from ..organisations import Organisation

    wanted = sorted(ids or ())
    if not wanted:
        return []
    return list(db.session.scalars(select(Organisation).where(Organisation.id.in_(wanted)).order_by(Organisation.name)))


def caseload(authority_code: str, today: date, *, terminal_states=frozenset()) -> list[dict]:
    """An authority's open cases, nearest open deadline first; overdue ones flagged.

    Drafts are the group's own and never appear here.
    """
    rows = db.session.execute(
        text(
            """
            SELECT c.id, c.reference, c.process, c.state, c.title, c.asset_id, c.updated_at,
                   d.rule_code, d.label AS deadline_label,
                   greatest(d.due_date, coalesce(d.extension_agreed_until, d.due_date)) AS due
            FROM "case" c
            LEFT JOIN LATERAL (
                SELECT rule_code, label, due_date, extension_agreed_until FROM deadline
                WHERE case_id = c.id AND status = 'open'
                  -- another party's deadline that has passed is theirs to miss, not the council's overdue work
                  AND (actor = 'council' OR greatest(due_date, coalesce(extension_agreed_until, due_date)) >= :today)
                ORDER BY greatest(due_date, coalesce(extension_agreed_until, due_date)) LIMIT 1
            ) d ON true
            WHERE c.authority_code = :code AND c.state <> 'draft'
              AND NOT (c.state = ANY(:terminal))
            ORDER BY due NULLS LAST, c.id
            """
        ),
        {"code": authority_code, "terminal": list(terminal_states), "today": today},
    ).mappings()
    out = []
    for row in rows:
        item = dict(row)
        item["overdue"] = item["due"] is not None and today > item["due"]
        out.append(item)
    return out


def next_reference(process_prefix: str, year: int) -> tuple[str, int]:
    """``ACV-2026-000042``: readable and unique (the sequence of the case id)."""
    number = db.session.execute(text("SELECT nextval(pg_get_serial_sequence('\"case\"', 'id'))")).scalar()
    return f"{process_prefix}-{year}-{number:06d}", number


def authority_at_site(case: Case) -> str | None:
    """The district whose area holds the nominated site (its boundary, else the asset's point)."""
    return db.session.execute(
        text(
            """
            SELECT district_code_at(coalesce(ST_PointOnSurface(c.site), a.point))
            FROM "case" c LEFT JOIN asset a ON a.id = c.asset_id WHERE c.id = :id
            """
        ) if case.id is not None else text(
            "SELECT coalesce(area_code, district_code_at(point)) FROM asset WHERE id = :asset_id"),
        {"id": case.id, "asset_id": case.asset_id},
    ).scalar()


def site_geojson(case_id: int) -> str | None:
    """The nominated site boundary as GeoJSON (WGS84, 7 decimals), or None when none was given."""
    return db.session.execute(
        text('SELECT ST_AsGeoJSON(site, 7) FROM "case" WHERE id = :id AND site IS NOT NULL'), {"id": case_id},
    ).scalar()


def site_within_authority(case: Case) -> bool | None:
    """Is the whole site inside the authority's (approximate) boundary? None when there is no site drawn."""
    if case.id is None:
        return None
    return db.session.execute(
        text(
            """
            SELECT CASE WHEN c.site IS NULL OR au.boundary IS NULL THEN NULL
                        ELSE ST_Within(c.site, ST_Buffer(au.boundary::geography, 500)::geometry) END
            FROM "case" c JOIN authority au ON au.code = c.authority_code WHERE c.id = :id
            """
        ),
        {"id": case.id},
    ).scalar()


def neighbouring_authorities(code: str) -> set[str]:
    """Authorities whose (approximate) areas touch or lie within 2 km of this one."""
    rows = db.session.execute(
        text(
            """
            SELECT other.code FROM authority me JOIN authority other
              ON other.code <> me.code AND other.boundary IS NOT NULL
             AND ST_DWithin(me.boundary::geography, other.boundary::geography, 2000)
            WHERE me.code = :code
            """
        ),
        {"code": code},
    )
    return {r[0] for r in rows}
