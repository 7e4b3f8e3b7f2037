"""Price indices (CPI, RPI): the national series and an authority's own, month by month (domain §7.3(5)).

Indexed clawback conditions read them (`conditions.calculation_inputs`); officers update their
authority's table. Domain code flushes; the request or the CLI command commits.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, DateTime, ForeignKey, Numeric, String, func, select
from sqlalchemy.orm import Mapped, mapped_column

from . import audit, db, parsing, permissions
from .errors import InvalidInput

INDICES = {"cpi": "CPI", "rpi": "RPI"}
permissions.declare("index.update", roles=permissions.COUNCIL_OFFICERS, scope="authority",
                    description="Update one's own authority's CPI/RPI index table")


class IndexValue(db.Base):
    """One month's level of a price index: national (authority_code None) or an authority's own."""

    __tablename__ = "index_value"

    id: Mapped[int] = mapped_column(primary_key=True)
    authority_code: Mapped[str | None] = mapped_column(ForeignKey("authority.code"))
    index: Mapped[str] = mapped_column(String(3))  # cpi, rpi
    month: Mapped[date] = mapped_column(Date)  # the first day of the month
    level: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())



def index_values_for(authority_code: str | None, index: str) -> dict[str, Decimal]:
    """{"YYYY-MM": level}: the national series, overridden month by month by the authority's own."""
    rows = db.session.execute(
        select(IndexValue.authority_code, IndexValue.month, IndexValue.level)
        .where(IndexValue.index == index,
               (IndexValue.authority_code.is_(None)) | (IndexValue.authority_code == authority_code))
        .order_by(IndexValue.authority_code.nulls_first(), IndexValue.month)
    ).all()
    return {month.strftime("%Y-%m"): level for _, month, level in rows}


def set_index_value(authority_code: str | None, index: str, month: date, level: Decimal | str, actor) -> IndexValue:
    index = parsing.choice(index, "index", INDICES)
    level = Decimal(str(level))
    if not level.is_finite() or level <= 0:
        raise InvalidInput("An index level must be more than zero.", field="level")
    month = month.replace(day=1)
    row = db.session.scalar(select(IndexValue).where(
        IndexValue.index == index, IndexValue.month == month,
        IndexValue.authority_code.is_(None) if authority_code is None
        else IndexValue.authority_code == authority_code))
    if row is None:
        row = IndexValue(authority_code=authority_code, index=index, month=month, level=level)
        db.session.add(row)
    else:
        row.level, row.updated_at = level, func.now()
    db.session.flush()
    audit.record(actor, "index.update", "index_value", row.id,
                 {"authority_code": authority_code, "index": index, "month": month.isoformat(), "level": str(level)})
    return row

