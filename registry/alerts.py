"""Alerts: anyone with a confirmed email address hears of public events in an area they chose.

A subscription names an area (a shape drawn or typed, a ward or parish, a council, or a
distance from a postcode), the kinds of event it wants (``EVENT_KINDS``) and how often a
digest comes. What is alerted:

* case events (``kind_of``): nominations, listings, decisions, completed transfers, and owner's
  notices (``disposal_notice``);
* an asset that *becomes* surplus, available for transfer or vacant (``surplus``): one alert per
  such change, from the status history the triggers of migration 0027 keep
  (``assets.AssetStatusChange``), so an asset that goes surplus, back into use and surplus again
  alerts twice, and an edit of its name alerts nobody.

Owner's notices are never held for a digest: they go on the next run of ``flask alerts send``
(at least hourly), each with its last day read from the deadline row the workflow's rule tables
made (``NOTICE_CLOCKS``), never worked out here:

* an owner's notice of disposal of listed land (Localism Act 2011 s.95): the last day to ask to
  be treated as a potential bidder;
* an owner's notice of a proposed transfer of land with a registered community interest (Land
  Reform (Scotland) Act 2003 s.48), which activates the community right to buy: the last day
  for Ministers to ask the community body to confirm that it will buy (s.49(2)); and then
  Ministers' request itself: the last day for the body's confirmation to reach them (s.49(4)).
  Both go to subscribers who chose disposal notices: the same event in each law (the owner tells
  the public body it means to sell land the community has a recorded interest in), and the only
  window in which the community can act. A separate kind would leave every existing subscriber
  in Scotland, who could only have chosen this one, without them.

Alerts are built only from what the public may see: case events through the public
projection (``registry.workflow.public``), on assets that are not withheld, and public asset
fields. The subscriber's email, postcode and area are personal data: they appear only in the
subscriber's own email and feeds (at an unguessable URL), never in a public page.

``alert_sent`` has one row per (subscription, event), under a unique key: a run claims the
rows before it sends, so the same alert is never sent twice, even by overlapping runs.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import shapely
from geoalchemy2 import Geometry
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import ARRAY, BigInteger, DateTime, ForeignKey, Integer, String, func, select, text
from sqlalchemy.orm import Mapped, mapped_column

from . import db, places
from .errors import InvalidInput, InvalidInputs, NotFound
from .uktime import today_uk
from .workflow.rules import format_date

#: What a subscriber may ask to hear about, in the words the form shows.
EVENT_KINDS = {
    "surplus": "An asset that becomes surplus or vacant",
    "nomination": "A nomination received (asset of community value)",
    "listing": "A listing as an asset of community value",
    "disposal_notice": "An owner's notice of disposal of listed land, or of a proposed transfer of land with a "
                       "registered community interest (Scotland)",
    "decision": "A decision on a nomination, request or challenge",
    "transfer": "A completed transfer to a community body",
}
#: Kinds sent on the next run of the job, whatever the digest frequency: a bidder's window is six weeks, a
#: community body's under 30 days.
IMMEDIATE_KINDS = frozenset({"disposal_notice"})
FREQUENCIES = {"daily": "Once a day", "weekly": "Once a week"}
DIGEST_INTERVAL = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
AREA_KINDS = {
    "shape": "A shape drawn on the map or typed",
    "ward": "A ward",
    "parish": "A parish",
    "council": "A council's area",
    "distance": "A distance from a postcode",
}
MAX_RADIUS_M = 50_000
SURPLUS_STATUSES = ("surplus", "available_for_transfer")
CONFIRM_MAX_AGE_S = 3 * 24 * 3600
#: The rule whose last day a disposal-notice alert gives (workflow/rules.py, s.95(2)).
BID_RULE = "acv_interim_moratorium_end"


@dataclass(frozen=True)
class NoticeClock:
    """What an owner's-notice alert says: the rule whose deadline row gives its last day, and in what words."""

    rule: str
    title: str  # before ": <asset> (<reference>)"
    subject: str  # the email's subject, before " by <last day>"
    last_day_for: str  # "Last day <last_day_for>: <day>."
    explain: str  # added to the summary; {last_day} is the day


