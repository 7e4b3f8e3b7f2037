"""Statutory deadline rules as data, versioned by regime.

Sources: domain spec §0.1 (counting), §2.3 and §2.5-2.6 (English ACV), §2.9
(EDCEA 2026 reform), §3.2 (Right to Challenge), §5.1-5.2 (Scottish asset
transfer requests), §6.1 (Scottish community right to buy).

An *event* (``acv-disposal-notice-received``) on an *anchor date* starts one or
more *rules* (``acv_interim_moratorium_end`` …); each rule is a period counted by
one of the pure functions of ``registry.workflow.clocks`` and yields a
:class:`Deadline`. ``deadlines_for_event`` is pure: no database, no clock.

**Counting: the words decide** (domain §0.1). Each rule quotes the statutory
phrase it implements (``words``) with its citation, and says how it counts:

* ``beginning_with``: "a period of N … beginning with D" — D is day 1
  (``clocks.period_end``; ``clocks.working_days_period_end`` for working days);
* ``after``: "within N days of D", "N weeks after D", "N months from D" — D is
  not counted (``clocks.period_end_after``);
* ``next_working_day``: a last day that is not a working day is carried to the
  next working day (``clocks.next_working_day``), where procedure rules say so.

``confidence`` is the domain tag: ``V`` the words were read in the primary text;
``P`` they come from a secondary source (a council page, guidance, an
explanatory note) or only partly; ``U`` not checked. Every period that is not
``V`` can be replaced by configuration (below), and ``/deadlines`` says which.

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

The app reads it once at start-up into ``registry.config.Settings`` and calls
:func:`configure` (which fails fast on a bad key or period); afterwards
:func:`load_period_overrides` and :func:`deadlines_for_event` use what was
configured, and never read the environment again. ``overrides=`` given to
:func:`deadlines_for_event` wins (tests and the calculator's "what if").

**Local closure days** (``REGISTRY_LOCAL_CLOSURE_DAYS``, ``REGISTRY_CLOSURE_DAY_RULES``)
are extra non-working days (e.g. a council's Christmas closure). They count only
for the working-day rules named in ``REGISTRY_CLOSURE_DAY_RULES``, i.e. rules
whose definition of a working day includes them, and :func:`configure` refuses
any rule that is not a working-day period or whose actor is the council: a
council's closure never lengthens its own decision period against a group.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

from registry.errors import InvalidInput
from registry.workflow import clocks

Unit = Literal["days", "weeks", "months", "years", "working_days"]
Counting = Literal["beginning_with", "after"]
COUNTINGS: dict[str, str] = {
    "beginning_with": "the first day counts as day 1",
    "after": "the first day is not counted",
}
CONFIDENCE: dict[str, str] = {
    "V": "verified against the statute's text",
    "P": "partly verified (wording from a secondary source); configurable",
    "U": "unverified; configurable",
}
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

    def end(self, start: date, nation: str, counting: Counting = "beginning_with",
            closures: Collection[date] = ()) -> date:
        """Last day of this period from ``start``, counted as the words say (domain §0.1)."""
        if self.unit == "working_days":
            if counting != "beginning_with":
                raise ValueError("working-day periods are counted 'beginning with' their first day")
            return clocks.working_days_period_end(start, self.amount, nation, closures)
        if counting == "after":
            return clocks.period_end_after(start, **{self.unit: self.amount})
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
    words: str = ""  # the statutory phrase, quoted
    counting: Counting = "beginning_with"
    next_working_day: bool = False  # a last day on a non-working day is carried forward
    note: str = ""  # where the words came from, when not the primary text

    @property
    def verified(self) -> bool:
        return self.confidence == "V"


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
    words: str = ""
    counting: str = "beginning_with"
    carried_from: date | None = None  # the last day before the next-working-day rule moved it
    note: str = ""

    @property
    def verified(self) -> bool:
        return self.confidence == "V" and not self.overridden

    @property
    def rule_text(self) -> str:
        """The rule used, in words: the quoted phrase, the counting, the carry."""
        parts = [f"“{self.words}” ({self.statute})" if self.words else self.statute,
                 f"counted {self.counting.replace('_', ' ')}: {COUNTINGS.get(self.counting, '')}"]
        if self.carried_from:
            parts.append(f"{format_date(self.carried_from)} is not a working day, so the last day is "
                         f"carried to the next working day, {format_date(self.due_date)}")
        return "; ".join(parts)

    def as_row(self) -> dict[str, object]:
        return {"rule_code": self.rule_code, "anchor_event": self.anchor_event,
                "anchor_date": self.anchor_date, "due_date": self.due_date}


PROCESSES: dict[str, str] = {
    "acv": "Assets of community value (England)",
    "moratorium": "Selling a listed asset: the moratorium (England)",
    "right_to_challenge": "Community Right to Challenge (England)",
    "scottish_atr": "Asset transfer requests (Scotland)",
    "community_right_to_buy": "Community right to buy (Scotland)",
    "abandoned_land_right_to_buy": "Right to buy abandoned, neglected or detrimental land (Scotland, Part 3A)",
    "sustainable_development_right_to_buy": "Right to buy to further sustainable development (Scotland, Part 5)",
}

REGIMES: dict[str, Regime] = {
    "LA2011": Regime("LA2011", "Localism Act 2011 (with SI 2012/2421 and SI 2012/1313)", "in force"),
    "EDCEA2026": Regime("EDCEA2026", "English Devolution and Community Empowerment Act 2026",
                        "enacted, not commenced; periods unverified"),
    "CESA2015": Regime("CESA2015", "Community Empowerment (Scotland) Act 2015, Part 5", "in force"),
    "LRSA2003": Regime("LRSA2003", "Land Reform (Scotland) Act 2003, Parts 2 and 3A", "in force"),
    "LRSA2016": Regime("LRSA2016", "Land Reform (Scotland) Act 2016, Part 5", "in force"),
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
          "Scottish Ministers received the owner's notice that they propose to transfer land in which a "
          "community interest is registered (this activates the right to buy). Use the date Ministers received "
          "it: their 7 days run from receipt, not from the date on the notice.", ("LRSA2003",)),
    Event("crtb-confirmation-requested", "community_right_to_buy",
          "Scottish Ministers sent the community body their notice asking it to confirm that it will buy the "
          "land. Use the date Ministers sent it: the body's 30 days run from then (s.49(4)).", ("LRSA2003",)),
    Event("p3a-application-notified", "abandoned_land_right_to_buy",
          "Scottish Ministers sent a Part 3A application (abandoned, neglected or detrimental land) to the owner "
          "and the creditors and invited their views.", ("LRSA2003",)),
    Event("p3a-views-sent-to-body", "abandoned_land_right_to_buy",
          "Scottish Ministers sent the views they received on a Part 3A application to the community body.",
          ("LRSA2003",)),
    Event("p5-owner-request-sent", "sustainable_development_right_to_buy",
          "The community body sent the owner a written request to buy the land (before a Part 5 application).",
          ("LRSA2016",)),
    Event("p5-ballot-held", "sustainable_development_right_to_buy",
          "The community body held its ballot on a Part 5 application (the ballot's last day).", ("LRSA2016",)),
    Event("p5-views-invited", "sustainable_development_right_to_buy",
          "Scottish Ministers invited the owner, the tenant, the creditors and others to give their views on a "
          "Part 5 application.", ("LRSA2016",)),
    Event("p5-views-sent-to-body", "sustainable_development_right_to_buy",
          "Scottish Ministers sent the views they received on a Part 5 application to the community body.",
          ("LRSA2016",)),
)
EVENTS_BY_CODE: dict[str, Event] = {event.code: event for event in EVENTS}


def _rule(code: str, label: str, event: str, period: str, statute: str, regime: str, nation: str,
          actor: str, **extra: Any) -> Rule:
    return Rule(code, label, event, Period.parse(period), statute, regime, nation, actor, **extra)


def _acv(code: str, label: str, event: str, period: str, statute: str, actor: str, **extra: Any) -> Rule:
    return _rule(code, label, event, period, statute, "LA2011", "england", actor, **extra)


_COUNCILS = "wording as councils and the domain spec (§2.2, §2.5) quote it; the regulation's text was not retrieved"

_LA2011_ACV: tuple[Rule, ...] = (
    _acv("acv_decision_due", "Decision on the nomination due", "acv-nomination-received",
         "8 weeks", "SI 2012/2421 reg 7", "council", confidence="P", counting="after",
         words="within 8 weeks of receiving the nomination (8 weeks from receipt)", note=_COUNCILS),
    _acv("acv_review_request_due", "Last day for the owner to ask for a listing review",
         "acv-listing-notice-sent", "8 weeks", "Localism Act 2011 s.92; SI 2012/2421 reg 10 and Sch 2 para 1",
         "owner", extendable=True, confidence="P", counting="after",
         words="within 8 weeks of the written notice of listing (or such longer period as the authority "
               "allows)", note=_COUNCILS),
    _acv("acv_listing_expires", "Listing ends (last day on the list)", "acv-listing-notice-sent",
         "5 years", "Localism Act 2011 s.87(3)", "council", kind="period_ends",
         words="the end of the period of five years beginning with the date of that entry"),
    _acv("acv_review_decision_due", "Listing review decision due", "acv-review-requested",
         "8 weeks", "SI 2012/2421 reg 10 and Sch 2", "council", extendable=True, confidence="P",
         counting="after", words="within 8 weeks of the request for review, or a longer period agreed "
                                 "with the owner", note=_COUNCILS),
    _acv("acv_tribunal_appeal_due", "Last day to appeal to the First-tier Tribunal",
         "acv-review-decision-sent", "28 days", "SI 2012/2421 reg 11; SI 2009/1976 r.22(1)(b) and r.12",
         "owner", confidence="P", counting="after", next_working_day=True,
         words="within 28 days of the date on which notice of the act or decision to which the proceedings "
               "relate was sent",
         note="r.22(1)(b) read in the text [V]; the next-working-day rule is r.12 of the GRC Rules, taken to "
              "match the Upper Tribunal's r.12(2) (\"the act is done in time if it is done on the next "
              "working day\") [P]"),
    _acv("acv_interim_moratorium_end",
         "Interim moratorium ends (last day for a community interest group to ask to bid)",
         "acv-disposal-notice-received", "6 weeks", "Localism Act 2011 s.95(6); SI 2012/2421 reg 2(a)(i)",
         "group", words="the six weeks beginning with the date of receipt of a notice under section 95(2)"),
    _acv("acv_full_moratorium_end", "Full moratorium ends (if a group asked to bid in time)",
         "acv-disposal-notice-received", "6 months", "Localism Act 2011 s.95(6); SI 2012/2421 reg 2(a)(iii)",
         "group", kind="period_ends", words="the six months beginning with the date the notice was received"),
    _acv("acv_protected_period_end", "Protected period ends (a new notice is needed after this)",
         "acv-disposal-notice-received", "18 months", "Localism Act 2011 s.95(6)", "owner",
         kind="period_ends", words="the period of 18 months beginning with the date the notice was received"),
    _acv("acv_compensation_claim_due", "Last day to claim compensation", "acv-compensation-loss-ended",
         "13 weeks", "SI 2012/2421 reg 14(5)(b)", "owner", confidence="P", counting="after",
         words="before the end of 13 weeks after the loss or expense was incurred or finished being incurred",
         note="wording as domain §2.5, Fielder v Harrogate BC [2020] UKUT 288 (AAC) and council pages "
              "(\"13 weeks after\" / \"13 weeks from\") quote it; the regulation's text was not retrieved"),
    _acv("acv_compensation_review_request_due", "Last day to ask for a review of the compensation decision",
         "acv-compensation-decision-sent", "8 weeks", "SI 2012/2421 reg 16", "owner",
         confidence="P", counting="after",
         words="within 8 weeks of the authority's written notice of its decision on the claim",
         note="domain §2.5 [P]; the regulation's text was not retrieved"),
)


def _edcea(rule: Rule) -> Rule:
    # [U] domain §2.9: the reform's regulations are not made; values assumed unchanged.
    return replace(rule, regime="EDCEA2026", confidence="U",
                   statute=f"{rule.statute}, assumed unchanged by EDCEA 2026 [U]")


_EDCEA2026_ACV: tuple[Rule, ...] = tuple(
    replace(_edcea(rule), period=Period(12, "months"),
            statute="EDCEA 2026 (Sch 29 to the Bill): moratorium reported as 12 months [U]",
            words="a moratorium reported as 12 months, assumed to begin with the date the notice was received")
    if rule.code == "acv_full_moratorium_end" else _edcea(rule)
    for rule in _LA2011_ACV
)

_LA2011_RTC: tuple[Rule, ...] = (
    _rule("rtc_timetable_notice_due", "Tell the group when the decision will be made",
          "rtc-eoi-received", "30 days", "Localism Act 2011 s.84(2)", "LA2011", "england", "council",
          confidence="P", counting="after",
          words="within 30 days of receiving the expression of interest (or of the end of the period for "
                "submitting it)",
          note="wording as My Community's statutory guidance summary and domain §3.1 quote it; the Act's "
               "text was not retrieved"),
)

_ATR_APPEAL = "SSI 2016/358 reg 3(2); SSI 2016/359 reg 3(2)"


def _atr(code: str, label: str, event: str, period: str, statute: str, actor: str, **extra: Any) -> Rule:
    return _rule(code, label, event, period, statute, "CESA2015", "scotland", actor, **extra)


_CESA2015: tuple[Rule, ...] = (
    # Domain §5.2's row ("validation + 6m - 1d") and §5.1 ("within 6 months of") disagree; the words
    # of reg 10, as its explanatory note gives them, are "6 months after": the validation date is not
    # counted, so the period ends on the corresponding date six months later.
    _atr("atr_decision_notice_due", "Decision notice due (unless a longer period is agreed)",
         "atr-validated", "6 months", "CE(S)A 2015 s.82(7); SSI 2016/357 reg 10", "council",
         extendable=True, confidence="P", counting="after",
         words="a period of 6 months after the date on which the asset transfer request is treated as "
               "having been made (the validation date), unless a longer period is agreed",
         note="words from SSI 2016/357's explanatory note and gov.scot guidance ch. 15 (\"within 6 months "
              "after the validation date\"); reg 10's own text was not retrieved"),
    _atr("atr_review_or_appeal_due", "Last day to ask for a review or to appeal",
         "atr-decision-notice-sent", "20 working days", _ATR_APPEAL, "group",
         words="within the period of 20 working days beginning with the date of the decision notice"),
    _atr("atr_offer_deadline_earliest", "Earliest offer deadline the decision notice may set",
         "atr-decision-notice-sent", "6 months", "CE(S)A 2015 s.83 (guidance ch. 16)", "council",
         kind="not_before", confidence="P", counting="after",
         words="at least 6 months from the date of the decision notice",
         note="gov.scot guidance ch. 16, not the statute's text"),
    _atr("atr_deemed_refusal_review_or_appeal_due",
         "Last day to ask for a review or to appeal (no decision notice issued)",
         "atr-decision-period-expired", "20 working days", _ATR_APPEAL, "group",
         words="within the period of 20 working days beginning with the date of expiry of the period "
               "allowed for determination of the request"),
    _atr("atr_ministers_appeal_due", "Last day to appeal to Scottish Ministers after a review",
         "atr-review-decision-sent", "20 working days", "CE(S)A 2015 s.88; SSI 2016/359", "group",
         confidence="P", words="within the period of 20 working days beginning with the date of the "
                               "decision notice on the review",
         note="by analogy with SSI 2016/359 reg 3(2); the s.88 regulation's text was not retrieved"),
)


def _crtb(code: str, label: str, event: str, period: str, statute: str, actor: str, **extra: Any) -> Rule:
    return _rule(code, label, event, period, statute, "LRSA2003", "scotland", actor, **extra)


_S49_READ = ("s.49 as enacted, read at legislation.gov.uk/asp/2003/2/section/49/enacted; no amendment of s.49 "
             "by CE(S)A 2015 or LR(S)A 2016 was found, but the revised text was not seen [P]")

_LRSA2003: tuple[Rule, ...] = (
    _crtb("crtb_registration_expires", "Registration of the community interest ends (re-register before)",
          "crtb-registered", "5 years", "LR(S)A 2003 s.44", "group", kind="period_ends", confidence="P",
          words="the period of 5 years beginning with the date of registration",
          note="domain §6.1 [P]; the Act's text was not retrieved"),
    _crtb("crtb_ministers_request_due", "Ministers must ask the community body to confirm it will buy",
          "crtb-owner-notice", "7 days", "LR(S)A 2003 s.49(2)", "ministers", confidence="P", counting="after",
          words="Not later than 7 days after such receipt [of the s.48 notice] Ministers shall send to the "
                "community body ... a notice ... seeking its confirmation in writing",
          note=_S49_READ),
    _crtb("crtb_confirmation_due", "Last day for the community body's confirmation to reach Ministers",
          "crtb-confirmation-requested", "30 days", "LR(S)A 2003 s.49(4)", "group", confidence="P",
          counting="after", words="by the date specified in the notice, being a date not later than 30 days after "
                                  "it was sent, the community body has not caused its confirmation to be received "
                                  "by Ministers",
          note=_S49_READ + "; counted from the day Ministers sent the request; the notice may name an earlier "
                           "day, which is not modelled"),
)

_NOT_READ = "the Act's text was not retrieved: configurable (REGISTRY_PERIOD_OVERRIDES)"

#: Part 3A (inserted by CE(S)A 2015 s.74). The creditors' 60 days is in gov.scot's Part 3A guidance [P]; the
#: views and reply periods are taken by analogy with Part 5 and were not read anywhere [U].
_LRSA2003_PART3A: tuple[Rule, ...] = (
    _crtb("p3a_creditor_report_due", "Last day for creditors to report calling-up or default notices",
          "p3a-application-notified", "60 days", "LR(S)A 2003 Part 3A (s.97G) [P]", "owner", confidence="P",
          counting="after", words="within 60 days of the notice of the application",
          note="domain §6.2, from gov.scot Part 3A guidance (pages 4 and 12); " + _NOT_READ),
    _crtb("p3a_views_due", "Last day for the owner and others to give their views", "p3a-application-notified",
          "60 days", "LR(S)A 2003 Part 3A (s.97G) [U]", "owner", confidence="U", counting="after",
          words="within 60 days of the invitation to give views (assumed, as in Part 5)",
          note="not checked; assumed equal to Part 5's 60 days; " + _NOT_READ),
    _crtb("p3a_body_reply_due", "Last day for the community body to reply to the views", "p3a-views-sent-to-body",
          "60 days", "LR(S)A 2003 Part 3A (s.97H) [U]", "group", confidence="U", counting="after",
          words="within 60 days of receiving the views (assumed, as in Part 5)",
          note="not checked; assumed equal to Part 5's 60 days; " + _NOT_READ),
)


def _p5(code: str, label: str, event: str, period: str, statute: str, actor: str, **extra: Any) -> Rule:
    return _rule(code, label, event, period, statute, "LRSA2016", "scotland", actor, **extra)


_GOV_SCOT_P5 = ("domain §6.3, from gov.scot's Part 5 information for communities (page 8); " + _NOT_READ)

_LRSA2016: tuple[Rule, ...] = (
    _p5("p5_application_earliest", "Earliest date for the Part 5 application (6 months after the request to the "
        "owner)", "p5-owner-request-sent", "6 months", "LR(S)A 2016 s.54 [P]", "group", kind="not_before",
        confidence="P", counting="after",
        words="a written request to the owner at least 6 months before the application", note=_GOV_SCOT_P5),
    _p5("p5_application_latest", "Last day for the Part 5 application (6 months after the ballot)",
        "p5-ballot-held", "6 months", "LR(S)A 2016 s.54 and s.57 [P]", "group", confidence="P", counting="after",
        words="a ballot held no earlier than 6 months before the application", note=_GOV_SCOT_P5),
    _p5("p5_views_due", "Last day for the owner and others to give their views", "p5-views-invited", "60 days",
        "LR(S)A 2016 s.55 [P]", "owner", confidence="P", counting="after",
        words="60 days to give views on the application", note=_GOV_SCOT_P5),
    _p5("p5_body_reply_due", "Last day for the community body to reply to the views", "p5-views-sent-to-body",
        "60 days", "LR(S)A 2016 s.55 [P]", "group", confidence="P", counting="after",
        words="then the body has 60 days to reply to the views", note=_GOV_SCOT_P5),
)

RULES: dict[str, tuple[Rule, ...]] = {
    "LA2011": _LA2011_ACV + _LA2011_RTC,
    "EDCEA2026": _EDCEA2026_ACV,
    "CESA2015": _CESA2015,
    "LRSA2003": _LRSA2003 + _LRSA2003_PART3A,
    "LRSA2016": _LRSA2016,
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


def parse_overrides_text(text: str | None) -> dict[str, Period]:
    """``REGISTRY_PERIOD_OVERRIDES``' JSON text, checked. Raises ``ValueError``."""
    text = (text or "").strip()
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


