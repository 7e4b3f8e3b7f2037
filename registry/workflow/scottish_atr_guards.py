"""Scottish asset transfer requests (CE(S)A 2015 Part 5): the rules the declaration's tables cannot say.

The process is declared in scottish_atr.py, the Act's vocabularies and pure rules are
scottish_atr_terms.py's; this module holds what the steps check and do: repeat requests (s.93), the
bar on disposal while a valid request stands (s.84), and each step's guard (``guard_*``: refuse
with the reason) and effect (``effect_*``: the case data and the deadline rows the step writes
besides the engine's). Guards and effects take the engine's `Context`; nothing here imports the engine.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from .. import authorities, db
from ..organisations import organisation_facts
from . import clocks, rules
from .cases import Case, Deadline
from .declarations import Context
from .scottish_atr_terms import (
    PROCESS_CODE,
    ROUTES,
    authority_type_for,
    earliest_offer_deadline,
    review_route,
    transfer_body_eligibility,
)

# ------------------------------------------------------------------ s.93 and s.84 (reads)

REFUSED_DECISIONS = ("refused", "deemed_refused")


def repeat_refusal(asset_id: int | None, transfer_type: str | None, received_on: date,
                   exclude_case_id: int | None = None) -> Case | None:
    """s.93: the latest request for the same land and type of transfer refused in the 2 years before ``received_on``.

    "The same land" is the same asset in the register. A deemed refusal counts
    as a refusal; a refusal overturned on review or appeal does not (its
    ``decision`` is then ``agreed``). The authority *may* decline the new
    request when this finds one; it need not.
    """
    if asset_id is None or not transfer_type:
        return None
    query = (select(Case).where(Case.process == PROCESS_CODE, Case.asset_id == asset_id,
                                Case.data["transfer_type"].astext == transfer_type,
                                Case.data["decision"].astext.in_(REFUSED_DECISIONS))
             .order_by(Case.id.desc()))
    if exclude_case_id is not None:
        query = query.where(Case.id != exclude_case_id)
    for case in db.session.scalars(query):
        decided = date.fromisoformat(case.data["decision_date"])
        if decided <= received_on <= clocks.period_end(decided, years=2):
            return case
    return None


#: States in which a valid request exists (s.84 prohibition on disposal to anyone else).
VALID_REQUEST_STATES = ("validated", "notified_and_published", "assessment", "decision_extension_agreed",
                        "agreed", "refused", "deemed_refused", "under_review", "under_appeal", "offer_made",
                        "contract_concluded")


def disposal_prohibited_by(asset_id: int) -> Case | None:
    """The request that stops the authority selling or leasing this land to anyone else (s.84), if any."""
    return db.session.scalar(
        select(Case).where(Case.process == PROCESS_CODE, Case.asset_id == asset_id,
                           Case.state.in_(VALID_REQUEST_STATES),
                           Case.data["s84_no_disposal"].astext == "true").order_by(Case.id).limit(1))


# ------------------------------------------------------------------ deadline rows this process writes itself


def _put_deadline(case: Case, rule_code: str, label: str, anchor_event: str, anchor: date, due: date,
                  actor: str) -> None:
    row = db.session.scalar(select(Deadline).where(Deadline.case_id == case.id, Deadline.rule_code == rule_code,
                                                   Deadline.anchor_date == anchor))
    if row is None:
        db.session.add(Deadline(case_id=case.id, rule_code=rule_code, label=label, anchor_event=anchor_event,
                                anchor_date=anchor, due_date=due, actor=actor, status="open"))
    else:
        row.due_date, row.status, row.met_at = due, "open", None


def _start(ctx: Context, event: str, anchor: date, only: tuple[str, ...]) -> None:
    """Start some of an event's deadlines (the engine's ``starts`` starts them all)."""
    for d in rules.deadlines_for_event(event, anchor, regime=ctx.case.regime_version):
        if d.rule_code in only:
            _put_deadline(ctx.case, d.rule_code, d.label, d.anchor_event, d.anchor_date, d.due_date, d.actor)


def _set_offer_deadline(ctx: Context, notice: date, offer_deadline: date) -> None:
    for code, row in ctx.open_deadlines.items():
        if code == "atr_offer_due":
            row.status = "not_applicable"
    ctx.case.data["offer_deadline"] = offer_deadline.isoformat()
    _put_deadline(ctx.case, "atr_offer_due", "Last day for the body to make its offer (set by the decision notice)",
                  "atr-decision-notice-sent", notice, offer_deadline, "group")


# ------------------------------------------------------------------ guards and effects

REVIEW_APPEAL_RULES = ("atr_review_or_appeal_due", "atr_deemed_refusal_review_or_appeal_due",
                       "atr_ministers_appeal_due")


def _guard_scotland(ctx: Context) -> None:
    authority = authorities.get(ctx.case.authority_code)
    if authority.nation != "scotland":
        ctx.refuse(f"Asset transfer requests under the Community Empowerment (Scotland) Act 2015 can be made only "
                   f"to a Scottish authority; {authority.name} is in {authority.nation.replace('_', ' ').title()}.")


def _guard_eligible(ctx: Context) -> None:
    facts = organisation_facts(ctx.case.organisation_id)
    if not facts:
        ctx.refuse("Choose the community transfer body making the request.")
    problems = transfer_body_eligibility(facts, ctx.value("transfer_type"))
    if problems:
        ctx.refuse(f"{facts['name']} cannot make this request: " + "; ".join(problems) + ".")


def guard_pre_application(ctx: Context) -> None:
    _guard_scotland(ctx)


def guard_submit(ctx: Context) -> None:
    _guard_scotland(ctx)
    _guard_eligible(ctx)


def effect_submit(ctx: Context) -> None:
    received = ctx.date_value("received_on") or ctx.effective_date
    ctx.case.data["received_on"] = received.isoformat()
    facts = organisation_facts(ctx.case.organisation_id)
    ctx.case.data["transfer_body"] = facts.get("name")
    earlier = repeat_refusal(ctx.case.asset_id, ctx.value("transfer_type"), received, ctx.case.id)
    ctx.case.data["s93_repeat_of"] = earlier.reference if earlier is not None else None


def guard_validate(ctx: Context) -> None:
    _guard_eligible(ctx)
    validated = ctx.date_value("validation_date")
    received = date.fromisoformat(ctx.case.data["received_on"])
    if validated < received:
        ctx.refuse(f"The validation date cannot be before the request was received ({received.isoformat()}).")


def effect_validate(ctx: Context) -> None:
    data = ctx.case.data
    kind = authorities.get(ctx.case.authority_code).kind
    authority_type = ctx.values.get("authority_type") or authority_type_for(kind)
    data["authority_type"] = authority_type
    route = review_route(authority_type)
    data["route"] = route["text"]
    data["route_first"], data["route_first_section"] = route["first"], route["first_section"]
    data["s84_no_disposal"] = not ctx.values.get("already_advertised_or_in_negotiation", False)
    due = rules.deadlines_for_event("atr-validated", ctx.anchor_date)[0].due_date
    data["decision_due"] = due.isoformat()


def guard_decline_repeat(ctx: Context) -> None:
    received = date.fromisoformat(ctx.case.data["received_on"])
    earlier = repeat_refusal(ctx.case.asset_id, ctx.case.data.get("transfer_type"), received, ctx.case.id)
    if earlier is None:
        ctx.refuse("No request for the same land and the same type of transfer was refused in the 2 years before "
                   "this one was received, so it cannot be declined under s.93.")
    ctx.case.data["s93_repeat_of"] = earlier.reference


def _decision_due_row(ctx: Context) -> Deadline:
    row = ctx.deadline("atr_decision_notice_due")
    if row is None and "deemed_refused" in (ctx.case.state, ctx.case.data.get("decision")):
        # an extension agreed in time but recorded after the registry's clock deemed the request refused
        row = db.session.scalar(select(Deadline).where(
            Deadline.case_id == ctx.case.id, Deadline.rule_code == "atr_decision_notice_due",
            Deadline.status == "missed").order_by(Deadline.anchor_date.desc()).limit(1))
    if row is None:
        ctx.refuse("This request has no running decision period.")
    return row


def guard_extension(ctx: Context) -> None:
    row = _decision_due_row(ctx)
    agreed_on = ctx.date_value("agreed_on")
    new_due = ctx.date_value("new_decision_due")
    if agreed_on > ctx.today:
        ctx.refuse("The date the extension was agreed is in the future.")
    if agreed_on > row.effective_due:
        ctx.refuse(f"An extension must be agreed before the decision period ends; it ended on "
                   f"{row.effective_due.isoformat()} and the request is deemed refused (SSI 2016/357 reg 10).")
    if new_due <= row.effective_due:
        ctx.refuse(f"The new decision date must be later than the current one ({row.effective_due.isoformat()}).")


def effect_extension(ctx: Context) -> None:
    row = _decision_due_row(ctx)
    row.extension_agreed_until = ctx.date_value("new_decision_due")
    row.extension_reason = ctx.reasons
    row.overridden_by = getattr(ctx.actor, "id", None)
    ctx.case.data["decision_due"] = ctx.values["new_decision_due"]
    if ctx.case.data.get("decision") == "deemed_refused":  # the deemed refusal is undone: the period runs again
        row.status = "open"
        for code, other in ctx.open_deadlines.items():
            if code == "atr_deemed_refusal_review_or_appeal_due":
                other.status = "not_applicable"
        ctx.case.data.update(decision=None, decision_date=None)


def _guard_in_time(ctx: Context, notice: date) -> None:
    row = _decision_due_row(ctx)
    validated = date.fromisoformat(ctx.case.data["validation_date"])
    if notice < validated:
        ctx.refuse(f"The decision notice cannot be dated before the validation date ({validated.isoformat()}).")
    if notice > row.effective_due:
        ctx.refuse(f"The decision period ended on {row.effective_due.isoformat()}: the request is deemed refused, "
                   "and the body may ask for a review or appeal.")


def _guard_offer_deadline(ctx: Context, notice: date) -> None:
    offer = ctx.date_value("offer_deadline")
    if offer is None:
        ctx.refuse("An agreement must give the date by which the body must make its offer.")
    earliest = earliest_offer_deadline(notice)
    if offer < earliest:
        ctx.refuse(f"The offer deadline must be at least 6 months after the decision notice: "
                   f"{earliest.isoformat()} or later (CE(S)A 2015 s.82-83).")


def guard_agree(ctx: Context) -> None:
    notice = ctx.date_value("decision_notice_date")
    _guard_in_time(ctx, notice)
    _guard_offer_deadline(ctx, notice)


def effect_agree(ctx: Context) -> None:
    notice = ctx.anchor_date
    ctx.case.data.update(decision="agreed", decision_date=notice.isoformat())
    _set_offer_deadline(ctx, notice, ctx.date_value("offer_deadline"))


def guard_refuse(ctx: Context) -> None:
    _guard_in_time(ctx, ctx.date_value("decision_notice_date"))


def effect_refuse(ctx: Context) -> None:
    notice = ctx.anchor_date
    ctx.case.data.update(decision="refused", decision_date=notice.isoformat())
    _start(ctx, "atr-decision-notice-sent", notice, only=("atr_review_or_appeal_due",))


def guard_deem_refused(ctx: Context) -> None:
    row = _decision_due_row(ctx)
    if ctx.today <= row.effective_due:
        ctx.refuse(f"The decision period runs until {row.effective_due.isoformat()}.")
    # The 20 working days run from the expiry of the decision period (its last day): rules event text.
    ctx.anchor_date = row.effective_due


def effect_deem_refused(ctx: Context) -> None:
    row = _decision_due_row(ctx)
    row.status = "missed"
    ctx.case.data.update(decision="deemed_refused", decision_date=row.effective_due.isoformat())


def _open_challenge_deadline(ctx: Context, codes: tuple[str, ...]) -> Deadline | None:
    return next((ctx.deadline(c) for c in codes if ctx.deadline(c) is not None), None)


def _guard_filed_in_time(ctx: Context, row: Deadline | None, what: str) -> None:
    filed = ctx.date_value("filed_on") or ctx.effective_date
    if row is None:
        ctx.refuse(f"There is no open period in which to {what}.")
    if filed > row.effective_due:
        ctx.refuse(f"It was filed on {filed.isoformat()}, after the last day to {what} "
                   f"({row.effective_due.isoformat()}: 20 working days in Scotland).")


def guard_request_review(ctx: Context) -> None:
    route = ctx.case.data.get("authority_type")
    if ROUTES[route]["first"] != "review":
        ctx.refuse("Decisions of this authority are not reviewed: the body may appeal to the Scottish Ministers "
                   "(s.85). Record an appeal instead.")
    if ctx.case.data.get("review_decided"):
        ctx.refuse("This request has already been reviewed.")
    row = _open_challenge_deadline(ctx, ("atr_review_or_appeal_due", "atr_deemed_refusal_review_or_appeal_due"))
    _guard_filed_in_time(ctx, row, "ask for a review")


def effect_request_review(ctx: Context) -> None:
    ctx.case.data["challenged_decision"] = ctx.case.data.get("decision")
    ctx.case.data["review_section"] = ROUTES[ctx.case.data["authority_type"]]["first_section"]


def guard_appeal(ctx: Context) -> None:
    route = ctx.case.data.get("authority_type")
    if ctx.case.data.get("appeal_decided"):
        ctx.refuse("This request has already been appealed.")
    if route == "scottish_ministers":
        ctx.refuse("A decision of the Scottish Ministers is reviewed (s.87), not appealed.")
    if route == "local_authority":
        if not ctx.case.data.get("review_decided"):
            ctx.refuse("A local authority's decision is first reviewed by the authority (s.86); an appeal to the "
                       "Scottish Ministers (s.88) follows the review decision.")
        row = ctx.deadline("atr_ministers_appeal_due")
    else:
        row = _open_challenge_deadline(ctx, ("atr_review_or_appeal_due", "atr_deemed_refusal_review_or_appeal_due"))
    _guard_filed_in_time(ctx, row, "appeal to the Scottish Ministers")


def effect_appeal(ctx: Context) -> None:
    ctx.case.data["challenged_decision"] = ctx.case.data.get("decision")
    ctx.case.data["appeal_section"] = "s.88" if ctx.case.data.get("authority_type") == "local_authority" else "s.85"


def guard_review_decision(agrees: bool):
    def guard(ctx: Context) -> None:
        if ctx.case.data.get("authority_type") == "local_authority" and "reviewer" not in ctx.actor.roles:
            ctx.refuse("A local authority's review (s.86) is decided by a reviewer who took no part in the "
                       "decision.")
        if agrees:
            _guard_offer_deadline(ctx, ctx.date_value("review_decision_date"))
    return guard


def effect_review_decision(agrees: bool):
    def effect(ctx: Context) -> None:
        day = ctx.anchor_date
        data = ctx.case.data
        data.update(review_decided=True, review_decision_date=day.isoformat(),
                    decision="agreed" if agrees else "refused", decision_date=day.isoformat())
        if agrees:
            _set_offer_deadline(ctx, day, ctx.date_value("offer_deadline"))
        if data.get("authority_type") == "local_authority":
            _start(ctx, "atr-review-decision-sent", day, only=("atr_ministers_appeal_due",))
    return effect


def guard_appeal_agree(ctx: Context) -> None:
    _guard_offer_deadline(ctx, ctx.date_value("appeal_decision_date"))


def effect_appeal_decision(agrees: bool):
    def effect(ctx: Context) -> None:
        day = ctx.anchor_date
        ctx.case.data.update(appeal_decided=True, appeal_decision_date=day.isoformat(),
                             decision="agreed" if agrees else "refused", decision_date=day.isoformat())
        if agrees:
            _set_offer_deadline(ctx, day, ctx.date_value("offer_deadline"))
        else:
            concluded(ctx)
    return effect


def _offer_due(ctx: Context) -> Deadline | None:
    return ctx.deadline("atr_offer_due")


def guard_offer(ctx: Context) -> None:
    row = _offer_due(ctx)
    offered = ctx.date_value("offer_date")
    if row is not None and offered > row.effective_due:
        ctx.refuse(f"The offer deadline was {row.effective_due.isoformat()}: the offer came too late and the "
                   "request has ended (s.83).")


def guard_lapse(ctx: Context) -> None:
    row = _offer_due(ctx)
    if row is None or ctx.today <= row.effective_due:
        ctx.refuse("The body may still make its offer"
                   + (f" (until {row.effective_due.isoformat()})." if row is not None else "."))


def guard_refusal_final(ctx: Context) -> None:
    for code in REVIEW_APPEAL_RULES:
        row = ctx.deadline(code)
        if row is not None and ctx.today <= row.effective_due:
            ctx.refuse(f"The body may still ask for a review or appeal (until {row.effective_due.isoformat()}).")


def concluded(ctx: Context) -> None:
    """The request is over: the s.84 prohibition on disposal no longer applies."""
    ctx.case.data["s84_no_disposal"] = False


def effect_complete(ctx: Context) -> None:
    data = ctx.case.data
    data["completed_transfer_type"] = ctx.values.get("completed_transfer_type") or data.get("transfer_type")
    concluded(ctx)


# ------------------------------------------------------------------ the declaration