#: (process, action) of an immediate notice -> its clock. The last day is the deadline row's, never recomputed.
NOTICE_CLOCKS = {
    ("moratorium", "receive_notice"): NoticeClock(
        BID_RULE, "An owner's notice of disposal of listed land", "Owner's notice of disposal: ask to bid",
        "to ask to be treated as a potential bidder",
        "A community interest group may ask in writing to be treated as a potential bidder; the last day to ask "
        "is {last_day}."),
    ("community_right_to_buy", "record_owner_notice"): NoticeClock(
        "crtb_ministers_request_due", "An owner's notice of a proposed transfer: community right to buy activated",
        "Community right to buy activated: Ministers to ask the community body to confirm",
        "for Scottish Ministers to ask the community body to confirm that it will buy (Land Reform (Scotland) "
        "Act 2003 s.49(2))",
        "The owner's notice activates the community right to buy (Land Reform (Scotland) Act 2003 s.47). Scottish "
        "Ministers must ask the community body to confirm that it will buy by {last_day}; the body's confirmation "
        "must then reach them by the date their request gives, no later than 30 days after they send it (s.49)."),
    ("community_right_to_buy", "record_ministers_request"): NoticeClock(
        "crtb_confirmation_due", "The community body is asked to confirm it will buy",
        "Community right to buy: the community body to confirm",
        "for the community body's confirmation that it will buy to reach Scottish Ministers (Land Reform "
        "(Scotland) Act 2003 s.49(4))",
        "The community body's confirmation that it will buy must reach Scottish Ministers by {last_day}, or it is "
        "taken to have declined and its registered interest is deleted (s.49(4), s.54)."),
}

# (process, action) -> kind; a completed transfer is known by the state it reaches.
_BY_ACTION = {
    ("acv", "submit"): "nomination", ("acv", "record_nomination"): "nomination",
    ("acv", "list"): "listing",
    **{key: "disposal_notice" for key in NOTICE_CLOCKS},
    **{("acv", a): "decision" for a in ("decline", "reject_nomination", "uphold_listing", "remove_on_review",
                                        "appeal_dismissed", "appeal_allowed")},
    **{("right_to_challenge", a): "decision" for a in ("accept", "reject", "propose_modification")},
    **{("cat", a): "decision" for a in ("decline_eoi", "approve_in_principle", "refuse", "formal_decision")},
    **{("scottish_atr", a): "decision" for a in ("agree", "refuse", "deem_refused", "review_agree",
                                                 "review_refuse", "appeal_agree", "appeal_refuse",
                                                 "decline_repeat_s93")},
}
_TRANSFER_STATES = {("cat", "completed"), ("scottish_atr", "completed"), ("moratorium", "disposed_to_community"),
                    ("community_right_to_buy", "completed")}
_PROCESSES = sorted({p for p, _ in _BY_ACTION} | {p for p, _ in _TRANSFER_STATES})


class AlertSubscription(db.Base):
    __tablename__ = "alert_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    area_kind: Mapped[str] = mapped_column(String(20))
    area_code: Mapped[str | None] = mapped_column(String(9))
    area_label: Mapped[str] = mapped_column(String(300))
    shape = mapped_column(Geometry("MULTIPOLYGON", srid=4326, spatial_index=False), nullable=True)
    centre = mapped_column(Geometry("POINT", srid=4326, spatial_index=False), nullable=True)
    radius_m: Mapped[int | None] = mapped_column(Integer)
    postcode: Mapped[str | None] = mapped_column(String(8))
    events: Mapped[list[str]] = mapped_column(ARRAY(String(30)))
    frequency: Mapped[str] = mapped_column(String(10), default="daily")
    feed_token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    unsubscribed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_digest_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    @property
    def live(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None


class AlertSent(db.Base):
    __tablename__ = "alert_sent"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("alert_subscription.id", ondelete="CASCADE"))
    event_key: Mapped[str] = mapped_column(String(80))
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


