"""Organisations: community groups and other bodies that act under community rights.

Contact details are personal data: they live here and never leave through a
public projection (see api/geojson.py and registers.py allow-lists).
"""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from . import db
from .vocabulary import LEGAL_FORMS


class Organisation(db.Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    legal_form: Mapped[str] = mapped_column(String(40))
    member_count: Mapped[int | None] = mapped_column(Integer)
    local_member_count: Mapped[int | None] = mapped_column(Integer)
    asset_lock: Mapped[bool] = mapped_column(Boolean, default=False)
    non_distribution_of_surplus: Mapped[bool] = mapped_column(Boolean, default=False)
    community_definition: Mapped[str | None] = mapped_column(Text)
    area_code: Mapped[str | None] = mapped_column(String(9))
    company_number: Mapped[str | None] = mapped_column(String(20))
    charity_number: Mapped[str | None] = mapped_column(String(20))
    oscr_number: Mapped[str | None] = mapped_column(String(20))
    fca_number: Mapped[str | None] = mapped_column(String(20))
    # Personal data: never in a public projection.
    contact_name: Mapped[str | None] = mapped_column(String(200))
    contact_email: Mapped[str | None] = mapped_column(String(320))
    contact_phone: Mapped[str | None] = mapped_column(String(40))
    contact_address: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    @property
    def legal_form_label(self) -> str:
        return LEGAL_FORMS.get(self.legal_form, self.legal_form)


PUBLIC_FIELDS = ("id", "name", "legal_form", "company_number", "charity_number", "oscr_number", "fca_number")


def public_projection(organisation: Organisation) -> dict:
    return {field: getattr(organisation, field) for field in PUBLIC_FIELDS}
