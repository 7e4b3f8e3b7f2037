"""Selling listed land: the moratorium (England). Localism Act 2011 ss.95-98; domain spec §2.3-2.4, §2.6 B.

A moratorium case is a child of a listed ACV case. It starts when the council
receives the owner's notice of intent to dispose (all three periods run from
that day): a 6-week interim moratorium, in which an eligible community
interest group (reg 12) may ask in writing to be treated as a potential
bidder; if one does, a 6-month full moratorium; and an 18-month protected
period. While a moratorium runs, a relevant disposal to anyone but a
community interest group is refused. Exempt disposals (s.95(5), Sch 3) are
recorded with their code; the council records, it does not adjudicate.
"""

from __future__ import annotations

from .. import db
from ..permissions import declare
from . import cases
from ..organisations import organisation_facts
from .acv import records_published_decisions
from .eligibility import CIG_FORMS, CIG_NON_DISTRIBUTING, cig_eligibility  # noqa: F401  (moratorium.cig_eligibility)
from .declarations import NEW, Context, Field, Process, Transition

_OFFICERS = {"council_officer", "council_decision_maker"}
declare("moratorium.record", roles=_OFFICERS, scope="authority",
        description="Record an owner's disposal notice, an exempt disposal, the end of a period or a disposal")
declare("moratorium.request_to_bid", roles={"community_group_rep"} | _OFFICERS,
        scope={"community_group_rep": "organisation", "council_officer": "authority",
               "council_decision_maker": "authority"},
        description="Ask (for one's own group), or record a written request, to be treated as a potential bidder")

EXEMPTIONS = {
    "gift": "A gift (including to trustees)",
    "personal_representatives": "By personal representatives under a will or intestacy, or to pay debts and costs",
    "family": "Between family members",
    "part_listed": "Part-listed land of a single owner (contiguous land)",
    "business_going_concern": "Sale of a business as a going concern together with the land",
    "court_order": "Under a court or tribunal order",
    "separation": "Under a separation or divorce agreement",
    "incapacity": "For incapacity purposes",
    "s106_option_preemption": "Under a s.106 obligation, option, pre-emption or first-refusal right made before listing",
    "church_of_england": "Closed Church of England church",
    "health_service": "To continue health service provision",
    "schools": "Land for schools, further education institutions or 16-19 academies",
    "statutory_requirement": "Under a statutory requirement that could not be met if the moratorium applied",
    "trusts_partnerships": "Changes of trustees or partners",
    "compulsory_purchase": "Statutory compulsory purchase",
}
DISPOSAL_TYPES = {
    "freehold_sale": "Freehold sale with vacant possession",
    "lease_grant": "Grant of a qualifying lease (25 years or more) with vacant possession",
    "lease_assignment": "Assignment of a qualifying lease with vacant possession",
}
BUYER_TYPES = {"community_interest_group": "A community interest group", "other": "Anyone else"}
MORATORIUM_STATES = ("interim_moratorium", "full_moratorium")


def _request_target(case, data) -> dict:
    raw = data.get("organisation_id")
    try:
        organisation_id = int(raw) if raw not in (None, "") else None
    except (TypeError, ValueError):
        organisation_id = None
    return {"organisation_id": organisation_id, "authority_code": case.authority_code}


def _guard_notice(ctx: Context) -> None:
    parent = db.session.get(cases.Case, ctx.case.parent_case_id) if ctx.case.parent_case_id else None
    if parent is None or parent.process != "acv" or parent.state not in ("listed", "under_review", "under_appeal"):
        ctx.refuse("A disposal notice can be recorded only against land on the list of assets of community value.")
    received = ctx.date_value("notice_received_on") or ctx.effective_date
    for sibling in cases.children_of(parent.id):
        if sibling.process != "moratorium" or sibling.id == ctx.case.id:
            continue
        if sibling.state in ("interim_moratorium", "full_moratorium", "free_to_dispose"):
            protected = next((d for d in sibling.deadlines if d.rule_code == "acv_protected_period_end"), None)
            if protected is not None and received <= protected.effective_due:
                ctx.refuse(f"A notice received on {sibling.data.get('notice_received_on')} already runs "
                           f"(case {sibling.reference}); its protected period ends on "
                           f"{protected.effective_due.isoformat()}, and no new moratorium can start before then.")


def _guard_request(ctx: Context) -> None:
    interim = ctx.deadline("acv_interim_moratorium_end")
    requested = ctx.date_value("request_received_on") or ctx.effective_date
    if interim is None or requested > interim.effective_due:
        ctx.refuse("The interim moratorium has ended"
                   + (f" (its last day was {interim.due_date.isoformat()})" if interim else "")
                   + ": a request to be treated as a potential bidder can no longer start the full moratorium.")
    facts = organisation_facts(ctx.values.get("organisation_id"))
    if not facts and records_published_decisions(ctx.actor) and ctx.values.get("interested_group"):
        return  # the council's published list names the group that triggered the full moratorium
    ctx.values.pop("interested_group", None)  # otherwise the group is the organisation chosen
    if not facts:
        ctx.refuse("Choose the community interest group making the request.")
    neighbours = cases.neighbouring_authorities(ctx.case.authority_code) if facts.get("area_code") else set()
    problems = cig_eligibility(facts, ctx.case.authority_code, neighbours)
    if problems:
        ctx.refuse(f"{facts['name']} cannot ask to be treated as a potential bidder: " + "; ".join(problems) + ".")
    ctx.case.data["interested_group"] = facts["name"]


