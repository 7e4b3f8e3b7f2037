"""What the Scottish rights to buy without a willing seller share: LR(S)A 2003 Part 3A (abandoned,
neglected or detrimental land, abandoned_land.py) and LR(S)A 2016 Part 5 (sustainable development,
sustainable_development.py).

Both are applications to the Scottish Ministers by a community body, answered the same way: the
parties' views go to the body for its reply, Ministers consent or refuse, a valuer sets the price and
the purchase completes. Each process keeps its own first steps, events and periods (rules.py); the
steps and states they share are built here, from the process's event prefix (``p3a``, ``p5``).
`require_scottish_body` is the guard of a first step in any Scottish right to buy (Part 2 too).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from .. import authorities
from ..organisations import organisation_facts
from .declarations import Context, Field, Transition

PERMISSION = "crtb.record"  # declared by community_right_to_buy.py

#: The states from the body's reply to the end, in both processes.
STATES = {
    "reply": "Views sent to the community body for its reply",
    "awaiting_decision": "Awaiting Ministers' decision",
    "consented": "Ministers consented; valuation and completion",
    "refused": "Ministers refused consent",
    "completed": "Purchase completed",
}
TERMINAL = frozenset({"refused", "completed", "withdrawn"})
#: From the application until Ministers' decision the land is under consideration; then transferred.
LIVE_STATUS = {**{state: "under_consideration" for state in ("applied", "views", "reply", "awaiting_decision",
                                                                "consented")},
               "completed": "transferred"}


def require_scottish_body(ctx: Context, right: str, eligibility: Callable[[Mapping], list[str]],
                          refusal: str = "{name}: {problems}.") -> None:
    """Refuse unless the land is in Scotland and the case's body passes `eligibility` (its problems, in
    words). `right` names the right in the refusal ("The community right to buy")."""
    authority = authorities.get(ctx.case.authority_code)
    if authority.nation != "scotland":
        ctx.refuse(f"{right} applies to land in Scotland; {authority.name} is not a Scottish authority.")
    facts = organisation_facts(ctx.case.organisation_id)
    if not facts:
        ctx.refuse("Choose the community body.")
    problems = eligibility(facts)
    if problems:
        ctx.refuse(refusal.format(name=facts["name"], problems="; ".join(problems)))


def views_sent(prefix: str, *, meets: tuple[str, ...]) -> Transition:
    return Transition("record_views_sent", "Record that Ministers sent the views to the community body", ("views",),
                      "reply", PERMISSION, (Field("views_sent_on", "Date the body received the views", "date"),),
                      starts=f"{prefix}-views-sent-to-body", anchor="views_sent_on", meets=meets)


def reply(prefix: str) -> Transition:
    return Transition("record_reply", "Record the community body's reply to the views", ("reply",),
                      "awaiting_decision", PERMISSION, (Field("replied_on", "Date of the reply", "date"),),
                      anchor="replied_on", meets=(f"{prefix}_body_reply_due",))


def consent(from_states: tuple[str, ...], *, closes: tuple[str, ...] = ()) -> Transition:
    return Transition("record_consent", "Record Ministers' consent", from_states, "consented", PERMISSION,
                      (Field("consent_date", "Date of consent", "date"),), reasons=True, anchor="consent_date",
                      closes=closes)


def refusal(from_states: tuple[str, ...]) -> Transition:
    return Transition("record_refusal", "Record that Ministers refused consent", from_states, "refused", PERMISSION,
                      (Field("decision_date", "Date of the decision", "date"),), reasons=True,
                      anchor="decision_date")


COMPLETION = Transition(
    "record_completion", "Record completion of the purchase", ("consented",), "completed", PERMISSION,
    (Field("completion_date", "Date of completion", "date"),
     Field("valuation_price_gbp", "Price set by the valuer (£)", "integer"),
     Field("title_number", "Land Register title number", required=False)),
    anchor="completion_date")


def withdraw(label: str, from_states: tuple[str, ...]) -> Transition:
    return Transition("withdraw", label, from_states, "withdrawn", PERMISSION, reasons=True)
