"""Scottish asset transfer requests: Community Empowerment (Scotland) Act 2015, Part 5.

Domain spec §5.1-5.2. A community transfer body (s.77, s.19) asks a relevant
authority in Scotland for ownership, a lease or other rights over land it owns
or leases (s.79). The request counts as made on the *validation date*
(SSI 2016/357 reg 5); the authority must issue a decision notice within
6 months of it or a longer period agreed with the body *before* the period
ends (s.82(7), reg 10). A missing decision is a deemed refusal. Review or
appeal runs for 20 working days in Scotland from the decision notice, or from
the end of the decision period, by the route that fits the authority:

* a local authority: review by the authority (s.86), then appeal to Scottish
  Ministers (s.88), which runs from the review decision;
* Scottish Ministers: review by Ministers (s.87), no appeal;
* any other relevant authority: appeal to Scottish Ministers (s.85).

An agreed request's decision notice sets an offer deadline at least 6 months
after the notice; the body's offer (s.83), the contract and completion follow.
While a valid request exists the authority may not dispose of the land to
anyone else (s.84) unless it was already advertised or under negotiation.
The authority may decline a request for the same land and the same type of
transfer as one refused in the previous 2 years (s.93): :func:`repeat_refusal`.

Assumptions: [U] the representation window (reg 8) is not modelled as a
deadline. [U] A decision notice dated after the decision period has ended is
refused here (the request is then deemed refused, and review or appeal is the
way on); confirm against s.85-s.88 before relying on it.

This module is the declaration (who may act, the states, the steps and their fields); the guards
and effects the steps name are scottish_atr_guards.py's.
"""


from __future__ import annotations

from dataclasses import replace
from datetime import date

from sqlalchemy.orm.attributes import flag_modified

from ..permissions import declare
from . import scottish_atr_guards as guards
from .declarations import NEW, Context, Field, Process, Transition
from .scottish_atr_guards import (  # noqa: F401  (the checks, as scottish_atr.X for callers)
    REFUSED_DECISIONS,
    REVIEW_APPEAL_RULES,
    VALID_REQUEST_STATES,
    disposal_prohibited_by,
    repeat_refusal,
)
from .scottish_atr_terms import (  # noqa: F401  (the Act's vocabularies and pure rules, likewise)
    APPEAL_OUTCOMES,
    AUTHORITY_TYPES,
    NOT_COMMUNITY_CONTROLLED,
    OWNERSHIP_FORMS,
    OWNERSHIP_MIN_MEMBERS,
    PROCESS_CODE,
    REVIEW_OUTCOMES,
    ROUTES,
    S82_FACTORS,
    TRANSFER_TYPES,
    authority_type_for,
    earliest_offer_deadline,
    review_route,
    transfer_body_eligibility,
)

# ------------------------------------------------------------------ who may act

_OFFICERS = {"council_officer", "council_decision_maker"}
_BODY_OR_OFFICER = {"community_group_rep": "organisation", "council_officer": "authority",
                    "council_decision_maker": "authority"}
declare("atr.request", roles={"community_group_rep"} | _OFFICERS, scope=_BODY_OR_OFFICER,
        description="Make, withdraw or take forward an asset transfer request for one's own community transfer "
                    "body, or record the body's written step (Scotland)")
declare("atr.validate", roles=_OFFICERS, scope="authority",
        description="Validate an asset transfer request, give notice, assess it and agree extensions (Scotland)")
declare("atr.decide", roles={"council_decision_maker"}, scope="authority",
        description="Agree or refuse an asset transfer request (CE(S)A 2015 s.82)")
declare("atr.review", roles={"reviewer"} | _OFFICERS, scope="authority",
        description="Decide a s.86 review (a reviewer who took no part), or record Ministers' s.87 review")
declare("atr.record", roles=_OFFICERS, scope="authority",
        description="Record appeals and their outcome, the offer lapsing, the contract and completion (Scotland)")