def _rules_named(code: str) -> list[Rule]:
    return [rule for regime in RULES.values() for rule in regime if rule.code == code]


def parse_closure_rules(codes: Collection[str]) -> frozenset[str]:
    """Rule codes whose definition of a working day includes local closure days. Raises ``ValueError``.

    Only working-day periods for someone other than the council qualify: a council's closure
    days must never lengthen its own period against a group (issue 11 item 3).
    """
    checked = set()
    for code in codes:
        found = _rules_named(code)
        if not found:
            raise ValueError(f"closure-day rule {code!r}: no such rule")
        for rule in found:
            if rule.period.unit != "working_days":
                raise ValueError(f"closure-day rule {code!r}: not a working-day period")
            if rule.actor == "council":
                raise ValueError(f"closure-day rule {code!r}: it is the council's own period, which local "
                                 "closure days must not lengthen")
        checked.add(code)
    return frozenset(checked)


@dataclass(frozen=True)
class Configuration:
    """What the app configured at start-up (``registry.config.Settings``)."""

    overrides: Mapping[str, Period]
    closure_days: frozenset[date] = frozenset()
    closure_rules: frozenset[str] = frozenset()


_configured = Configuration(overrides={})


def configure(overrides: Mapping[str, object] | str | None = None, *,
              closure_days: Collection[date] = (), closure_rules: Collection[str] = ()) -> Configuration:
    """Install the start-up configuration (called once by ``create_app``). Raises ``ValueError``."""
    global _configured
    parsed = parse_overrides_text(overrides) if isinstance(overrides, str) else parse_period_overrides(overrides)
    _configured = Configuration(overrides=parsed, closure_days=frozenset(closure_days),
                                closure_rules=parse_closure_rules(closure_rules))
    return _configured