@dataclass(frozen=True)
class Alert:
    """One public event a subscriber hears of (public facts only)."""

    key: str
    kind: str
    on_date: date
    title: str
    summary: str
    path: str  # the public page, relative to the site
    case_id: int | None = None
    last_day: date | None = None  # an owner's notice: the last day its clock gives (NOTICE_CLOCKS)
    last_day_for: str | None = None  # what that day is the last day for
    subject: str | None = None  # an owner's notice: the email's subject, before " by <last day>"


# ------------------------------------------------------------------ pure rules


def kind_of(process: str, action: str, to_state: str) -> str | None:
    """The alert kind of a case event, or None when no subscriber hears of it."""
    if (process, to_state) in _TRANSFER_STATES:
        return "transfer"
    return _BY_ACTION.get((process, action))


def digest_due(frequency: str, last_digest_at: datetime | None, confirmed_at: datetime, now: datetime) -> bool:
    """Is a digest due? The first one a full interval after confirming, then one each interval."""
    return now - (last_digest_at or confirmed_at) >= DIGEST_INTERVAL[frequency]


def alerts_to_send(alerts: list[Alert], *, digest_is_due: bool) -> list[Alert]:
    """What goes in this run's email: disposal notices always, the rest only when a digest is due."""
    return [a for a in alerts if a.kind in IMMEDIATE_KINDS or digest_is_due]


def check_choices(events: list[str], frequency: str) -> None:
    if not events:
        raise InvalidInput("Choose at least one kind of event to hear about.", field="events")
    unknown = [e for e in events if e not in EVENT_KINDS]
    if unknown:
        raise InvalidInput(f"{', '.join(unknown)} is not a kind of event we send alerts about.", field="events")
    if frequency not in FREQUENCIES:
        raise InvalidInput("Choose how often you want a digest.", field="frequency")


# ------------------------------------------------------------------ subscribing


#: What each kind of area's code looks like (GSS), for the error that asks the user to check it.
_CODE_PREFIX = {"ward": "E05 or W05", "parish": "E04 or W04", "council": "E06 to E09, W06 or S12"}


def area_by_code(kind: str, typed: str) -> dict:
    """A ward, parish or council by its GSS code or its name: {kind, code, label}."""
    raw = (typed or "").strip()
    code = raw.upper()
    field = "area_code"
    if not code:
        raise InvalidInput(f"Enter the {kind}'s code or name.", field=field)
    if kind == "council":
        row = db.session.execute(text("SELECT code, coalesce(display_name, name) AS name FROM authority "
                                      "WHERE code = :code OR lower(name) = lower(:raw) "
                                      "OR lower(display_name) = lower(:raw) LIMIT 1"),
                                 {"code": code, "raw": raw}).mappings().first()
    else:
        row = db.session.execute(text("SELECT code, name FROM area_boundary WHERE kind = :kind "
                                      "AND (code = :code OR lower(name) = lower(:raw)) ORDER BY code LIMIT 1"),
                                 {"kind": kind, "code": code, "raw": raw}).mappings().first()
    if row is None:
        raise InvalidInput(unknown_area_words(kind, raw, example_area(kind)), field=field)
    return {"kind": kind, "code": row["code"], "label": row["name"]}


def example_area(kind: str) -> tuple[str, str] | None:
    """A (code, name) of this kind that the registry really holds, for an error's example; None if none."""
    if kind == "council":
        sql = "SELECT code, coalesce(display_name, name) FROM authority ORDER BY code LIMIT 1"
    else:
        sql = "SELECT code, name FROM area_boundary WHERE kind = :kind ORDER BY code LIMIT 1"
    row = db.session.execute(text(sql), {"kind": kind}).first()
    return (row[0], row[1]) if row else None