STATES = {
    NEW: "Not started",
    "pre_application": "Pre-application discussion",
    "received": "Request received, being checked",
    "received_incomplete": "Incomplete: more information asked for",
    "validated": "Valid request: acknowledged",
    "notified_and_published": "Notice given and published; representations invited",
    "assessment": "Being assessed",
    "decision_extension_agreed": "Decision period extended by agreement",
    "agreed": "Agreed: awaiting the body's offer",
    "refused": "Refused",
    "deemed_refused": "Deemed refused (no decision in time)",
    "under_review": "Under review",
    "under_appeal": "Appeal to the Scottish Ministers",
    "offer_made": "Offer made",
    "offer_lapsed": "Ended: no offer by the deadline",
    "contract_concluded": "Contract concluded",
    "completed": "Transfer completed",
    "refusal_final": "Refused (no further review or appeal)",
    "withdrawn": "Withdrawn",
    "declined_repeat_s93": "Declined: repeat of a request refused in the last 2 years (s.93)",
}

_BEFORE_DECISION = ("validated", "notified_and_published", "assessment", "decision_extension_agreed")
_DECIDABLE = ("assessment", "decision_extension_agreed")
_DECIDED = ("agreed", "refused", "deemed_refused")
_WITHDRAWABLE = ("pre_application", "received", "received_incomplete", *_BEFORE_DECISION, "agreed", "refused",
                 "deemed_refused", "under_review", "under_appeal", "offer_made")

_REQUEST_FIELDS = (
    Field("transfer_type", "What the body asks for", "choice", choices=TRANSFER_TYPES),
    Field("land_description", "The land or building, and its boundaries", "textarea", public=True),
    Field("reasons_for_request", "Why the body makes the request", "textarea"),
    Field("expected_benefits", "The benefits the body expects", "textarea"),
    Field("proposed_price", "The price or rent the body would pay", hint="For example '£45,000' or '£1 a year'."),
    Field("other_terms", "Other terms (such as the length of a lease)", "textarea", required=False),
    Field("funding", "How the project will be funded", "textarea"),
    Field("community_support", "The level and nature of community support", "textarea"),
    Field("received_on", "Date the authority received the request", "date", required=False),
    Field("contact_address", "The body's contact address", "textarea", private=True),
)
_NOTICE_DATE = Field("decision_notice_date", "Date of the decision notice", "date")
_OFFER_DEADLINE = Field("offer_deadline", "Date by which the body must make its offer", "date", required=False,
                        hint="At least 6 months after the decision notice.")
_TERMS = Field("terms_and_conditions", "Terms and conditions (including any discount-protection clauses)",
               "textarea", required=False)

