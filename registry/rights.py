"""Rights on a place, on a day: which community right a body could use now, and which are closed and why.

``rights_at(asset_id=…, on_date=…)`` or ``rights_at(lon=…, lat=…, on_date=…)`` returns a list of
:class:`Right`. Everything it says comes from the process declarations (the fields a step needs,
the eligibility sets), the rule table (every period, through ``rules.deadline_for_rule``) and the
case and deadline rows of the asset: no period and no list of eligible bodies is typed here.

Two layers:

* :func:`rights_from_facts` is pure: a :class:`Facts` (the nation, the asset and the dated facts of
  its cases) and a day give the rights. Table-tested in tests/unit/test_rights.py.
* :func:`facts_for_asset` / :func:`facts_for_point` read the facts from the database (reads only).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date, timedelta

from sqlalchemy import select, text

from . import db
from .errors import NotFound
from .vocabulary import LEGAL_FORMS, NATIONS
from .workflow import acv, cat, community_right_to_buy, moratorium, right_to_challenge, rules, scottish_atr
from .workflow.cases import Case, CaseEvent, Deadline

# ------------------------------------------------------------------ facts (what the rows say)


@dataclass(frozen=True)
class Nomination:
    reference: str
    received_on: date
    decision_due: date
    decided_on: date | None = None  # listed, declined, rejected or withdrawn


@dataclass(frozen=True)
class Listing:
    reference: str
    listed_on: date
    last_day: date  # acv_listing_expires
    removed_on: date | None = None


@dataclass(frozen=True)
class Notice:
    """An owner's notice of intent to dispose (a moratorium case) and its three periods."""

    reference: str
    received_on: date
    interim_last: date
    full_last: date | None  # the full moratorium's last day (None: closed as not applicable)
    protected_last: date
    requested_on: date | None = None  # a community interest group asked to be treated as a bidder
    ended_on: date | None = None  # the owner withdrew the notice: the periods stop
    case_id: int | None = None


@dataclass(frozen=True)
class Interest:
    """A registered community interest in land (Scotland, LR(S)A 2003 Part 2)."""

    reference: str
    registered_on: date
    last_day: date  # crtb_registration_expires
    activated_on: date | None = None  # the owner's notice of a proposed transfer
    ended_on: date | None = None  # declined, expired, withdrawn, completed


@dataclass(frozen=True)
class Request:
    """A valid Scottish asset transfer request (s.84 stops disposal to anyone else while it is live)."""

    reference: str
    starts: date
    until: date | None


@dataclass(frozen=True)
class Window:
    """A council's submission window for expressions of interest, as recorded with a Right to Challenge case."""

    reference: str
    seen_on: date  # the day an expression of interest said the window was open
    closes_on: date


@dataclass(frozen=True)
class Facts:
    nation: str
    authority_code: str | None
    authority_name: str | None
    asset_id: int | None = None
    asset_name: str | None = None
    disposed: bool = False  # the council no longer holds it
    nominations: tuple[Nomination, ...] = ()
    listings: tuple[Listing, ...] = ()
    notices: tuple[Notice, ...] = ()
    interests: tuple[Interest, ...] = ()
    requests: tuple[Request, ...] = ()
    windows: tuple[Window, ...] = ()


# ------------------------------------------------------------------ the answer


@dataclass(frozen=True)
class Right:
    code: str
    label: str
    open: bool
    statute: str
    who: str = ""  # eligible bodies, in plain words
    needs: tuple[str, ...] = ()
    next_steps: tuple[str, ...] = ()  # what happens next, and by when
    until: date | None = None  # open: its last day (if any); closed: when it may open again (if known)
    why: str = ""  # closed: why
    link: str | None = None
    link_text: str | None = None
    case: str | None = None  # the case reference the answer rests on

    def as_json(self) -> dict:
        out = asdict(self)
        out["status"] = "open" if self.open else "closed"
        out["until"] = self.until.isoformat() if self.until else None
        out["needs"], out["next_steps"] = list(self.needs), list(self.next_steps)
        return out


RIGHTS = {
    "acv_nomination": "Nominate as an asset of community value",
    "acv_request_to_bid": "Ask to be treated as a potential bidder",
    "right_to_challenge": "Community Right to Challenge",
    "community_asset_transfer": "Community asset transfer",
    "scottish_asset_transfer_request": "Asset transfer request (Scotland)",
    "register_interest_to_buy": "Register a community interest in land (Scotland)",
}

# ------------------------------------------------------------------ plain words from the declarations