def unknown_area_words(kind: str, typed: str, example: tuple[str, str] | None) -> str:
    """The error for a ward, parish or council we do not know: the user's text as typed, and an example of
    that kind the registry really holds (``example``: its code and name), or, if it holds none, what to do. Pure.
    """
    if example is None:
        return (f"We do not know a {kind} called {typed}, and we do not hold the {kind} boundaries yet. "
                "Choose another kind of area, like a distance from a postcode.")
    code, name = example
    return (f"We do not know a {kind} called {typed}. Check the spelling of the name, or enter the {kind}'s "
            f"code ({_CODE_PREFIX[kind]} and then 6 digits): for example {name} or {code}.")


def check_email(email: str) -> str:
    """The address, trimmed; an error if it is not in the form of an email address. Pure."""
    email = (email or "").strip()
    if "@" not in email or len(email) > 320 or " " in email:
        raise InvalidInput("Enter an email address in the right format, like name@example.com.", field="email")
    return email


def subscribe(email: str, *, area: dict, events: list[str], frequency: str) -> AlertSubscription:
    """A new, unconfirmed subscription. ``area`` is from ``area_by_code``, ``area_shape`` or ``area_distance``."""
    email = check_email(email)
    check_choices(events, frequency)
    subscription = AlertSubscription(
        email=email, area_kind=area["kind"], area_code=area.get("code"), area_label=area["label"],
        shape=f"SRID=4326;{area['shape'].wkt}" if area.get("shape") is not None else None,
        centre=f"SRID=4326;{area['centre'].wkt}" if area.get("centre") is not None else None,
        radius_m=area.get("radius_m"), postcode=area.get("postcode"), events=sorted(set(events)),
        frequency=frequency, feed_token=secrets.token_urlsafe(32))
    db.session.add(subscription)
    db.session.flush()
    return subscription


def area_shape(multipolygon) -> dict:
    return {"kind": "shape", "shape": multipolygon, "label": "The shape you drew"}


def area_distance(postcode: str, radius_m: int | None) -> dict:
    """A distance from a postcode; the postcode's and the distance's problems both at once."""
    normal = places.normalise_postcode(postcode or "")
    problems = []
    if not normal:
        problems.append(InvalidInput("Enter a full postcode, like LS1 1UR.", field="postcode"))
    if radius_m is None:
        problems.append(InvalidInput("Enter the distance as a whole number of metres, like 1000.", field="radius_m"))
    elif not (0 < radius_m <= MAX_RADIUS_M):
        problems.append(InvalidInput(f"Enter a distance between 1 and {MAX_RADIUS_M:,} metres.", field="radius_m"))
    if problems:
        raise InvalidInputs(problems) if len(problems) > 1 else problems[0]
    place = places.find_place(normal)  # raises UnknownPostcode with suggestions
    return {"kind": "distance", "centre": shapely.Point(place["lon"], place["lat"]), "radius_m": radius_m,
            "postcode": normal, "label": f"Within {radius_m:,} m of {normal}"}


def _serializer(salt: str) -> URLSafeTimedSerializer:
    from flask import current_app

    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def confirmation_token(subscription: AlertSubscription) -> str:
    """Signed, the subscription's id only: the link sits in mail logs, proxies' logs and browser history, so it
    carries no email address. (Links made before this carried one, "e"; they still load, checked against it.)"""
    return _serializer("alert-confirm").dumps({"s": subscription.id})


def unsubscribe_token(subscription: AlertSubscription) -> str:
    """Signed, no expiry: an unsubscribe link in an old email must still work."""
    return _serializer("alert-unsubscribe").dumps({"s": subscription.id, "f": subscription.feed_token[:8]})