TRANSITIONS = (
    Transition("start_pre_application", "Start a pre-application discussion", (NEW,), "pre_application",
               "atr.request", (Field("outline_proposal", "Outline of the proposal", "textarea"),),
               guard=guards.guard_pre_application),
    Transition("submit_request", "Make an asset transfer request", (NEW, "pre_application"), "received",
               "atr.request", _REQUEST_FIELDS, guard=guards.guard_submit, effect=guards.effect_submit),
    Transition("record_incomplete", "Tell the body what information is missing", ("received",),
               "received_incomplete", "atr.validate",
               (Field("missing_items", "What is missing", "textarea"),
                Field("notice_sent_on", "Date the notice was sent", "date"))),
    Transition("validate", "Validate the request and send the acknowledgement", ("received", "received_incomplete"),
               "validated", "atr.validate",
               (Field("validation_date", "Validation date (the day the last required information arrived)", "date"),
                Field("authority_type", "Kind of relevant authority", "choice", choices=AUTHORITY_TYPES,
                      required=False, hint="Decides the route of review or appeal. Default: from the authority."),
                Field("already_advertised_or_in_negotiation",
                      "The land was already advertised for sale or lease, or under negotiation (s.84 does not "
                      "apply)", "boolean", required=False),
                Field("other_requests", "Other requests for the same land", "textarea", required=False)),
               starts="atr-validated", anchor="validation_date", guard=guards.guard_validate, effect=guards.effect_validate),
    Transition("decline_repeat_s93", "Decline: it repeats a request refused in the last 2 years (s.93)",
               ("received", "received_incomplete", "validated"), "declined_repeat_s93", "atr.validate",
               reasons=True, guard=guards.guard_decline_repeat),
    Transition("notify_and_publish", "Record the notices (reg 6) and publication (reg 7)",
               ("validated", "decision_extension_agreed"), "notified_and_published", "atr.validate",
               (Field("notices_sent_on", "Date notice went to owners, tenants and occupiers", "date"),
                Field("published_on", "Date the request was published", "date"),
                Field("owners_tenants_occupiers", "Owners, tenants and occupiers notified", "textarea",
                      required=False, private=True))),
    Transition("record_representations", "Record representations and the body's comments",
               ("notified_and_published",), "notified_and_published", "atr.validate",
               (Field("representations", "Representations received", "textarea"),
                Field("body_comments", "The body's comments on them (reg 8)", "textarea", required=False))),
    Transition("begin_assessment", "Start the assessment", ("notified_and_published", "decision_extension_agreed"),
               "assessment", "atr.validate",
               (Field("assessment_scores", "Assessment against the s.82(3) matters", "textarea", required=False),
                Field("market_value_gbp", "Market value (joint valuation)", "integer", required=False),
                Field("alternative_proposals", "Alternative proposals", "textarea", required=False))),
    Transition("agree_extension", "Record a longer decision period agreed with the body",
               (*_BEFORE_DECISION, "deemed_refused"),
               "decision_extension_agreed", "atr.validate",
               (Field("new_decision_due", "New last day for the decision notice", "date"),
                Field("agreed_on", "Date the body agreed", "date")),
               reasons=True, guard=guards.guard_extension, effect=guards.effect_extension),
    Transition("agree", "Agree the request", _DECIDABLE, "agreed", "atr.decide",
               (_NOTICE_DATE, _OFFER_DEADLINE, _TERMS), reasons=True,
               starts="atr-decision-notice-sent", anchor="decision_notice_date", meets=("atr_decision_notice_due",),
               guard=guards.guard_agree, effect=guards.effect_agree, records_decision=True),
    Transition("refuse", "Refuse the request", _DECIDABLE, "refused", "atr.decide",
               (_NOTICE_DATE,
                Field("refusal_factors", "The s.82(3) matters the reasons rest on", "choices", choices=S82_FACTORS)),
               reasons=True, anchor="decision_notice_date", meets=("atr_decision_notice_due",),
               guard=guards.guard_refuse, effect=guards.effect_refuse, records_decision=True),
    Transition("deem_refused", "Record the deemed refusal (no decision notice in time)", _BEFORE_DECISION,
               "deemed_refused", "atr.validate", starts="atr-decision-period-expired",
               guard=guards.guard_deem_refused, effect=guards.effect_deem_refused, system=True),
    Transition("request_review", "Record the body's application for a review", _DECIDED, "under_review",
               "atr.request",
               (Field("filed_on", "Date the application was made", "date"),
                Field("grounds", "The body's grounds", "textarea", required=False)),
               anchor="filed_on", meets=("atr_review_or_appeal_due", "atr_deemed_refusal_review_or_appeal_due"),
               closes=("atr_offer_due", "atr_offer_deadline_earliest"),
               guard=guards.guard_request_review, effect=guards.effect_request_review),
    Transition("review_agree", "Decide the review: agree the request", ("under_review",), "agreed", "atr.review",
               (Field("review_outcome", "Outcome", "choice", choices=REVIEW_OUTCOMES),
                Field("review_decision_date", "Date of the review decision", "date"), _OFFER_DEADLINE, _TERMS),
               reasons=True, anchor="review_decision_date", different_person=True,
               guard=guards.guard_review_decision(True), effect=guards.effect_review_decision(True)),
    Transition("review_refuse", "Decide the review: refuse the request", ("under_review",), "refused",
               "atr.review",
               (Field("review_outcome", "Outcome", "choice", choices=REVIEW_OUTCOMES),
                Field("review_decision_date", "Date of the review decision", "date")),
               reasons=True, anchor="review_decision_date", different_person=True,
               guard=guards.guard_review_decision(False), effect=guards.effect_review_decision(False)),
    Transition("lodge_appeal", "Record the body's appeal to the Scottish Ministers", _DECIDED, "under_appeal",
               "atr.request",
               (Field("filed_on", "Date the appeal was made", "date"),
                Field("dpea_reference", "Ministers' (DPEA) reference", required=False, public=True)),
               anchor="filed_on", meets=REVIEW_APPEAL_RULES, closes=("atr_offer_due", "atr_offer_deadline_earliest"),
               guard=guards.guard_appeal, effect=guards.effect_appeal),
    Transition("appeal_agree", "Record the Ministers' decision: the request is agreed", ("under_appeal",), "agreed",
               "atr.record",
               (Field("appeal_outcome", "Outcome", "choice", choices=APPEAL_OUTCOMES),
                Field("appeal_decision_date", "Date of the Ministers' decision", "date"), _OFFER_DEADLINE, _TERMS),
               reasons=True, anchor="appeal_decision_date", guard=guards.guard_appeal_agree,
               effect=guards.effect_appeal_decision(True)),
    Transition("appeal_refuse", "Record the Ministers' decision: the request is refused", ("under_appeal",),
               "refusal_final", "atr.record",
               (Field("appeal_outcome", "Outcome", "choice", choices=APPEAL_OUTCOMES),
                Field("appeal_decision_date", "Date of the Ministers' decision", "date")),
               reasons=True, anchor="appeal_decision_date", effect=guards.effect_appeal_decision(False)),
    Transition("close_refusal", "Close the refusal: no review or appeal in time", ("refused", "deemed_refused"),
               "refusal_final", "atr.record", guard=guards.guard_refusal_final, effect=guards.concluded, system=True),
    Transition("make_offer", "Record the body's offer (s.83)", ("agreed",), "offer_made", "atr.request",
               (Field("offer_date", "Date of the offer", "date"),
                Field("offer_terms", "Terms of the offer", "textarea", required=False)),
               anchor="offer_date", meets=("atr_offer_due",),
               closes=("atr_offer_deadline_earliest", "atr_review_or_appeal_due", "atr_ministers_appeal_due"),
               guard=guards.guard_offer),
    Transition("lapse_offer", "End the request: no offer by the deadline", ("agreed",), "offer_lapsed",
               "atr.record", guard=guards.guard_lapse, effect=guards.concluded, system=True),
    Transition("conclude_contract", "Record the concluded contract (missives or lease)", ("offer_made",),
               "contract_concluded", "atr.record",
               (Field("contract_date", "Date missives were concluded or the lease signed", "date"),
                Field("title_number", "Land Register title number", required=False, public=True))),
    Transition("complete", "Record completion of the transfer", ("contract_concluded",), "completed", "atr.record",
               (Field("completion_date", "Date of completion (entry)", "date"),
                Field("completed_transfer_type", "What was transferred", "choice", choices=TRANSFER_TYPES,
                      required=False,
                      hint="Feeds the annual report (s.95). Default: what was asked for.")),
               effect=guards.effect_complete),
    Transition("withdraw", "Withdraw the request", _WITHDRAWABLE, "withdrawn", "atr.request", reasons=True,
               effect=guards.concluded),
)