def _forms(codes) -> list[str]:
    return sorted(LEGAL_FORMS.get(code, code).lower().replace("(cio)", "(CIO)").replace("(cic)", "(CIC)")
                  .replace("(scio)", "(SCIO)").replace("(wales)", "(Wales)").replace("scottish", "Scottish") for code in codes)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


def nominating_bodies() -> str:
    """Who may nominate (reg 5), in words, from acv's eligibility sets."""
    anyone = _forms(acv.NOMINATING_FORMS_ANY - {"parish_council"})
    non_distributing = _forms(acv.NOMINATING_FORMS_NON_DISTRIBUTING)
    return (f"A parish council, for land in its area; a {_join(anyone)}; a {_join(non_distributing)} that does "
            f"not distribute any surplus to its members; or an unincorporated group with at least "
            f"{acv.UNINCORPORATED_MIN_LOCAL_MEMBERS} members who are local electors and that does not distribute "
            "a surplus. Its activities must be concerned with this council's area or a neighbouring one.")


def community_interest_groups() -> str:
    """Who may ask to be treated as a potential bidder (reg 12), from moratorium's sets."""
    plain = _forms(moratorium.CIG_FORMS - moratorium.CIG_NON_DISTRIBUTING)
    non_distributing = _forms(moratorium.CIG_NON_DISTRIBUTING)
    return (f"A community interest group: a {_join(plain)}, or a {_join(non_distributing)} that does not "
            "distribute a surplus to its members, with a local connection to the council's area. Unincorporated "
            "groups and neighbourhood forums may nominate but cannot ask.")


def relevant_bodies() -> str:
    return _join([label.lower() if not label.startswith("Two") else "two or more employees of the council"
                  for label in right_to_challenge.RELEVANT_BODIES.values()]).capitalize() + " (s.81(6))."


def transfer_bodies() -> str:
    excluded = _forms(scottish_atr.NOT_COMMUNITY_CONTROLLED)
    ownership = _forms(scottish_atr.OWNERSHIP_FORMS)
    return ("A community-controlled body: its written constitution defines the community it serves, most of its "
            "members belong to that community and any surplus is applied for the community's benefit (s.19). "
            f"Not a {_join(excluded)}. To ask to own the land it must be a {_join(ownership)} with at least "
            f"{scottish_atr.OWNERSHIP_MIN_MEMBERS} members and provision for its assets on winding up (s.80).")


def community_bodies() -> str:
    return (f"A {_join(_forms(community_right_to_buy.COMMUNITY_BODY_FORMS))} whose constitution the Scottish "
            "Ministers have confirmed complies with the Act (LR(S)A 2003 s.34).")


def _needs(process, action: str) -> tuple[str, ...]:
    return tuple(f.label for f in process.get(action).fields if f.kind != "date")


def _rule(regime: str, code: str) -> rules.Rule:
    found = rules.find_rule(regime, code)
    if found is None:  # a renamed rule must fail loudly, never fall back to a typed period
        raise LookupError(f"no rule {regime}:{code}")
    return found


def _by(regime: str, code: str, start: date) -> tuple[rules.Rule, date]:
    rule = _rule(regime, code)
    return rule, rules.deadline_for_rule(rule, start).due_date


def _period(rule: rules.Rule) -> str:
    return rule.period.describe(rule.nation)


fd = rules.format_date

# ------------------------------------------------------------------ the rights, pure


def _live(on: date, start: date, last: date | None, ended: date | None) -> bool:
    return start <= on and (last is None or on <= last) and (ended is None or on < ended)