def _from_token(salt: str, token: str, max_age: int | None) -> AlertSubscription:
    words = "That link is not valid or has expired. Subscribe again to get a new one."
    try:
        data = _serializer(salt).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        raise InvalidInput(words, field="token") from None
    subscription = db.session.get(AlertSubscription, data.get("s"))
    if subscription is None or (data.get("e") not in (None, subscription.email)) or \
            (data.get("f") not in (None, subscription.feed_token[:8])):
        raise InvalidInput(words, field="token")
    return subscription


def subscription_for_confirm(token: str) -> AlertSubscription:
    """The subscription a confirmation link names, confirming nothing (a GET of the link: mail scanners open them)."""
    return _from_token("alert-confirm", token, CONFIRM_MAX_AGE_S)


def confirm(token: str) -> AlertSubscription:
    subscription = subscription_for_confirm(token)
    if subscription.confirmed_at is None:
        # The database's clock, as events' at_utc is: an event committed after this is "since confirming".
        subscription.confirmed_at = func.now()
        db.session.flush()
        db.session.refresh(subscription)
    return subscription


def subscription_for_unsubscribe(token: str) -> AlertSubscription:
    return _from_token("alert-unsubscribe", token, None)


def unsubscribe(token: str) -> AlertSubscription:
    subscription = subscription_for_unsubscribe(token)
    if subscription.unsubscribed_at is None:
        subscription.unsubscribed_at = datetime.now(UTC)
        db.session.flush()
    return subscription


def by_feed_token(token: str) -> AlertSubscription:
    subscription = db.session.scalar(select(AlertSubscription).where(AlertSubscription.feed_token == token)) \
        if token and len(token) <= 64 else None
    if subscription is None or not subscription.live:
        raise NotFound("There is no feed at this address.")
    return subscription


# ------------------------------------------------------------------ finding what to tell

# The asset (alias a) is inside the subscription's area (alias s).
_IN_AREA = """
CASE s.area_kind
  WHEN 'council' THEN (a.authority_code = s.area_code OR a.area_code = s.area_code)
  WHEN 'shape' THEN a.point IS NOT NULL AND ST_Intersects(s.shape, a.point)
  WHEN 'distance' THEN a.point IS NOT NULL
       AND ST_DWithin(a.point::geography, s.centre::geography, s.radius_m)
  ELSE a.point IS NOT NULL AND EXISTS (SELECT 1 FROM area_boundary_part p WHERE p.area_code = s.area_code
       AND ST_Intersects(p.geom, a.point))
END
"""


def _case_events(subscription: AlertSubscription, since: datetime | None) -> list[dict]:
    rows = db.session.execute(text(f"""
        SELECT e.id, e.case_id, e.action, e.to_state, e.effective_date, c.process, c.reference, c.title,
               a.name AS asset_name
        FROM alert_subscription s, case_event e JOIN "case" c ON c.id = e.case_id JOIN asset a ON a.id = c.asset_id
        WHERE s.id = :sid AND c.process = ANY(:processes) AND NOT a.withheld AND c.state <> 'draft'
          AND e.at_utc >= coalesce(CAST(:since AS timestamptz), s.confirmed_at) AND ({_IN_AREA})
        ORDER BY e.effective_date, e.id"""),
        {"sid": subscription.id, "processes": _PROCESSES, "since": since}).mappings()
    return [dict(r) for r in rows]