def configuration() -> Configuration:
    return _configured


def load_period_overrides(environ: Mapping[str, str] | None = None) -> dict[str, Period]:
    """The configured overrides; or, given ``environ``, those it holds (``REGISTRY_PERIOD_OVERRIDES``).

    Without ``environ`` this never reads ``os.environ``: the app read it once into
    ``Settings`` and passed it to :func:`configure`.
    """
    if environ is None:
        return dict(_configured.overrides)
    return parse_overrides_text(environ.get(OVERRIDES_ENV_VAR, ""))


def find_rule(regime: str, rule_code: str) -> Rule | None:
    return next((rule for rule in RULES.get(regime, ()) if rule.code == rule_code), None)


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
    configured = _configured.overrides if overrides is None else parse_period_overrides(overrides)
    deadlines = []
    for rule in RULES[regime]:
        if rule.event != event.code:
            continue
        deadlines.append(deadline_for_rule(rule, anchor_date, configured))
    return deadlines


def deadline_for_rule(rule: Rule, anchor_date: date, configured: Mapping[str, Period] | None = None) -> Deadline:
    """The deadline ``rule`` gives for ``anchor_date``, counted as its words say."""
    configured = _configured.overrides if configured is None else configured
    period = configured.get(f"{rule.regime}:{rule.code}", configured.get(rule.code, rule.period))
    closures = _configured.closure_days if rule.code in _configured.closure_rules else frozenset()
    counting = rule.counting if period.unit != "working_days" else "beginning_with"
    due = period.end(anchor_date, rule.nation, counting, closures)
    carried_from = None
    if rule.next_working_day and not clocks.is_working_day(due, rule.nation):
        carried_from, due = due, clocks.next_working_day(due, rule.nation)
    joiner = "beginning with" if counting == "beginning_with" else "after"
    text = f"{period.describe(rule.nation)} {joiner} {format_date(anchor_date)}"
    if carried_from:
        text += f", carried from {format_date(carried_from)} to the next working day"
    return Deadline(
        rule_code=rule.code,
        anchor_event=rule.event,
        anchor_date=anchor_date,
        due_date=due,
        label=rule.label,
        statute=rule.statute,
        period=text,
        regime=rule.regime,
        actor=rule.actor,
        kind=rule.kind,
        confidence=rule.confidence,
        extendable=rule.extendable,
        overridden=period != rule.period,
        words=rule.words,
        counting=counting,
        carried_from=carried_from,
        note=rule.note,
    )