def _acv_nomination(facts: Facts, on: date) -> Right:
    label, statute = RIGHTS["acv_nomination"], "Localism Act 2011 s.89; SI 2012/2421 reg 5-7"
    if facts.nation != "england":
        return Right("acv_nomination", label, False, statute,
                     why=f"{NATIONS.get(facts.nation, facts.nation)} has no ACV regime: assets of community value "
                         "exist only in England.")
    for listing in facts.listings:
        if _live(on, listing.listed_on, listing.last_day, listing.removed_on):
            return Right("acv_nomination", label, False, statute, until=listing.last_day,
                         why=f"It is already on the list of assets of community value: listed until "
                             f"{fd(listing.last_day)} (case {listing.reference}). It can be nominated again "
                             "after that.", case=listing.reference)
    for nomination in facts.nominations:
        if _live(on, nomination.received_on, None, nomination.decided_on):
            return Right("acv_nomination", label, False, statute, until=nomination.decision_due,
                         why=f"A nomination received on {fd(nomination.received_on)} is being decided (case "
                             f"{nomination.reference}): the council must decide by {fd(nomination.decision_due)}.",
                         case=nomination.reference)
    decide_rule, decide_by = _by("LA2011", "acv_decision_due", on)
    listing_rule = _rule("LA2011", "acv_listing_expires")
    return Right(
        "acv_nomination", label, True, statute, who=nominating_bodies(),
        needs=_needs(acv.PROCESS, "start_draft"),
        next_steps=((f"The council must decide {decide_rule.words} ({decide_rule.statute}): by {fd(decide_by)} "
                    "for a nomination it receives today."),
                    (f"If it lists the land, the listing lasts {_period(listing_rule)} ({listing_rule.statute}); "
                    "the owner must then tell the council before selling, which starts a moratorium.")),
        link=f"/assets/{facts.asset_id}/nominate" if facts.asset_id else None,
        link_text="Nominate it" if facts.asset_id else None)


def _request_to_bid(facts: Facts, on: date) -> Right:
    label, statute = RIGHTS["acv_request_to_bid"], "Localism Act 2011 s.95; SI 2012/2421 reg 12-13"
    if facts.nation != "england":
        return Right("acv_request_to_bid", label, False, statute,
                     why=f"{NATIONS.get(facts.nation, facts.nation)} has no ACV regime, so no moratorium.")
    for notice in sorted(facts.notices, key=lambda n: n.received_on, reverse=True):
        if notice.received_on > on:
            continue
        stopped = notice.ended_on is not None and notice.ended_on <= on
        full_runs = notice.requested_on is not None and notice.full_last is not None \
            and notice.requested_on <= on
        if stopped:
            continue
        if on <= notice.interim_last:
            steps = [(f"The interim moratorium runs {_rule('LA2011', 'acv_interim_moratorium_end').words}: its "
                     f"last day is {fd(notice.interim_last)}. Ask in writing by then.")]
            if notice.full_last:
                steps.append(f"If a group asks in time, the full moratorium runs until {fd(notice.full_last)}: "
                             "the owner may sell only to a community interest group until then.")
            steps.append(f"The protected period runs until {fd(notice.protected_last)}.")
            if full_runs:
                steps.insert(0, f"A group asked on {fd(notice.requested_on)}; another may still ask.")
            return Right("acv_request_to_bid", label, True, statute, who=community_interest_groups(),
                         needs=_needs(moratorium.PROCESS, "request_to_bid"), next_steps=tuple(steps),
                         until=notice.interim_last, link=f"/cases/{notice.case_id}" if notice.case_id else None,
                         link_text=f"Open the moratorium case {notice.reference}", case=notice.reference)
        if full_runs and on <= notice.full_last:
            return Right("acv_request_to_bid", label, False, statute, until=notice.protected_last,
                         why=f"The interim moratorium ended on {fd(notice.interim_last)}. A group asked in time: "
                             f"full moratorium until {fd(notice.full_last)} (only a community interest group may "
                             f"buy until then); protected period until {fd(notice.protected_last)}.",
                         case=notice.reference)
        if on <= notice.protected_last:
            return Right("acv_request_to_bid", label, False, statute, until=notice.protected_last,
                         why=f"The interim moratorium ended on {fd(notice.interim_last)}; protected period until "
                             f"{fd(notice.protected_last)}: the owner may sell to anyone, and no new moratorium "
                             "can start before then.", case=notice.reference)
    listed = any(_live(on, item.listed_on, item.last_day, item.removed_on) for item in facts.listings)
    interim = _rule("LA2011", "acv_interim_moratorium_end")
    if listed:
        why = ("No owner's notice of intent to sell is in force. When the council receives one, a community "
               f"interest group may ask within {interim.words} ({_period(interim)}).")
    else:
        why = "It is not on the list of assets of community value, so no moratorium can run."
    return Right("acv_request_to_bid", label, False, statute, why=why)