def _surplus_changes(subscription: AlertSubscription, since: datetime | None) -> list[dict]:
    """Changes by which an asset in the area became surplus, available for transfer or vacant.

    A change counts when its new surplus status is one of ``SURPLUS_STATUSES`` and differs from the one
    before, or its occupancy became vacant. Neither withheld then nor withheld now: a change made while
    the asset was out of public view was never public.
    """
    rows = db.session.execute(text(f"""
        SELECT ch.id, ch.asset_id, ch.at_utc, ch.from_surplus_status, ch.to_surplus_status, ch.from_occupancy,
               ch.to_occupancy, a.name
        FROM alert_subscription s, asset_status_change ch JOIN asset a ON a.id = ch.asset_id
        WHERE s.id = :sid AND NOT a.withheld AND NOT ch.withheld
          AND ch.at_utc >= coalesce(CAST(:since AS timestamptz), s.confirmed_at)
          AND ((ch.to_surplus_status = ANY(:statuses) AND ch.from_surplus_status IS DISTINCT FROM ch.to_surplus_status)
               OR (ch.to_occupancy = 'vacant' AND ch.from_occupancy IS DISTINCT FROM 'vacant'))
          AND ({_IN_AREA})
        ORDER BY ch.at_utc, ch.id"""),
        {"sid": subscription.id, "statuses": list(SURPLUS_STATUSES), "since": since}).mappings()
    return [dict(r) for r in rows]


def became(change: dict) -> list[str]:
    """The statuses an asset took on in one recorded change, of those a surplus alert tells. Pure."""
    found = []
    if change["to_surplus_status"] in SURPLUS_STATUSES and change["to_surplus_status"] != change["from_surplus_status"]:
        found.append(change["to_surplus_status"])
    if change["to_occupancy"] == "vacant" and change["from_occupancy"] != "vacant":
        found.append("vacant")
    return found


def _last_day(case_id: int, rule: str, anchor: date) -> date | None:
    """The last day of the deadline row ``rule`` that this event started (its anchor), as the workflow holds it."""
    from .workflow import public
    from .workflow.cases import get

    rows = [d for d in public.public_deadlines(get(case_id), today_uk()) if d["rule"] == rule]
    started = [d for d in rows if d["anchor_date"] == anchor.isoformat()] or rows[-1:]
    return date.fromisoformat(started[-1]["effective_due"]) if started else None


def alerts_for(subscription: AlertSubscription, *, since: datetime | None = None) -> list[Alert]:
    """Every public event in the subscription's area and kinds, since it was confirmed (or ``since``)."""
    from .workflow import public
    from .workflow.cases import events_of
    from .workflow.engine import get_process

    if subscription.confirmed_at is None:
        return []
    wanted = set(subscription.events)
    found: list[Alert] = []
    for row in _case_events(subscription, since):
        kind = kind_of(row["process"], row["action"], row["to_state"])
        if kind not in wanted:
            continue
        process = get_process(row["process"])
        event = next(e for e in events_of(row["case_id"]) if e.id == row["id"])
        shown = public.public_event(row["process"], event)  # the public projection: labels and public data only
        clock = NOTICE_CLOCKS.get((row["process"], row["action"]))
        last_day = _last_day(row["case_id"], clock.rule, row["effective_date"]) if clock else None
        summary = event_summary(process.label, shown["label"], row["effective_date"] or event.on_date,
                                shown["to_state_label"])
        if clock and last_day:
            summary += " " + clock.explain.format(last_day=f"{last_day:%-d %B %Y}")
        found.append(Alert(key=f"event:{row['id']}", kind=kind, on_date=row["effective_date"],
                           title=f"{clock.title if clock else EVENT_KINDS[kind]}: {row['asset_name']} "
                                 f"({row['reference']})",
                           summary=summary, path=f"/cases/{row['case_id']}", case_id=row["case_id"],
                           last_day=last_day, last_day_for=clock.last_day_for if clock and last_day else None,
                           subject=clock.subject if clock and last_day else None))
    if "surplus" in wanted:
        from .vocabulary import OCCUPANCY, SURPLUS_STATUSES as STATUS_LABELS

        for row in _surplus_changes(subscription, since):
            labels = [(STATUS_LABELS.get(state) or OCCUPANCY.get(state, state)).lower() for state in became(row)]
            found.append(Alert(key=f"asset-change:{row['id']}", kind="surplus",
                               on_date=today_uk(row["at_utc"]),
                               title=f"Now {' and '.join(labels)}: {row['name']}",
                               summary=f"{row['name']} is now {' and '.join(labels)}.",
                               path=f"/assets/{row['asset_id']}"))
    return found


