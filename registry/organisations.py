"""Organisations: community groups and other bodies that act under community rights.

Contact details are personal data: they live here and never leave through a
public projection (see api/geojson.py and registers.py allow-lists).
"""

from datetime import datetime

from sqlalchemy import Boolean, DateTime, Integer, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from . import db
from .errors import InvalidInput
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
    # A parish council's own parish (ONS E04… code): checked against parish boundaries where loaded.
    parish_code: Mapped[str | None] = mapped_column(String(9))
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


def names() -> list[tuple[int, str]]:
    """Every organisation as (id, name), by name: the choices of a form."""
    return [(o.id, o.name) for o in db.session.scalars(select(Organisation).order_by(Organisation.name))]


def organisation_facts(organisation_id: int | None) -> dict:
    """What the eligibility rules (reg 5, reg 12, the Scottish community bodies) read about a body;
    {} when there is none."""
    if organisation_id is None:
        return {}
    org = db.session.get(Organisation, organisation_id)
    if org is None:
        return {}
    return {"id": org.id, "name": org.name, "legal_form": org.legal_form, "charity_number": org.charity_number,
            "member_count": org.member_count, "local_member_count": org.local_member_count,
            "community_definition": org.community_definition,
            "non_distribution_of_surplus": org.non_distribution_of_surplus, "asset_lock": org.asset_lock,
            "area_code": org.area_code, "parish_code": org.parish_code}


def public_projection(organisation: Organisation) -> dict:
    return {field: getattr(organisation, field) for field in PUBLIC_FIELDS}


REGISTRATION_FIELDS = ("name", "legal_form", "member_count", "local_member_count", "community_definition",
                       "company_number", "charity_number", "oscr_number", "fca_number", "contact_name",
                       "contact_email", "contact_phone", "contact_address")


def _count(raw: str, field: str) -> int | None:
    if not raw:
        return None
    if not raw.isdigit() or int(raw) > 10_000_000:
        raise InvalidInput("Enter the number of members as a whole number, like 25.", field=field)
    return int(raw)


def register(values: dict) -> Organisation:
    """Check and add a group registered by one of its members (flushes, never commits)."""
    name = (values.get("name") or "").strip()
    if not name:
        raise InvalidInput("Enter the group's name.", field="name")
    if len(name) > 200:
        raise InvalidInput("The group's name must be 200 characters or fewer.", field="name")
    if values.get("legal_form") not in LEGAL_FORMS:
        raise InvalidInput("Choose the group's legal form.", field="legal_form")
    members = _count(values.get("member_count", ""), "member_count")
    local = _count(values.get("local_member_count", ""), "local_member_count")
    if members is not None and local is not None and local > members:
        raise InvalidInput("Local members cannot be more than all members.", field="local_member_count")
    email = (values.get("contact_email") or "").strip()
    if email and ("@" not in email or len(email) > 320):
        raise InvalidInput("Enter a contact email address like name@example.org.", field="contact_email")
    organisation = Organisation(
        name=name, legal_form=values["legal_form"], member_count=members, local_member_count=local,
        asset_lock=bool(values.get("asset_lock")),
        non_distribution_of_surplus=bool(values.get("non_distribution_of_surplus")),
        **{key: (values.get(key) or "").strip()[:400] or None
           for key in ("community_definition", "company_number", "charity_number", "oscr_number", "fca_number",
                       "contact_name", "contact_email", "contact_phone", "contact_address")},
    )
    db.session.add(organisation)
    db.session.flush()
    return organisation


# ------------------------------------------------------------------ finding groups

from .errors import NotFound  # noqa: E402


def get(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(f"There is no group {organisation_id}.")
    return organisation


def all_groups() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name, Organisation.id)))