def _right_to_challenge(facts: Facts, on: date) -> Right:
    label, statute = RIGHTS["right_to_challenge"], "Localism Act 2011 ss.81-86"
    if facts.nation != "england":
        return Right("right_to_challenge", label, False, statute,
                     why=f"The Community Right to Challenge applies in England only, not in "
                         f"{NATIONS.get(facts.nation, facts.nation)}.")
    if not facts.authority_code:
        return Right("right_to_challenge", label, False, statute, why="No council is known for this place.")
    council = facts.authority_name or facts.authority_code
    window = min((w for w in facts.windows if w.seen_on <= on <= w.closes_on), key=lambda w: w.closes_on,
                 default=None)
    if window is not None:
        rule, due = _by("LA2011", "rtc_timetable_notice_due", window.closes_on)
        steps = ((f"For {council}'s services, within the submission window it has set: it closes on "
                 f"{fd(window.closes_on)} (recorded with case {window.reference})."),
                 (f"The council must tell you when it will decide {rule.words} ({rule.statute}): counted from "
                 f"the window's close, by {fd(due)}."))
    else:
        rule, due = _by("LA2011", "rtc_timetable_notice_due", on)
        steps = ((f"For {council}'s services. No submission window is recorded for this council, so an "
                 "expression of interest may be sent at any time."),
                 (f"The council must tell you when it will decide {rule.words} ({rule.statute}): by {fd(due)} "
                 "for one it receives today."))
    return Right(
        "right_to_challenge", label, True, statute, who=relevant_bodies(),
        needs=_needs(right_to_challenge.PROCESS, "submit_eoi"), next_steps=steps,
        until=window.closes_on if window else None,
        link=f"/authorities/{facts.authority_code}/challenge", link_text="Express interest in running a service")


def _asset_transfer(facts: Facts, on: date) -> Right:
    label, statute = RIGHTS["community_asset_transfer"], "Council policy (LGA 1972 s.123; General Disposal Consent)"
    if facts.asset_id is None:
        return Right("community_asset_transfer", label, False, statute,
                     why="No council asset is recorded at this place: choose an asset to ask for it.")
    if facts.disposed:
        return Right("community_asset_transfer", label, False, statute,
                     why="The council no longer holds it (disposed of or transferred).")
    stages = [cat.PROCESS.state_label(t.to_state) for t in cat.PROCESS.transitions
              if t.to_state not in cat.PROCESS.terminal or t.to_state == "completed"]
    stages = list(dict.fromkeys(stages))
    return Right(
        "community_asset_transfer", label, True, statute,
        who="Any community or voluntary group: the council's own policy decides who qualifies.",
        needs=_needs(cat.PROCESS, "submit_eoi"),
        next_steps=("No statutory clock: the council's policy sets the stages (" + "; ".join(stages).lower() + ").",),
        link=f"/assets/{facts.asset_id}/transfer-request", link_text="Ask the council to transfer it")


def _scottish_atr(facts: Facts, on: date) -> Right:
    label, statute = RIGHTS["scottish_asset_transfer_request"], "Community Empowerment (Scotland) Act 2015 Part 5"
    if facts.nation != "scotland":
        return Right("scottish_asset_transfer_request", label, False, statute,
                     why=f"Asset transfer requests are a Scottish right; this land is in "
                         f"{NATIONS.get(facts.nation, facts.nation)}.")
    if facts.asset_id is None:
        return Right("scottish_asset_transfer_request", label, False, statute,
                     why="No authority's land is recorded at this place: choose an asset to make a request.")
    if facts.disposed:
        return Right("scottish_asset_transfer_request", label, False, statute,
                     why="The authority no longer holds it (disposed of or transferred).")
    rule, due = _by("CESA2015", "atr_decision_notice_due", on)
    steps = [(f"The authority must agree unless it has reasonable grounds to refuse, and decide within "
             f"{rule.words} ({rule.statute}): by {fd(due)} for a request it validates today.")]
    live = [r for r in facts.requests if r.starts <= on and (r.until is None or on <= r.until)]
    for request in live:
        steps.append(f"A valid request (case {request.reference}) is live: the authority may not sell or lease the "
                     "land to anyone but that body until it is concluded (s.84).")
    return Right("scottish_asset_transfer_request", label, True, statute, who=transfer_bodies(),
                 needs=_needs(scottish_atr.PROCESS, "submit_request"), next_steps=tuple(steps),
                 link=f"/assets/{facts.asset_id}/asset-transfer-request", link_text="Make an asset transfer request")