def event_summary(process_label: str, step_label: str, on: date, state_label: str) -> str:
    """An alert's summary of one case event, the date in words. Pure."""
    return f"{process_label}: {step_label}, on {format_date(on)}. The case is now at this stage: {state_label}."


def area_words(subscription: AlertSubscription) -> str:
    """The area's label as it reads mid-sentence: "within 1,500 m of LS6 2AA", "the shape you drew", but a
    ward's, parish's or council's name as it is written ("Headingley & Hyde Park")."""
    label = subscription.area_label or ""
    if subscription.area_kind in ("distance", "shape") and label:
        return label[0].lower() + label[1:]
    return label


def _already_sent(subscription_id: int) -> set[str]:
    return set(db.session.scalars(select(AlertSent.event_key).where(AlertSent.subscription_id == subscription_id)))


def claim(subscription: AlertSubscription, alerts: list[Alert]) -> list[Alert]:
    """Record these alerts as sent; returns those this run claimed (another run may have claimed some)."""
    if not alerts:
        return []
    keys = db.session.scalars(text(
        "INSERT INTO alert_sent (subscription_id, event_key) SELECT :sid, unnest(CAST(:keys AS text[])) "
        "ON CONFLICT ON CONSTRAINT uq_alert_sent_once DO NOTHING RETURNING event_key"),
        {"sid": subscription.id, "keys": [a.key for a in alerts]}).all()
    claimed = set(keys)
    return [a for a in alerts if a.key in claimed]


def live_subscription_ids() -> list[int]:
    return list(db.session.scalars(select(AlertSubscription.id).where(
        AlertSubscription.confirmed_at.is_not(None), AlertSubscription.unsubscribed_at.is_(None))
        .order_by(AlertSubscription.id)))


def due_alerts(subscription_id: int, now: datetime) -> tuple[AlertSubscription | None, list[Alert]]:
    """Lock one subscription (skipping one another run holds), claim what is due now, and return it.

    The caller sends the email, then commits; if sending fails it rolls back, so the claim is undone
    and the next run tries again.
    """
    subscription = db.session.scalar(select(AlertSubscription).where(
        AlertSubscription.id == subscription_id, AlertSubscription.unsubscribed_at.is_(None))
        .with_for_update(skip_locked=True))
    if subscription is None or subscription.confirmed_at is None:
        return None, []
    sent = _already_sent(subscription.id)
    pending = [a for a in alerts_for(subscription) if a.key not in sent]
    is_due = digest_due(subscription.frequency, subscription.last_digest_at, subscription.confirmed_at, now)
    chosen = alerts_to_send(pending, digest_is_due=is_due)
    if is_due:
        subscription.last_digest_at = now
    claimed = claim(subscription, chosen)
    db.session.flush()
    return subscription, claimed


def feed_deadlines(subscription: AlertSubscription, today: date) -> list[dict]:
    """Open public deadlines of the cases on assets in the area: the iCalendar feed's events."""
    from .workflow import public
    from .workflow.cases import get

    case_ids = db.session.scalars(text(f"""
        SELECT DISTINCT c.id FROM alert_subscription s, "case" c JOIN asset a ON a.id = c.asset_id
        WHERE s.id = :sid AND NOT a.withheld AND c.state <> 'draft'
          AND EXISTS (SELECT 1 FROM deadline d WHERE d.case_id = c.id AND d.status = 'open')
          AND ({_IN_AREA}) ORDER BY c.id LIMIT 500"""), {"sid": subscription.id}).all()
    out = []
    for case_id in case_ids:
        case = get(case_id)
        for d in public.public_deadlines(case, today):
            if d["status"] == "open":
                out.append({**d, "case_id": case.id, "reference": case.reference, "title": case.title})
    return out
