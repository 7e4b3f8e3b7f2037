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


# ------------------------------------------------------------------ join requests

from sqlalchemy import ForeignKey  # noqa: E402

from .errors import Conflict, Forbidden, NotFound  # noqa: E402
from .permissions import declare  # noqa: E402

declare("organisation.decide_join", roles={"community_group_rep"}, scope="organisation",
        description="Approve or decline a person's request to act for one's own group")

JOIN_STATUSES = {"pending": "Waiting for the group", "approved": "Approved", "declined": "Declined"}


class JoinRequest(db.Base):
    """A signed-in person asks to act for a group; someone who already acts for it decides."""

    __tablename__ = "join_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    message: Mapped[str | None] = mapped_column(Text)  # personal: shown to the group only
    status: Mapped[str] = mapped_column(String(20), server_default="pending")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


def get(organisation_id: int) -> Organisation:
    organisation = db.session.get(Organisation, organisation_id)
    if organisation is None:
        raise NotFound(f"There is no group {organisation_id}.")
    return organisation


def all_groups() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name, Organisation.id)))


def ask_to_join(user, organisation_id: int, message: str | None = None) -> JoinRequest:
    """Record a request to act for a group (flushes). Asking twice while one waits is refused."""
    organisation = get(organisation_id)
    if organisation_id in (getattr(user, "organisation_ids", ()) or ()):
        raise Conflict(f"You already act for {organisation.name}.")
    waiting = db.session.scalar(select(JoinRequest).where(
        JoinRequest.organisation_id == organisation_id, JoinRequest.user_id == user.id,
        JoinRequest.status == "pending"))
    if waiting is not None:
        raise Conflict(f"You have already asked to join {organisation.name}: the group has not answered yet.")
    message = (message or "").strip()
    if len(message) > 1000:
        raise InvalidInput("Your message must be 1,000 characters or fewer.", field="message")
    request = JoinRequest(organisation_id=organisation_id, user_id=user.id, message=message or None)
    db.session.add(request)
    db.session.flush()
    return request


def requests_for_groups(organisation_ids) -> list[dict]:
    """Waiting requests to the given groups, with who asked (for the groups' own account page only)."""
    from .accounts import User

    if not organisation_ids:
        return []
    rows = db.session.execute(
        select(JoinRequest, User.display_name, User.email, Organisation.name)
        .join(User, User.id == JoinRequest.user_id)
        .join(Organisation, Organisation.id == JoinRequest.organisation_id)
        .where(JoinRequest.organisation_id.in_(list(organisation_ids)), JoinRequest.status == "pending")
        .order_by(JoinRequest.created_at, JoinRequest.id))
    return [{"id": r.id, "organisation_id": r.organisation_id, "organisation_name": org_name,
             "person": name, "email": email, "message": r.message, "created_at": r.created_at}
            for r, name, email, org_name in rows]


def requests_by(user) -> list[dict]:
    rows = db.session.execute(
        select(JoinRequest, Organisation.name).join(Organisation, Organisation.id == JoinRequest.organisation_id)
        .where(JoinRequest.user_id == user.id).order_by(JoinRequest.created_at.desc(), JoinRequest.id.desc()))
    return [{"id": r.id, "organisation_name": name, "status": r.status, "status_label": JOIN_STATUSES[r.status],
             "created_at": r.created_at} for r, name in rows]


def decide_join(decider, request_id: int, approve: bool) -> JoinRequest:
    """The group's representative approves (adds a membership) or declines a waiting request (flushes)."""
    from . import accounts, permissions

    request = db.session.get(JoinRequest, request_id)
    if request is None:
        raise NotFound(f"There is no join request {request_id}.")
    if not permissions.can(decider, "organisation.decide_join", request.organisation_id):
        raise Forbidden("Only someone who acts for the group can answer a request to join it.")
    if request.status != "pending":
        raise Conflict("This request has already been answered.")
    request.status = "approved" if approve else "declined"
    request.decided_at = func.now()
    request.decided_by = decider.id
    if approve:
        accounts.add_membership(db.session.get(accounts.User, request.user_id), request.organisation_id)
    db.session.flush()
    return request


# ------------------------------------------------------------------ who may use each right (plain words)


def who_may_use(right: str) -> dict:
    """The eligibility rules of a right's process, in plain words, for the person who cannot yet use it."""
    from .workflow import acv, scottish_atr
    from .workflow import right_to_challenge as rtc

    def forms(codes):
        return [LEGAL_FORMS.get(code, code) for code in sorted(codes, key=lambda c: LEGAL_FORMS.get(c, c))]

    if right == "acv":
        return {"title": "Nominate an asset of community value",
                "intro": "Only a community group can nominate land or a building (Localism Act 2011 section 89; "
                         "Assets of Community Value (England) Regulations 2012, regulation 5). The group must be "
                         "connected with the council's area or a neighbouring one. These can nominate:",
                "rules": [*forms(acv.NOMINATING_FORMS_ANY),
                          *[f"{label}, if it does not distribute any surplus to its members"
                            for label in forms(acv.NOMINATING_FORMS_NON_DISTRIBUTING)],
                          f"An unincorporated group with at least {acv.UNINCORPORATED_MIN_LOCAL_MEMBERS} members "
                          "who are on the electoral register for the area, if it does not distribute any surplus "
                          "to its members"]}
    if right == "rtc":
        return {"title": "Express an interest in running a council service",
                "intro": "Only a relevant body may use the Community Right to Challenge (Localism Act 2011 "
                         "section 81(6)):",
                "rules": list(rtc.RELEVANT_BODIES.values())}
    if right == "cat":
        return {"title": "Ask to take on a council asset",
                "intro": "A community asset transfer is asked for by a community group, not a person alone. "
                         "The council assesses the group under its own community asset transfer policy.",
                "rules": ["A registered community group, charity, social enterprise or parish or town council"]}
    if right == "atr":
        return {"title": "Make an asset transfer request (Scotland)",
                "intro": "Only a community transfer body may make a request (Community Empowerment (Scotland) "
                         "Act 2015, sections 19 and 77): a group with a written constitution that defines its "
                         "community, most of whose members come from that community.",
                "rules": ["A community-controlled body (not a council, a neighbourhood forum or a staff group)",
                          f"To ask to buy: {', '.join(forms(scottish_atr.OWNERSHIP_FORMS))}, with at least "
                          f"{scottish_atr.OWNERSHIP_MIN_MEMBERS} members"]}
    raise NotFound(f"There is no right called {right}.")


RIGHTS = ("acv", "rtc", "cat", "atr")