def _register_interest(facts: Facts, on: date) -> Right:
    label, statute = RIGHTS["register_interest_to_buy"], "Land Reform (Scotland) Act 2003 Part 2"
    if facts.nation != "scotland":
        return Right("register_interest_to_buy", label, False, statute,
                     why=f"The community right to buy is Scottish; this land is in "
                         f"{NATIONS.get(facts.nation, facts.nation)}.")
    for interest in facts.interests:
        if not _live(on, interest.registered_on, interest.last_day, interest.ended_on):
            continue
        if interest.activated_on is not None and interest.activated_on <= on:
            return Right("register_interest_to_buy", label, False, statute, case=interest.reference,
                         why=f"A community interest is registered (case {interest.reference}) and the owner's notice "
                             f"of {fd(interest.activated_on)} has activated the registered body's right to buy.")
        return Right("register_interest_to_buy", label, False, statute, until=interest.last_day,
                     case=interest.reference,
                     why=f"A community interest is already registered (case {interest.reference}) until "
                         f"{fd(interest.last_day)}: the owner must offer it to that body before selling.")
    rule = _rule("LRSA2003", "crtb_registration_expires")
    return Right(
        "register_interest_to_buy", label, True, statute, who=community_bodies(),
        needs=(("An application to the Scottish Ministers (Registers of Scotland keeps the Register of Community "
               "Interests in Land)"), "Evidence of community support", "A map of the land"),
        next_steps=((f"Once registered, the interest lasts {rule.words} ({rule.statute}); if the owner then "
                    "proposes to sell, the body is asked to confirm it will buy."),),
        link=f"/assets/{facts.asset_id}/community-right-to-buy" if facts.asset_id else None,
        link_text="Register a community interest" if facts.asset_id else None)


BUILDERS = (_acv_nomination, _request_to_bid, _right_to_challenge, _asset_transfer, _scottish_atr,
            _register_interest)


def rights_from_facts(facts: Facts, on: date) -> list[Right]:
    """Every right, open or closed, on ``on``. Pure."""
    return [build(facts, on) for build in BUILDERS]


# ------------------------------------------------------------------ reading the facts


def _deadline(rows: list[Deadline], code: str) -> Deadline | None:
    found = [d for d in rows if d.rule_code == code and d.status != "superseded"]
    return max(found, key=lambda d: (d.anchor_date, d.id)) if found else None


def _first(events: list[CaseEvent], test) -> date | None:
    found = [e.effective_date for e in events if test(e)]
    return min(found) if found else None


def _case_facts(asset_id: int) -> dict:
    from .workflow.engine import is_public, live_events
    from .workflow.prohibitions import ATR_VALID_STATES

    out: dict[str, list] = {"nominations": [], "listings": [], "notices": [], "interests": [], "requests": []}
    for case in db.session.scalars(select(Case).where(Case.asset_id == asset_id).order_by(Case.id)):
        if not is_public(case):
            continue
        rows = list(db.session.scalars(select(Deadline).where(Deadline.case_id == case.id)))
        events = live_events(case)
        if case.process == "acv":
            decision = _deadline(rows, "acv_decision_due")
            if decision is not None:
                out["nominations"].append(Nomination(
                    case.reference, decision.anchor_date, decision.effective_due,
                    _first(events, lambda e: e.action in ("list", "decline", "reject_nomination", "withdraw"))))
            listing = _deadline(rows, "acv_listing_expires")
            if listing is not None:
                out["listings"].append(Listing(
                    case.reference, listing.anchor_date, listing.effective_due,
                    _first(events, lambda e: e.to_state == "removed")))
        elif case.process == "moratorium":
            interim = _deadline(rows, "acv_interim_moratorium_end")
            protected = _deadline(rows, "acv_protected_period_end")
            if interim is None or protected is None:
                continue
            full = _deadline(rows, "acv_full_moratorium_end")
            out["notices"].append(Notice(
                case.reference, interim.anchor_date, interim.effective_due,
                full.effective_due if full is not None else None, protected.effective_due,
                _first(events, lambda e: e.action == "request_to_bid"),
                _first(events, lambda e: e.action == "withdraw_notice"), case_id=case.id))
        elif case.process == "community_right_to_buy":
            registration = _deadline(rows, "crtb_registration_expires")
            if registration is not None:
                out["interests"].append(Interest(
                    case.reference, registration.anchor_date, registration.effective_due,
                    _first(events, lambda e: e.action == "record_owner_notice"),
                    _first(events, lambda e: e.to_state in ("declined", "expired", "withdrawn", "completed"))))
        elif case.process == "scottish_atr":
            data = case.data or {}
            if data.get("validation_date"):
                starts = date.fromisoformat(data["validation_date"])
                ended = _first(events, lambda e, starts=starts: e.effective_date >= starts and e.to_state not in ATR_VALID_STATES
                               and e.from_state in ATR_VALID_STATES)
                out["requests"].append(Request(case.reference, starts,
                                               ended - timedelta(days=1) if ended else None))
    return {key: tuple(value) for key, value in out.items()}


