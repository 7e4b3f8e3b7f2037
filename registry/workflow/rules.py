"""Statutory deadline rules as data, versioned by regime.

Sources: domain spec §0.1 (counting), §2.3 and §2.5-2.6 (English ACV), §2.9
(EDCEA 2026 reform), §3.2 (Right to Challenge), §5.1-5.2 (Scottish asset
transfer requests), §6.1 (Scottish community right to buy).

An *event* (``acv-disposal-notice-received``) on an *anchor date* starts one or
more *rules* (``acv_interim_moratorium_end`` …); each rule is a period counted
"beginning with" the anchor date by ``registry.workflow.clocks`` and yields a
:class:`Deadline`. ``deadlines_for_event`` is pure: no database, no clock.

**Counting.** Every period is "N … beginning with the anchor date" (domain
§0.1: the anchor day is day 1). Where a provision says "within N weeks of" or
"after", this gives the earlier of the two possible readings, i.e. the safe
side for whoever must act (but not for a ``not_before`` date). SSI 2016/357
reg 10 says "6 months after" the validation date; we follow domain §5.2
(validation + 6 months - 1 day) until that is confirmed.

**Regimes.** English ACV rules exist in two versions: ``LA2011`` (in force) and
``EDCEA2026`` (enacted, not commenced, domain §2.9). Every EDCEA 2026 value is
unverified [U]: the moratorium is *reported* to become 12 months, and the other
periods are assumed unchanged until regulations are made. Scottish rules are
under ``CESA2015`` (asset transfer) and ``LRSA2003`` (right to buy).

**Configuration overrides** (style habit 12). A period can be replaced without
a code change. The environment variable ``REGISTRY_PERIOD_OVERRIDES`` holds a
JSON object whose keys are a rule code (all regimes) or ``REGIME:rule_code``
(one regime; wins over the plain key), and whose values are ``"12 months"`` /
``"20 working days"`` or ``{"amount": 12, "unit": "months"}``::

    REGISTRY_PERIOD_OVERRIDES='{"EDCEA2026:acv_full_moratorium_end": "9 months"}'

Load it once at start-up with :func:`load_period_overrides` (it fails fast on a
bad key or period) and pass the result as ``overrides=`` to
:func:`deadlines_for_event`. ``overrides=None`` means the statutory defaults.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

from registry.errors import InvalidInput
from registry.workflow import clocks

Unit = Literal["days", "weeks", "months", "years", "working_days"]
UNITS: tuple[Unit, ...] = ("days", "weeks", "months", "years", "working_days")
OVERRIDES_ENV_VAR = "REGISTRY_PERIOD_OVERRIDES"

#: Who must act by (or is bound by) a deadline. "council" means the relevant
#: authority, which for a Scottish asset transfer request may be another body.
ACTORS = ("owner", "group", "council", "ministers")
#: act_by: the last day to do something. period_ends: the last day of a period
#: (moratorium, listing). not_before: the earliest date something may be set to.
KINDS = ("act_by", "period_ends", "not_before")

_MONTHS = ("January", "February", "March", "April", "May", "June", "July",
           "August", "September", "October", "November", "December")


def format_date(day: date) -> str:
    """GOV.UK style date, e.g. ``1 June 2026`` (independent of locale)."""
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class Period:
    """A statutory period length: ``amount`` of ``unit``."""

    amount: int
    unit: Unit

    def __post_init__(self) -> None:
        if isinstance(self.amount, bool) or not isinstance(self.amount, int) or self.amount < 1:
            raise ValueError(f"period amount must be a whole number of 1 or more, not {self.amount!r}")
        if self.unit not in UNITS:
            raise ValueError(f"period unit must be one of {', '.join(UNITS)}, not {self.unit!r}")

    @classmethod
    def parse(cls, spec: object) -> Period:
        """``Period``, ``"8 weeks"``, ``"20 working days"`` or ``{"amount": 8, "unit": "weeks"}``."""
        if isinstance(spec, Period):
            return spec
        if isinstance(spec, Mapping):
            unit = str(spec.get("unit", "")).strip().lower().replace(" ", "_")
            return cls(spec.get("amount"), unit)  # type: ignore[arg-type]
        if isinstance(spec, str):
            match = re.fullmatch(r"(\d+)\s*(day|week|month|year|working[ _]day)s?", spec.strip().lower())
            if match:
                unit = match.group(2).replace(" ", "_") + "s"
                return cls(int(match.group(1)), unit)  # type: ignore[arg-type]
        raise ValueError(f"cannot read a period from {spec!r}; write e.g. '6 months' or '20 working days'")

    def end(self, start: date, nation: str) -> date:
        """Last day of this period beginning with ``start`` (domain §0.1)."""
        if self.unit == "working_days":
            return clocks.working_days_period_end(start, self.amount, nation)
        return clocks.period_end(start, **{self.unit: self.amount})

    def describe(self, nation: str) -> str:
        words = self.unit.replace("_", " ")
        text = f"{self.amount} {words[:-1] if self.amount == 1 else words}"
        if self.unit == "working_days":
            text += f" in {clocks.NATION_NAMES[nation]}"
        return text


@dataclass(frozen=True)
class Regime:
    code: str
    label: str
    status: str


@dataclass(frozen=True)
class Event:
    """Something that happens on a date and starts statutory clocks."""

    code: str
    process: str  # the workflow module it belongs to (registry/workflow/<process>.py)
    description: str  # plain English, for the calculator page
    regimes: tuple[str, ...]  # first one is the default

    @property
    def default_regime(self) -> str:
        return self.regimes[0]


@dataclass(frozen=True)
class Rule:
    code: str
    label: str
    event: str
    period: Period
    statute: str
    regime: str
    nation: str  # jurisdiction; decides the bank holidays for working days
    actor: str
    kind: str = "act_by"
    confidence: str = "V"  # domain spec tags: V verified, P partly, U unverified
    extendable: bool = False  # may be extended by agreement (domain §0.1)


@dataclass(frozen=True)
class Deadline:
    """One computed deadline. The first four fields are the stored row (domain §0.1)."""

    rule_code: str
    anchor_event: str
    anchor_date: date
    due_date: date  # inclusive: the last day
    label: str
    statute: str
    period: str  # e.g. "6 weeks beginning with 1 June 2026"
    regime: str
    actor: str
    kind: str
    confidence: str
    extendable: bool
    overridden: bool = False  # the period came from configuration

    def as_row(self) -> dict[str, object]:
        return {"rule_code": self.rule_code, "anchor_event": self.anchor_event,
                "anchor_date": self.anchor_date, "due_date": self.due_date}


PROCESSES: dict[str, str] = {
    "acv": "Assets of community value (England)",
    "moratorium": "Selling a listed asset: the moratorium (England)",
    "right_to_challenge": "Community Right to Challenge (England)",
    "scottish_atr": "Asset transfer requests (Scotland)",
    "community_right_to_buy": "Community right to buy (Scotland)",
}

REGIMES: dict[str, Regime] = {
    "LA2011": Regime("LA2011", "Localism Act 2011 (with SI 2012/2421 and SI 2012/1313)", "in force"),
    "EDCEA2026": Regime("EDCEA2026", "English Devolution and Community Empowerment Act 2026",
                        "enacted, not commenced; periods unverified"),
    "CESA2015": Regime("CESA2015", "Community Empowerment (Scotland) Act 2015, Part 5", "in force"),
    "LRSA2003": Regime("LRSA2003", "Land Reform (Scotland) Act 2003, Part 2", "in force"),
}

_ACV = ("LA2011", "EDCEA2026")

EVENTS: tuple[Event, ...] = (
    Event("acv-nomination-received", "acv",
          "The council received a nomination to list land as an asset of community value.", _ACV),
    Event("acv-listing-notice-sent", "acv",
          "The council entered the land on its list of assets of community value and sent the listing "
          "notices. Use the date of entry on the list: the 5-year listing runs from it, and the review "
          "period assumes the notices went out the same day.", _ACV),
    Event("acv-review-requested", "acv",
          "The owner asked the council to review its decision to list the land.", _ACV),
    Event("acv-review-decision-sent", "acv",
          "The council sent the owner its decision on the listing review.", _ACV),
    Event("acv-disposal-notice-received", "moratorium",
          "The council received the owner's written notice that they intend to sell the land, or to "
          "grant or assign a lease of 25 years or more.", _ACV),
    Event("acv-compensation-loss-ended", "acv",
          "The owner finished incurring a loss or expense caused by the listing (for example, the day "
          "a moratorium ended).", _ACV),
    Event("acv-compensation-decision-sent", "acv",
          "The council sent the owner its decision on a compensation claim.", _ACV),
    Event("rtc-eoi-received", "right_to_challenge",
          "The council received an expression of interest in running one of its services. If it "
          "arrived during a submission window, use the date the window closed.", ("LA2011",)),
    Event("atr-validated", "scottish_atr",
          "The authority had all the information an asset transfer request needs (the validation date).",
          ("CESA2015",)),
    Event("atr-decision-notice-sent", "scottish_atr",
          "The authority issued its decision notice on an asset transfer request.", ("CESA2015",)),
    Event("atr-decision-period-expired", "scottish_atr",
          "The period for deciding an asset transfer request ran out with no decision notice (a deemed "
          "refusal). Use the last day of the decision period.", ("CESA2015",)),
    Event("atr-review-decision-sent", "scottish_atr",
          "A local authority issued its decision on a review of an asset transfer request.", ("CESA2015",)),
    Event("crtb-registered", "community_right_to_buy",
          "Scottish Ministers registered a community interest in land in the Register of Community "
          "Interests in Land.", ("LRSA2003",)),
    Event("crtb-owner-notice", "community_right_to_buy",
          "The owner gave notice that they propose to transfer land in which a community interest is "
          "registered (this activates the right to buy).", ("LRSA2003",)),
    Event("crtb-confirmation-requested", "community_right_to_buy",
          "Scottish Ministers asked the community body to confirm whether it wants to buy the land. "
          "Use the date the body received the request.", ("LRSA2003",)),
)
EVENTS_BY_CODE: dict[str, Event] = {event.code: event for event in EVENTS}


def _rule(code: str, label: str, event: str, period: str, statute: str, regime: str, nation: str,
          actor: str, **extra: Any) -> Rule:
    return Rule(code, label, event, Period.parse(period), statute, regime, nation, actor, **extra)


def _acv(code: str, label: str, event: str, period: str, statute: str, actor: str, **extra: Any) -> Rule:
    return _rule(code, label, event, period, statute, "LA2011", "england", actor, **extra)


_LA2011_ACV: tuple[Rule, ...] = (
    _acv("acv_decision_due", "Decision on the nomination due", "acv-nomination-received",
         "8 weeks", "SI 2012/2421 reg 7", "council"),
    _acv("acv_review_request_due", "Last day for the owner to ask for a listing review",
         "acv-listing-notice-sent", "8 weeks", "Localism Act 2011 s.92; SI 2012/2421 reg 10 and Sch 2",
         "owner", extendable=True),
    _acv("acv_listing_expires", "Listing ends (last day on the list)", "acv-listing-notice-sent",
         "5 years", "Localism Act 2011 s.87(3)", "council", kind="period_ends"),
    _acv("acv_review_decision_due", "Listing review decision due", "acv-review-requested",
         "8 weeks", "SI 2012/2421 reg 10 and Sch 2", "council", extendable=True),
    _acv("acv_tribunal_appeal_due", "Last day to appeal to the First-tier Tribunal",
         "acv-review-decision-sent", "28 days", "SI 2012/2421 reg 11; SI 2009/1976 r.22", "owner"),
    _acv("acv_interim_moratorium_end",
         "Interim moratorium ends (last day for a community interest group to ask to bid)",
         "acv-disposal-notice-received", "6 weeks", "Localism Act 2011 s.95(6)", "group"),
    _acv("acv_full_moratorium_end", "Full moratorium ends (if a group asked to bid in time)",
         "acv-disposal-notice-received", "6 months", "Localism Act 2011 s.95(6)", "group",
         kind="period_ends"),
    _acv("acv_protected_period_end", "Protected period ends (a new notice is needed after this)",
         "acv-disposal-notice-received", "18 months", "Localism Act 2011 s.95(6)", "owner",
         kind="period_ends"),
    _acv("acv_compensation_claim_due", "Last day to claim compensation", "acv-compensation-loss-ended",
         "13 weeks", "SI 2012/2421 reg 14", "owner"),
    _acv("acv_compensation_review_request_due", "Last day to ask for a review of the compensation decision",
         "acv-compensation-decision-sent", "8 weeks", "SI 2012/2421 (compensation review)", "owner",
         confidence="P"),
)


def _edcea(rule: Rule) -> Rule:
    # [U] domain §2.9: the reform's regulations are not made; values assumed unchanged.
    return replace(rule, regime="EDCEA2026", confidence="U",
                   statute=f"{rule.statute}, assumed unchanged by EDCEA 2026 [U]")


_EDCEA2026_ACV: tuple[Rule, ...] = tuple(
    replace(_edcea(rule), period=Period(12, "months"),
            statute="EDCEA 2026 (Sch 29 to the Bill): moratorium reported as 12 months [U]")
    if rule.code == "acv_full_moratorium_end" else _edcea(rule)
    for rule in _LA2011_ACV
)

_LA2011_RTC: tuple[Rule, ...] = (
    _rule("rtc_timetable_notice_due", "Tell the group when the decision will be made",
          "rtc-eoi-received", "30 days", "Localism Act 2011 s.84", "LA2011", "england", "council",
          confidence="P"),
)

_ATR_APPEAL = "SSI 2016/358 regs 3 and 11; SSI 2016/359 reg 3"


def _atr(code: str, label: str, event: str, period: str, statute: str, actor: str, **extra: Any) -> Rule:
    return _rule(code, label, event, period, statute, "CESA2015", "scotland", actor, **extra)


_CESA2015: tuple[Rule, ...] = (
    _atr("atr_decision_notice_due", "Decision notice due (unless a longer period is agreed)",
         "atr-validated", "6 months", "CE(S)A 2015 s.82(7); SSI 2016/357 reg 10", "council",
         extendable=True),
    _atr("atr_review_or_appeal_due", "Last day to ask for a review or to appeal",
         "atr-decision-notice-sent", "20 working days", _ATR_APPEAL, "group"),
    _atr("atr_offer_deadline_earliest", "Earliest offer deadline the decision notice may set",
         "atr-decision-notice-sent", "6 months", "CE(S)A 2015 ss.82-83 (guidance ch. 16)", "council",
         kind="not_before"),
    _atr("atr_deemed_refusal_review_or_appeal_due",
         "Last day to ask for a review or to appeal (no decision notice issued)",
         "atr-decision-period-expired", "20 working days", _ATR_APPEAL, "group"),
    _atr("atr_ministers_appeal_due", "Last day to appeal to Scottish Ministers after a review",
         "atr-review-decision-sent", "20 working days", "CE(S)A 2015 s.88; SSI 2016/359", "group",
         confidence="P"),
)


def _crtb(code: str, label: str, event: str, period: str, statute: str, actor: str, **extra: Any) -> Rule:
    return _rule(code, label, event, period, statute, "LRSA2003", "scotland", actor, **extra)


_LRSA2003: tuple[Rule, ...] = (
    _crtb("crtb_registration_expires", "Registration of the community interest ends (re-register before)",
          "crtb-registered", "5 years", "LR(S)A 2003 s.44", "group", kind="period_ends"),
    _crtb("crtb_ministers_request_due", "Ministers must ask the community body to confirm it will buy",
          "crtb-owner-notice", "7 days", "LR(S)A 2003 s.49", "ministers"),
    _crtb("crtb_confirmation_due", "Last day for the community body to confirm it will buy",
          "crtb-confirmation-requested", "30 days", "LR(S)A 2003 s.49", "group", confidence="P"),
)

RULES: dict[str, tuple[Rule, ...]] = {
    "LA2011": _LA2011_ACV + _LA2011_RTC,
    "EDCEA2026": _EDCEA2026_ACV,
    "CESA2015": _CESA2015,
    "LRSA2003": _LRSA2003,
}


def get_event(event_code: str) -> Event:
    """The event with that code, or ``InvalidInput`` naming ``event`` and listing the known codes."""
    try:
        return EVENTS_BY_CODE[event_code]
    except (KeyError, TypeError):
        raise InvalidInput(
            f"Unknown event {event_code!r}. Known events: {', '.join(EVENTS_BY_CODE)}.", field="event"
        ) from None


def parse_period_overrides(raw: Mapping[str, object] | None) -> dict[str, Period]:
    """Check and parse overrides (see the module docstring). Raises ``ValueError``."""
    parsed: dict[str, Period] = {}
    for key, spec in (raw or {}).items():
        regime, _, code = key.rpartition(":")
        regimes = [regime] if regime else list(RULES)
        if regime and regime not in RULES:
            raise ValueError(f"period override {key!r}: unknown regime {regime!r}")
        if not any(rule.code == code for name in regimes for rule in RULES[name]):
            where = f" in {regime}" if regime else ""
            raise ValueError(f"period override {key!r}: no rule {code!r}{where}")
        try:
            parsed[key] = Period.parse(spec)
        except ValueError as error:
            raise ValueError(f"period override {key!r}: {error}") from None
    return parsed


def load_period_overrides(environ: Mapping[str, str] | None = None) -> dict[str, Period]:
    """Read ``REGISTRY_PERIOD_OVERRIDES`` (JSON object) from ``environ`` (default ``os.environ``)."""
    text = (os.environ if environ is None else environ).get(OVERRIDES_ENV_VAR, "").strip()
    if not text:
        return {}
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as error:
        raise ValueError(f"{OVERRIDES_ENV_VAR} is not valid JSON: {error}") from None
    if not isinstance(raw, dict):
        # A configuration mistake, reported like the others (ValueError), not a TypeError.
        raise ValueError(f"{OVERRIDES_ENV_VAR} must be a JSON object of rule code to period")  # noqa: TRY004
    return parse_period_overrides(raw)


def deadlines_for_event(
    event_code: str,
    anchor_date: date,
    *,
    regime: str | None = None,
    overrides: Mapping[str, object] | None = None,
) -> list[Deadline]:
    """Deadlines that ``event_code`` on ``anchor_date`` starts, in rule order.

    ``regime`` defaults to the event's first regime (``LA2011`` for English ACV).
    ``overrides`` as in the module docstring (already-parsed ``Period`` values
    are fine). Raises ``InvalidInput`` with ``field="event"`` for an unknown
    event and ``field="regime"`` for a regime that does not govern the event.
    """
    event = get_event(event_code)
    regime = regime or event.default_regime
    if regime not in event.regimes:
        raise InvalidInput(
            f"Regime {regime!r} does not apply to {event.code}. Use one of: {', '.join(event.regimes)}.",
            field="regime",
        )
    configured = parse_period_overrides(overrides)
    deadlines = []
    for rule in RULES[regime]:
        if rule.event != event.code:
            continue
        period = configured.get(f"{regime}:{rule.code}", configured.get(rule.code, rule.period))
        deadlines.append(Deadline(
            rule_code=rule.code,
            anchor_event=event.code,
            anchor_date=anchor_date,
            due_date=period.end(anchor_date, rule.nation),
            label=rule.label,
            statute=rule.statute,
            period=f"{period.describe(rule.nation)} beginning with {format_date(anchor_date)}",
            regime=regime,
            actor=rule.actor,
            kind=rule.kind,
            confidence=rule.confidence,
            extendable=rule.extendable,
            overridden=period != rule.period,
        ))
    return deadlines