def _saving(effect):
    """Effects change ``case.data`` in place, after reads that may autoflush: mark it changed so it is saved."""
    def run(ctx: Context) -> None:
        effect(ctx)
        flag_modified(ctx.case, "data")
    return run


TRANSITIONS = tuple(replace(t, effect=_saving(t.effect)) if t.effect else t for t in TRANSITIONS)

PROCESS = Process(
    code=PROCESS_CODE,
    label="Asset transfer request (Scotland)",
    reference_prefix="ATR",
    states=STATES,
    terminal=frozenset({"offer_lapsed", "completed", "refusal_final", "withdrawn", "declined_repeat_s93"}),
    transitions=TRANSITIONS,
    live_status={**{s: "under_consideration" for s in ("received", "received_incomplete", *VALID_REQUEST_STATES)},
                 "completed": "transferred"},
    regimes=("CESA2015",),
    public_states_hidden=frozenset({"pre_application"}),
)


def expire_overdue(today: date) -> list[tuple[str, str]]:
    """Take this process's automatic steps whose time has come: deemed refusals, lapsed offers, final refusals.

    The Scottish-only entry point to the engine's ``run_clocks``. Flushes; the caller commits.
    """
    from . import engine  # the engine reads this declaration, so it is imported when first needed

    return engine.run_clocks(today, processes=(PROCESS_CODE,))
