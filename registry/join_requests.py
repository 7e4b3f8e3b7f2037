"""Join requests: a signed-in person asks to act for a community group; someone who already acts for it decides.

Its own module because it joins two nouns (people in `accounts`, groups in `organisations`); either of them
importing the other's half would make a cycle.
"""

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, String, Text, func, select
from sqlalchemy.orm import Mapped, mapped_column

from . import accounts, db, permissions
from .errors import Conflict, Forbidden, InvalidInput, NotFound
from .organisations import Organisation, get
from .permissions import declare

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
    if not organisation_ids:
        return []
    rows = db.session.execute(
        select(JoinRequest, accounts.User.display_name, accounts.User.email, Organisation.name)
        .join(accounts.User, accounts.User.id == JoinRequest.user_id)
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