def _guard_period_over(rule_code: str, what: str):
    def guard(ctx: Context) -> None:
        row = ctx.deadline(rule_code)
        if row is not None and ctx.today <= row.effective_due:
            ctx.refuse(f"The {what} runs until {row.effective_due.isoformat()}.")
    return guard


def _guard_disposal(ctx: Context) -> None:
    buyer = ctx.values.get("buyer_type")
    on = ctx.date_value("disposal_date") or ctx.effective_date
    if ctx.case.state in MORATORIUM_STATES and buyer != "community_interest_group":
        label = ctx.process.state_label(ctx.case.state).lower()
        ctx.refuse(f"The land is in the {label}: a relevant disposal may be made only to a community interest "
                   "group until the moratorium ends (Localism Act 2011 s.95).")
    if buyer != "community_interest_group":  # s.95 on the date of the disposal, whatever the case reads today
        from .prohibitions import check_disposal

        check_disposal(ctx.case.asset_id, on)
    protected = ctx.deadline("acv_protected_period_end")
    if buyer != "community_interest_group" and protected is not None and on > protected.effective_due:
        ctx.refuse(f"The protected period ended on {protected.effective_due.isoformat()}: the owner must give a "
                   "new notice before selling (s.95, condition C).")
    if buyer == "community_interest_group":
        ctx.case.data["to_community"] = True


def _to_state_by_buyer(ctx: Context) -> None:
    if ctx.values.get("buyer_type") == "community_interest_group":
        ctx.case.state = "disposed_to_community"


STATES = {
    NEW: "Not started",
    "interim_moratorium": "Interim moratorium",
    "full_moratorium": "Full moratorium",
    "free_to_dispose": "Moratorium over: the owner may sell",
    "disposed": "Sold or leased",
    "disposed_to_community": "Sold or leased to a community interest group",
    "protected_period_expired": "Protected period ended",
    "exempt_disposal_recorded": "Exempt disposal recorded",
    "notice_withdrawn": "Notice withdrawn",
}

_ALL_LIVE = ("interim_moratorium", "full_moratorium", "free_to_dispose")

TRANSITIONS = (
    Transition("receive_notice", "Record the owner's notice of intent to dispose", (NEW,), "interim_moratorium",
               "moratorium.record",
               (Field("notice_received_on", "Date the council received the notice", "date"),
                Field("disposal_type", "What the owner intends", "choice", choices=DISPOSAL_TYPES)),
               starts="acv-disposal-notice-received", anchor="notice_received_on", guard=_guard_notice),
    Transition("record_exempt_disposal", "Record an exempt disposal", (NEW,), "exempt_disposal_recorded",
               "moratorium.record",
               (Field("exemption_code", "Exemption claimed", "choice", choices=EXEMPTIONS),
                Field("disposal_date", "Date of the disposal", "date", required=False)),
               reasons=True),
    Transition("request_to_bid", "Ask to be treated as a potential bidder", ("interim_moratorium",),
               "full_moratorium", "moratorium.request_to_bid",
               (Field("organisation_id", "Community interest group", "integer", required=False),
                Field("request_received_on", "Date the written request was received", "date", required=False),
                Field("interested_group", "Community interest group (as the council's list names it)",
                      required=False, public=True,
                      hint="Only when importing a council's list: otherwise choose the group.")),
               anchor="request_received_on", meets=("acv_interim_moratorium_end",), guard=_guard_request,
               target=_request_target),
    Transition("end_interim", "Record that the interim moratorium ended with no request", ("interim_moratorium",),
               "free_to_dispose", "moratorium.record", meets=("acv_interim_moratorium_end",),
               closes=("acv_full_moratorium_end",),
               guard=_guard_period_over("acv_interim_moratorium_end", "interim moratorium"), system=True),
    Transition("end_full", "Record that the full moratorium ended", ("full_moratorium",), "free_to_dispose",
               "moratorium.record", meets=("acv_full_moratorium_end",),
               guard=_guard_period_over("acv_full_moratorium_end", "full moratorium"),
               system=True),
    Transition("record_disposal", "Record the sale or lease", _ALL_LIVE, "disposed", "moratorium.record",
               (Field("disposal_date", "Date contracts were exchanged or the lease granted", "date"),
                Field("buyer_type", "Who bought it", "choice", choices=BUYER_TYPES),
                Field("price_gbp", "Price (optional)", "integer", required=False)),
               anchor="disposal_date", guard=_guard_disposal, effect=_to_state_by_buyer),
    Transition("expire_protected", "Record that the protected period ended", ("free_to_dispose",),
               "protected_period_expired", "moratorium.record", meets=("acv_protected_period_end",),
               guard=_guard_period_over("acv_protected_period_end", "protected period"), system=True),
    Transition("withdraw_notice", "Record that the owner withdrew the notice", _ALL_LIVE, "notice_withdrawn",
               "moratorium.record", reasons=True),
)

PROCESS = Process(
    code="moratorium",
    label="Disposal of listed land (moratorium)",
    reference_prefix="MOR",
    states=STATES,
    terminal=frozenset({"disposed", "disposed_to_community", "protected_period_expired",
                        "exempt_disposal_recorded", "notice_withdrawn"}),
    transitions=TRANSITIONS,
    live_status={"interim_moratorium": "in_moratorium", "full_moratorium": "in_moratorium",
                 "disposed_to_community": "transferred"},
    regimes=("LA2011", "EDCEA2026"),
)