def _windows(authority_code: str | None) -> tuple[Window, ...]:
    if not authority_code:
        return ()
    rows = db.session.execute(
        text("""SELECT c.reference, min(e.effective_date) AS seen_on, (c.data->>'window_closes_on')::date AS closes_on
                FROM "case" c JOIN case_event e ON e.case_id = c.id
                WHERE c.process = 'right_to_challenge' AND c.authority_code = :code AND c.state <> 'draft'
                  AND coalesce(c.data->>'window_closes_on', '') <> ''
                GROUP BY c.id ORDER BY c.id"""), {"code": authority_code}).mappings()
    return tuple(Window(r["reference"], r["seen_on"], r["closes_on"]) for r in rows)


def facts_for_asset(asset_id: int) -> Facts | None:
    """The facts of a public asset, or None when there is no such public asset."""
    row = db.session.execute(
        text("SELECT a.id, a.name, coalesce(a.area_code, a.authority_code) AS code, a.surplus_status, "
             "au.nation, coalesce(au.display_name, au.name) AS authority_name "
             "FROM asset a JOIN authority au ON au.code = coalesce(a.area_code, a.authority_code) "
             "WHERE a.id = :id AND NOT a.withheld"), {"id": asset_id}).mappings().first()
    if row is None:
        return None
    return Facts(nation=row["nation"], authority_code=row["code"], authority_name=row["authority_name"],
                 asset_id=row["id"], asset_name=row["name"],
                 disposed=row["surplus_status"] in ("disposed", "transferred"), windows=_windows(row["code"]),
                 **_case_facts(row["id"]))


def asset_at_point(lon: float, lat: float) -> int | None:
    """The public asset whose site holds the point, else one whose point is within 25 metres of it."""
    return db.session.execute(
        text("SELECT a.id FROM asset a WHERE NOT a.withheld AND a.point IS NOT NULL AND ("
             " (a.footprint IS NOT NULL AND ST_Intersects(a.footprint, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)))"
             " OR ST_DWithin(a.point::geography, ST_SetSRID(ST_MakePoint(:lon, :lat), 4326)::geography, 25)) "
             "ORDER BY (a.footprint IS NOT NULL AND ST_Intersects(a.footprint, "
             "ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))) DESC, "
             "a.point <-> ST_SetSRID(ST_MakePoint(:lon, :lat), 4326), a.id LIMIT 1"),
        {"lon": lon, "lat": lat}).scalar()


def facts_for_point(lon: float, lat: float) -> Facts | None:
    """The facts of the asset at a point, else of the council whose area holds it; None outside every council."""
    asset_id = asset_at_point(lon, lat)
    if asset_id is not None:
        return facts_for_asset(asset_id)
    row = db.session.execute(
        text("SELECT a.code, a.nation, coalesce(a.display_name, a.name) AS name FROM authority a "
             "WHERE a.code = district_code_at(ST_SetSRID(ST_MakePoint(:lon, :lat), 4326))"),
        {"lon": lon, "lat": lat}).mappings().first()
    if row is None:
        return None
    return Facts(nation=row["nation"], authority_code=row["code"], authority_name=row["name"],
                 windows=_windows(row["code"]))


@dataclass
class Answer:
    on_date: date
    facts: Facts
    rights: list[Right] = field(default_factory=list)

    @property
    def open(self) -> list[Right]:
        return [r for r in self.rights if r.open]

    @property
    def closed(self) -> list[Right]:
        return [r for r in self.rights if not r.open]


def rights_at(*, asset_id: int | None = None, lon: float | None = None, lat: float | None = None,
              on_date: date) -> Answer | None:
    """The rights on an asset, or at a point, on ``on_date``; None when the place is unknown."""
    facts = facts_for_asset(asset_id) if asset_id is not None else facts_for_point(lon, lat)
    if facts is None:
        return None
    return Answer(on_date, facts, rights_from_facts(facts, on_date))


# ------------------------------------------------------------------ who may use each right (plain words)

#: The rights whose 'who can use it' page exists (/rights/<right>/who-can-use).
WHO_MAY_USE_RIGHTS = ("acv", "rtc", "cat", "atr")


def who_may_use(right: str) -> dict:
    """The eligibility rules of a right's process, in plain words, for the person who cannot yet use it."""
    rtc = right_to_challenge

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
