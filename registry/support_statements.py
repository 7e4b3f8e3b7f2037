"""Statements of community support (issue 15 item 5): residents back a group's nomination or request.

A group's representative opens one statement for its case, with the community's area: the
ward or the parish the site lies in, or a distance from the site. Residents add their name,
email and postcode; an emailed, signed link and their postcode again confirm them. The public
sees only two numbers: confirmed supporters inside the area and outside it. The officer sees
the same totals and downloads the list of names with the in-area flag for the case file
(never email or postcode), and that download is audited.

One supporter counts once: the email is normalised and unique within a statement (a database
constraint, so two requests at once cannot both add it). Signing again with the same email
changes nothing that is already confirmed and says the same as the first time, so the form
never tells anyone whether an address has signed.

Why the postcode is asked again on confirming: the link alone proves the mailbox, but mail
scanners open links; a GET never confirms, and the person types the postcode they gave, which
a scanner cannot.

Withdrawing: every confirmation email, and the page after confirming, carries a signed withdrawal
link (its own salt, so a confirmation link cannot withdraw, and no email inside it). A GET shows a
button; only the POST withdraws, since mail scanners open links. Withdrawing deletes the row (name,
email and postcode go, not a flag), so the public count drops, and leaves an audit line with no
personal data. The same email may sign again later: a new row, counted once like any other.

Retention [U: a retention decision for the council's privacy notice, not a statute]: a signature
never confirmed is deleted ``Settings.support_unconfirmed_retention_days`` (default 30) after it
was last signed, by ``flask support purge`` (``bin/serve`` runs it in the alert loop; cron in
production). Confirmed supporters are kept until they withdraw. Nothing is built for when the
statement has closed and its case has ended: the verified list stays with the case (the officer
can download it again) until the council decides a retention period for case records. That is an
open decision, not a policy of this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import current_app
from geoalchemy2 import Geometry
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, delete, func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from . import accounts, audit, db, permissions, places
from .errors import Conflict, Forbidden, InvalidInput, InvalidInputs, NotFound
from .workflow import cases, engine

declare = permissions.declare
declare("support.open", roles={"community_group_rep"}, scope="organisation",
        description="Open a statement of community support for one's own group's nomination or request")
declare("support.view_supporters", roles={"council_officer", "council_decision_maker", "reviewer"},
        scope="authority",
        description="See the totals of a case's statement of support and download its verified supporters")

AREA_KINDS = {"ward": "the ward of the site", "parish": "the parish of the site",
              "distance": "a distance from the site"}
MIN_DISTANCE_M, MAX_DISTANCE_M = 100, 50_000
NAME_MAX = 200
CONFIRM_MAX_AGE_S = 14 * 24 * 3600  # two weeks: a resident may read the email days later
TOKEN_SALT = "support-confirm"
WITHDRAW_SALT = "support-withdraw"


class SupportStatement(db.Base):
    __tablename__ = "support_statement"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case.id", ondelete="CASCADE"), unique=True)
    opened_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    area_kind: Mapped[str] = mapped_column(String(10))
    area_code: Mapped[str | None] = mapped_column(String(9))
    area_name: Mapped[str] = mapped_column(String(200))
    distance_m: Mapped[int | None] = mapped_column(Integer)
    centre = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=False)
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Supporter(db.Base):
    """One resident's support: personal data (name, email, postcode), never in a public answer."""

    __tablename__ = "supporter"

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("support_statement.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    email_normalised: Mapped[str] = mapped_column(String(320))
    postcode: Mapped[str] = mapped_column(String(8))
    in_area: Mapped[bool | None] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Counts:
    """What the public may see: two numbers and the area's words."""

    in_area: int
    outside: int
    area_words: str
    open: bool

    @property
    def total(self) -> int:
        return self.in_area + self.outside

    def as_public(self) -> dict:
        return {"in_area": self.in_area, "outside_area": self.outside, "total": self.total,
                "area": self.area_words, "open": self.open}


# ------------------------------------------------------------------ pure rules


def normalise_email(raw: str) -> str:
    """One form per mailbox, so a repeat supporter is found: trimmed, and lower case throughout.

    The local part is lower-cased too (accounts keep its case): strictly it may be case-sensitive,
    but no mainstream provider treats it so, and counting ``Ann@x`` and ``ann@x`` twice would let
    one person count twice.
    """
    return accounts.normalise_email(raw).lower()


def unconfirmed_cutoff(now: datetime, retention_days: int) -> datetime:
    """Unconfirmed signatures last signed before this are deleted ([U] retention, default 30 days).

    Shorter than the confirmation link's life would delete a row whose link still works, so it is refused.
    """
    if retention_days * 24 * 3600 < CONFIRM_MAX_AGE_S:
        raise ValueError(f"The retention of unconfirmed supporters ({retention_days} days) must be at least "
                         f"the confirmation link's life ({CONFIRM_MAX_AGE_S // (24 * 3600)} days).")
    return now - timedelta(days=retention_days)


def parse_distance_m(raw) -> int:
    text_value = str(raw or "").strip().replace(",", "")
    if not text_value.isdigit():
        raise InvalidInput("Enter the distance in metres as a whole number, like 800.", field="distance_m")
    value = int(text_value)
    if not MIN_DISTANCE_M <= value <= MAX_DISTANCE_M:
        raise InvalidInput(f"Enter a distance between {MIN_DISTANCE_M:,} and {MAX_DISTANCE_M:,} metres.",
                           field="distance_m")
    return value


def area_words(kind: str, name: str, distance_m: int | None) -> str:
    """The area as the public count names it: 'Headingley & Hyde Park ward', 'within 800 metres of the site'."""
    if kind == "distance":
        return f"within {distance_m:,} metres of the site"
    return f"{name} {kind}"


# ------------------------------------------------------------------ reads


def statement_for_case(case_id: int) -> SupportStatement | None:
    return db.session.scalar(select(SupportStatement).where(SupportStatement.case_id == case_id))


def get_statement(case_id: int) -> SupportStatement:
    statement = statement_for_case(case_id)
    if statement is None:
        raise NotFound("This case has no statement of support.")
    return statement


def counts(statement: SupportStatement) -> Counts:
    row = db.session.execute(
        select(func.count().filter(Supporter.in_area.is_(True)), func.count().filter(Supporter.in_area.is_(False)))
        .where(Supporter.statement_id == statement.id, Supporter.confirmed_at.is_not(None))).one()
    return Counts(row[0], row[1], area_words(statement.area_kind, statement.area_name, statement.distance_m),
                  statement.closed_at is None)


def public_counts(case_id: int) -> dict | None:
    """The case's support as the public sees it (two numbers and the area), or None when none was opened."""
    statement = statement_for_case(case_id)
    return None if statement is None else counts(statement).as_public()


def site_point(case) -> tuple[float, float] | None:
    """(lon, lat) of the site: the asset's point, else a point on the nominated boundary."""
    row = db.session.execute(text(
        "SELECT ST_X(p), ST_Y(p) FROM (SELECT coalesce(a.point, ST_PointOnSurface(c.site)) AS p FROM \"case\" c "
        "LEFT JOIN asset a ON a.id = c.asset_id WHERE c.id = :id) s WHERE p IS NOT NULL"), {"id": case.id}).first()
    return (row[0], row[1]) if row else None


def area_choices(case) -> dict[str, dict | None]:
    """What the group may choose: the site's ward and parish (None where none is loaded), and a distance."""
    point = site_point(case)
    if point is None:
        return {"ward": None, "parish": None, "distance": {"name": "the site"}}
    wards = places.wards_at(*point)
    return {"ward": wards[0] if wards else None, "parish": places.parish_at(*point), "distance": {"name": "the site"}}


# ------------------------------------------------------------------ writes (flush only)


def open_statement(actor, case_id: int, area_kind: str, distance_m=None) -> SupportStatement:
    """The group's representative opens its case's statement, with the community's area (flushes)."""
    case = cases.get(case_id)
    if not permissions.can(actor, "support.open", case):
        raise Forbidden("Only someone who acts for the group that made this case can open a statement of support.")
    if not engine.is_public(case):
        raise Conflict("Send the case to the council first: residents can only back a case the public can see.")
    if statement_for_case(case_id) is not None:
        raise Conflict("This case already has a statement of support.")
    if area_kind not in AREA_KINDS:
        raise InvalidInput("Choose the community’s area.", field="area_kind")
    point = site_point(case)
    if point is None:
        raise InvalidInput("The case has no site on the map, so no area can be drawn round it.", field="area_kind")
    code, name, distance = None, "the site", None
    if area_kind == "distance":
        distance = parse_distance_m(distance_m)
    else:
        area = area_choices(case)[area_kind]
        if area is None:
            raise InvalidInput(f"The registry holds no {area_kind} boundary at the site: choose another area.",
                               field="area_kind")
        code, name = area["code"], area["name"]
    statement = SupportStatement(case_id=case_id, opened_by_user_id=getattr(actor, "id", None), area_kind=area_kind,
                                 area_code=code, area_name=name, distance_m=distance,
                                 centre=f"SRID=4326;POINT({point[0]} {point[1]})")
    db.session.add(statement)
    db.session.flush()
    audit.record(actor, "support.open", "case", case_id, {"statement_id": statement.id, "area_kind": area_kind,
                                                            "area_code": code, "distance_m": distance})
    return statement


def _check_supporter(name: str, email: str, postcode: str) -> tuple[str, str, str]:
    """The cleaned name, email and postcode, or InvalidInputs naming every field that is wrong at once."""
    errors: list[InvalidInput] = []
    name = " ".join((name or "").split())
    if not name:
        errors.append(InvalidInput("Enter your name.", field="name"))
    elif len(name) > NAME_MAX:
        errors.append(InvalidInput(f"Your name must be {NAME_MAX} characters or fewer.", field="name"))
    email_normalised = None
    if not (email or "").strip():
        errors.append(InvalidInput("Enter your email address.", field="email"))
    else:
        try:
            email_normalised = normalise_email(email)
        except InvalidInput as exc:
            errors.append(InvalidInput(exc.detail, field="email"))
    known = None
    try:
        known = _known_postcode(postcode)
    except InvalidInput as exc:
        errors.append(exc)
    if errors:
        raise InvalidInputs(errors)
    return name, email_normalised, known


def _known_postcode(raw: str) -> str:
    if not (raw or "").strip():
        raise InvalidInput("Enter your postcode.", field="postcode")
    postcode = places.normalise_postcode(raw)
    if postcode is None:
        raise InvalidInput("Enter a full UK postcode, like LS6 3HN.", field="postcode")
    exists = db.session.execute(text("SELECT EXISTS (SELECT 1 FROM postcode WHERE compact = :c)"),
                                {"c": postcode.replace(" ", "")}).scalar()
    if not exists:
        raise InvalidInput(f"We cannot find the postcode {postcode}. Check it and try again.", field="postcode")
    return postcode


def add_supporter(case_id: int, name: str, email: str, postcode: str) -> Supporter | None:
    """Record a resident's support, waiting for confirmation (flushes).

    Returns the row to send a confirmation link for, or None when this email has already
    confirmed (nothing to send, nothing changed). An unconfirmed row is updated with the latest
    name and postcode, so a typo can be put right by signing again.
    """
    statement = get_statement(case_id)
    if statement.closed_at is not None:
        raise Conflict("This statement of support has closed.")
    name, email_normalised, postcode = _check_supporter(name, email, postcode)
    existing = db.session.scalar(select(Supporter).where(Supporter.statement_id == statement.id,
                                                         Supporter.email_normalised == email_normalised))
    if existing is not None:
        if existing.confirmed_at is not None:
            return None
        existing.name, existing.postcode = name, postcode
        # Retention runs from the last signing: the new link must not outlive its row (purge_unconfirmed).
        existing.created_at = func.now()
        db.session.flush()
        return existing
    supporter = Supporter(statement_id=statement.id, name=name, email_normalised=email_normalised,
                          postcode=postcode)
    try:
        with db.session.begin_nested():
            db.session.add(supporter)
            db.session.flush()
    except IntegrityError:
        # The same email at the same moment from another request: that one stands.
        return db.session.scalar(select(Supporter).where(Supporter.statement_id == statement.id,
                                                         Supporter.email_normalised == email_normalised))
    return supporter


def _serializer(salt: str = TOKEN_SALT) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def confirmation_token(supporter: Supporter) -> str:
    """The row's id only, signed: ids are never reused, and a token is readable (base64) in access logs.

    (Links sent before this carried the email as well; they still load: only "s" is read.)
    """
    return _serializer().dumps({"s": supporter.id})


BAD_LINK = "That confirmation link is not valid or has expired. Add your support again to get a new one."


def _supporter_from(token: str, serializer: URLSafeTimedSerializer, key: str, max_age: int | None,
                    message: str) -> Supporter:
    """The supporter a signed link names (its row id under ``key``), or InvalidInput with ``message``."""
    try:
        data = serializer.loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        raise InvalidInput(message, field="token") from None
    supporter = db.session.get(Supporter, data.get(key)) if isinstance(data, dict) else None
    if supporter is None:
        raise InvalidInput(message, field="token")
    return supporter


def supporter_for_token(token: str) -> Supporter:
    return _supporter_from(token, _serializer(), "s", CONFIRM_MAX_AGE_S, BAD_LINK)


def case_of_supporter(supporter: Supporter) -> int:
    return db.session.get(SupportStatement, supporter.statement_id).case_id


def confirm(token: str, postcode: str) -> Supporter:
    """Confirm a supporter from their link and their postcode typed again; place them in or out (flushes)."""
    supporter = supporter_for_token(token)
    if supporter.confirmed_at is not None:
        return supporter  # a second click changes nothing
    typed = places.normalise_postcode(postcode or "")
    if typed is None or typed != supporter.postcode:
        raise InvalidInput("Enter the postcode you gave when you added your support.", field="postcode")
    statement = db.session.get(SupportStatement, supporter.statement_id)
    if statement.closed_at is not None:
        raise Conflict("This statement of support has closed.")
    supporter.in_area = bool(_postcode_in_area(statement, supporter.postcode))
    supporter.confirmed_at = datetime.now(UTC)
    db.session.flush()
    return supporter


def _postcode_in_area(statement: SupportStatement, postcode: str) -> bool:
    """PostGIS decides: the postcode's point in the ward or parish, or within the distance on the spheroid."""
    compact = postcode.replace(" ", "")
    if statement.area_kind == "distance":
        sql = ("SELECT ST_DWithin(p.point::geography, s.centre::geography, s.distance_m) FROM postcode p, "
               "support_statement s WHERE p.compact = :c AND s.id = :s")
    else:
        sql = ("SELECT EXISTS (SELECT 1 FROM postcode p JOIN area_boundary b ON b.code = :code "
               "WHERE p.compact = :c AND ST_Intersects(b.geom, p.point))")
    return bool(db.session.execute(text(sql), {"c": compact, "s": statement.id,
                                               "code": statement.area_code}).scalar())


# ------------------------------------------------------------------ withdrawing, and retention


def withdrawal_token(supporter: Supporter) -> str:
    """The signed withdrawal link's token: the row's id only (ids are never reused), no email in the URL."""
    return _serializer(WITHDRAW_SALT).dumps({"w": supporter.id})


NO_SUPPORT_LINK = ("That withdrawal link is not valid, or the support it was for has already been withdrawn "
                   "and its details deleted.")


def supporter_for_withdrawal(token: str) -> Supporter:
    """The supporter a withdrawal link names (no expiry: one may withdraw at any time), or InvalidInput."""
    return _supporter_from(token, _serializer(WITHDRAW_SALT), "w", None, NO_SUPPORT_LINK)


def withdraw(token: str) -> int:
    """Withdraw a supporter: delete their row, name, email and postcode with it; the case's id (flushes).

    Allowed when the statement has closed too: consent can be withdrawn at any time, so a closed
    statement's count may still drop. The audit line says only that someone withdrew, and whether
    they had confirmed (so the count's drop is explained), never who.
    """
    supporter = supporter_for_withdrawal(token)
    statement = db.session.get(SupportStatement, supporter.statement_id)
    gone = db.session.execute(delete(Supporter).where(Supporter.id == supporter.id)
                              .returning(Supporter.confirmed_at)).first()
    if gone is not None:  # None: another request withdrew it a moment ago
        audit.record(accounts.ANONYMOUS, "support.withdraw", "case", statement.case_id,
                     {"statement_id": statement.id, "was_confirmed": gone[0] is not None})
    return statement.case_id


def unconfirmed_retention_days() -> int:
    return current_app.config["SETTINGS"].support_unconfirmed_retention_days


def purge_unconfirmed(now: datetime, retention_days: int) -> int:
    """Delete every signature not confirmed within the retention period; how many (flushes, audited)."""
    cutoff = unconfirmed_cutoff(now, retention_days)
    deleted = db.session.execute(delete(Supporter).where(Supporter.confirmed_at.is_(None),
                                                         Supporter.created_at < cutoff),
                                 execution_options={"synchronize_session": False}).rowcount
    if deleted:
        audit.record(None, "support.purge", "supporter", None,
                     {"deleted": deleted, "retention_days": retention_days, "signed_before": cutoff.isoformat()},
                     via="cli")
    return deleted


def close_statement(actor, case_id: int) -> SupportStatement:
    """The group stops gathering support; the counts so far stand (flushes)."""
    statement = get_statement(case_id)
    if not permissions.can(actor, "support.open", cases.get(case_id)):
        raise Forbidden("Only someone who acts for the group can close its statement of support.")
    if statement.closed_at is None:
        statement.closed_at = datetime.now(UTC)
        db.session.flush()
        audit.record(actor, "support.close", "case", case_id, {"statement_id": statement.id})
    return statement


# ------------------------------------------------------------------ the officer's view


def _officer_check(actor, case_id: int):
    case = cases.get(case_id)
    if not permissions.can(actor, "support.view_supporters", case):
        raise Forbidden("Only an officer of the council dealing with this case can see its supporters.")
    return case


def officer_totals(actor, case_id: int) -> dict:
    _officer_check(actor, case_id)
    statement = get_statement(case_id)
    confirmed = counts(statement)
    waiting = db.session.scalar(select(func.count()).where(Supporter.statement_id == statement.id,
                                                           Supporter.confirmed_at.is_(None)))
    return {**confirmed.as_public(), "unconfirmed": waiting}


SUPPORTER_COLUMNS = ("name", "in_area", "confirmed_on")


def verified_supporters(actor, case_id: int) -> list[dict]:
    """The confirmed supporters for the case file: name, in-area flag, date; audited (flushes).

    No email and no postcode: the officer needs to know who and whether local, not how to reach them.
    """
    case = _officer_check(actor, case_id)
    statement = get_statement(case_id)
    rows = db.session.execute(
        select(Supporter.name, Supporter.in_area, Supporter.confirmed_at)
        .where(Supporter.statement_id == statement.id, Supporter.confirmed_at.is_not(None))
        .order_by(Supporter.confirmed_at, Supporter.id)).all()
    audit.record(actor, "support.download", "case", case.id,
                 {"statement_id": statement.id, "rows": len(rows)})
    return [{"name": name, "in_area": in_area, "confirmed_on": at.date()} for name, in_area, at in rows]
