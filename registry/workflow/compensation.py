"""Compensation for owners of listed land: SI 2012/2421 reg 14 and Sch 2 (domain spec §2.5, §2.6 C).

A claim must be made in writing, state the amount with evidence, and arrive
within 13 weeks after the loss or expense was incurred or finished being
incurred (strictly applied: Fielder v Harrogate BC [2020] UKUT 288 (AAC)); an
officer may record a late claim only with a note of why it is treated as in
time. The council decides with reasons (no time limit); the owner may ask for
a review within 8 weeks, then appeal to the First-tier Tribunal. Amounts and
the claimant's details are private: owners may be private individuals.
"""

from __future__ import annotations

from .. import db
from ..permissions import declare
from . import cases
from .declarations import NEW, Context, Field, Process, Transition
from .rules import deadlines_for_event

_OFFICERS = {"council_officer", "council_decision_maker"}
declare("compensation.record", roles=_OFFICERS, scope="authority",
        description="Record a compensation claim, a review request, an appeal and its outcome")
declare("compensation.decide", roles={"council_decision_maker"}, scope="authority",
        description="Decide a compensation claim")
declare("compensation.review", roles={"reviewer"}, scope="authority",
        description="Review a compensation decision (never the person who took it)")


def _guard_claim(ctx: Context) -> None:
    parent = db.session.get(cases.Case, ctx.case.parent_case_id) if ctx.case.parent_case_id else None
    if parent is None or parent.process != "acv" or parent.state not in ("listed", "under_review", "under_appeal",
                                                                           "removed"):
        ctx.refuse("A compensation claim is recorded against land that is or was on the list.")
    loss_ended = ctx.date_value("loss_ended_on")
    received = ctx.date_value("claim_received_on") or ctx.today
    limit = next(d for d in deadlines_for_event("acv-compensation-loss-ended", loss_ended,
                                                regime=ctx.case.regime_version)
                 if d.rule_code == "acv_compensation_claim_due")
    if received > limit.due_date and not ctx.value("late_claim_note"):
        ctx.refuse(f"The claim arrived on {received.isoformat()}, after the 13-week limit "
                   f"({limit.due_date.isoformat()}, reg 14(3)); the limit is strictly applied. Record a note only "
                   "if there is a reason to treat it as in time.")
    if received < loss_ended:
        ctx.refuse("The claim cannot arrive before the loss ended: check the dates.")


def _guard_review_request(ctx: Context) -> None:
    due = ctx.deadline("acv_compensation_review_request_due")
    received = ctx.date_value("request_received_on") or ctx.today
    if due is None or received > due.effective_due:
        ctx.refuse("The 8 weeks for asking for a review of the compensation decision have passed"
                   + (f" (the last day was {due.effective_due.isoformat()})." if due else "."))


def _outcome(outcome: str):
    def effect(ctx: Context) -> None:
        ctx.case.data["outcome"] = outcome
        ctx.case.data["decision_date"] = ctx.today.isoformat()
    return effect


STATES = {
    NEW: "Not started",
    "claim_received": "Claim received",
    "decided": "Claim decided",
    "under_review": "Review requested",
    "review_decided": "Review decided",
    "under_appeal": "Appeal to the tribunal",
    "closed": "Closed",
}
OUTCOMES = {"paid_in_full": "Paid in full", "paid_in_part": "Paid in part", "refused": "Refused"}

TRANSITIONS = (
    Transition("receive_claim", "Record a compensation claim", (NEW,), "claim_received", "compensation.record",
               (Field("claim_received_on", "Date the written claim was received", "date"),
                Field("loss_ended_on", "Date the loss or expense finished being incurred", "date"),
                Field("amount_claimed_gbp", "Amount claimed (£)", "integer", private=True),
                Field("claimant_details", "Claimant and evidence", "textarea", private=True),
                Field("late_claim_note", "Why a late claim is treated as in time", "textarea", required=False,
                      private=True)),
               starts="acv-compensation-loss-ended", anchor="loss_ended_on",
               meets=("acv_compensation_claim_due",), guard=_guard_claim),
    Transition("decide_claim", "Decide the claim", ("claim_received",), "decided", "compensation.decide",
               (Field("decision_outcome", "Outcome", "choice", choices=OUTCOMES),
                Field("amount_paid_gbp", "Amount to be paid (£)", "integer", required=False, private=True)),
               reasons=True, starts="acv-compensation-decision-sent", effect=_outcome("decided"),
               records_decision=True),
    Transition("request_review", "Record the owner's request for a review", ("decided",), "under_review",
               "compensation.record", (Field("request_received_on", "Date the request was received", "date"),),
               meets=("acv_compensation_review_request_due",), guard=_guard_review_request),
    Transition("decide_review", "Decide the review", ("under_review",), "review_decided", "compensation.review",
               (Field("decision_outcome", "Outcome", "choice", choices=OUTCOMES),
                Field("amount_paid_gbp", "Amount to be paid (£)", "integer", required=False, private=True)),
               reasons=True, different_person=True, effect=_outcome("reviewed")),
    Transition("record_appeal", "Record an appeal to the First-tier Tribunal", ("review_decided",), "under_appeal",
               "compensation.record", (Field("tribunal_reference", "Tribunal reference", public=True),)),
    Transition("close", "Close the claim", ("decided", "review_decided", "under_appeal"), "closed",
               "compensation.record", reasons=True),
)

PROCESS = Process(
    code="compensation",
    label="Compensation claim (listed land)",
    reference_prefix="CMP",
    states=STATES,
    terminal=frozenset({"closed"}),
    transitions=TRANSITIONS,
    live_status={},
    regimes=("LA2011", "EDCEA2026"),
)
