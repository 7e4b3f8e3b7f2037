"""Community Right to Challenge (England): Localism Act 2011 ss.81-86, SI 2012/1313 and SI 2012/1647.

Domain spec §3. A relevant body expresses interest in running a council
service; the council must tell it within 30 days when it will decide (s.84),
then accept, accept with modifications the body agrees to, or reject on one or
more of the ten prescribed grounds (SI 2012/1647 Schedule). Acceptance starts a
procurement exercise within the council's published window. Every decision is
published with its reasons (the Right to Challenge decisions register).
"""

from __future__ import annotations

from datetime import date

from dateutil.relativedelta import relativedelta

from .. import db
from ..permissions import declare
from . import clocks
from .cases import Deadline
from .declarations import NEW, Context, Field, Process, Transition

_OFFICERS = {"council_officer", "council_decision_maker"}
declare("rtc.submit", roles={"community_group_rep"}, scope="organisation",
        description="Submit, agree or decline modifications to, or withdraw an expression of interest for one's group")
declare("rtc.record", roles=_OFFICERS, scope="authority",
        description="Notify the decision timetable and record the procurement and its outcome")
declare("rtc.decide", roles={"council_decision_maker"}, scope="authority",
        description="Accept, propose modifications to, or reject an expression of interest")

#: SI 2012/1647 Schedule: the only grounds on which an expression of interest may be rejected.
GROUNDS = {
    "G1": "G1: it does not comply with the Act or the regulations",
    "G2": "G2: the information in it is materially inadequate or inaccurate",
    "G3": "G3: the body, a consortium member or a sub-contractor is not suitable",
    "G4": "G4: the council has decided in writing to stop providing the service",
    "G5": "G5: the service is integrated with an NHS service and integration is critical to users' well-being",
    "G6": "G6: the service is already the subject of a procurement exercise",
    "G7": "G7: the council is in written negotiations with a third party to provide the service",
    "G8": "G8: the council has already published its intention to consider an employee-led body",
    "G9": "G9: it is frivolous or vexatious",
    "G10": "G10: accepting it would be likely to breach an enactment, rule of law or statutory duty",
}
RELEVANT_BODIES = {  # s.81(6)
    "voluntary_body": "Voluntary body",
    "community_body": "Community body",
    "charitable_body": "Charitable body or trust",
    "parish_council": "Parish council",
    "employees": "Two or more employees of the council",
}
WINNERS = {"challenger": "The body that made the challenge", "other": "Another provider"}


def _guard_timetable(ctx: Context) -> None:
    # Against the day the council gave the timetable (a step recorded late says which), not the day it is keyed.
    decide_by = ctx.date_value("decision_by")
    if decide_by is not None and decide_by < ctx.anchor_date:
        ctx.refuse("The decision date must be on or after the day the timetable was given (today, unless you "
                   "say it was given earlier).")


def _add_deadline(ctx: Context, code: str, label: str, due: date, actor: str = "council") -> None:
    db.session.add(Deadline(case_id=ctx.case.id, rule_code=code, label=label, anchor_event=f"rtc-{ctx.transition.action}",
                            anchor_date=ctx.anchor_date, due_date=due, actor=actor, status="open"))


def _effect_timetable(ctx: Context) -> None:
    db.session.flush()
    _add_deadline(ctx, "rtc_decision_due", "Decision due (as the council told the body)",
                  date.fromisoformat(ctx.values["decision_by"]))


#: The steps that decide meet the promised date (``meets``): the engine records the row met on the step's
#: effective date, before a terminal state (rejected) would close the open rows as not applicable.
_DECIDES = ("rtc_decision_due",)


def _decision(decision: str):
    def effect(ctx: Context) -> None:
        # The day the decision was made in law (a step recorded late says so), not the day it was keyed.
        ctx.case.data["decision"] = decision
        ctx.case.data["decision_date"] = (ctx.effective_date or ctx.today).isoformat()
    return effect


def _effect_accept(ctx: Context) -> None:
    _decision(ctx.case.data.get("decision_pending") or "accepted")(ctx)
    minimum = ctx.value("procurement_min_months") or 0
    maximum = ctx.value("procurement_max_months")
    if maximum:
        if minimum:
            _add_deadline(ctx, "rtc_procurement_start_earliest", "Earliest start of the procurement exercise",
                          ctx.anchor_date + relativedelta(months=int(minimum)))
        _add_deadline(ctx, "rtc_procurement_start_latest", "Latest start of the procurement exercise",
                      clocks.period_end(ctx.anchor_date, months=int(maximum)))


def _guard_accept(ctx: Context) -> None:
    low, high = ctx.values.get("procurement_min_months"), ctx.values.get("procurement_max_months")
    if low is not None and high is not None and low > high:
        ctx.refuse("The earliest start of the procurement exercise must not be after the latest.")


def _effect_agreed(ctx: Context) -> None:
    ctx.case.data["decision_pending"] = "accepted_with_modifications"
    _effect_accept(ctx)


def _effect_procurement_started(ctx: Context) -> None:
    for row in ctx.open_deadlines.values():
        if row.rule_code in ("rtc_procurement_start_latest", "rtc_procurement_start_earliest"):
            row.status, row.met_at = "met", ctx.anchor_date


STATES = {
    NEW: "Not started",
    "eoi_submitted": "Expression of interest received",
    "timetable_notified": "Under consideration (decision date notified)",
    "modification_proposed": "Modifications proposed to the body",
    "accepted": "Accepted: procurement to follow",
    "rejected": "Rejected",
    "withdrawn": "Withdrawn by the body",
    "procurement_started": "Procurement exercise running",
    "contract_awarded": "Contract awarded",
    "procurement_abandoned": "Procurement abandoned",
}

_PROCUREMENT_WINDOW = (
    Field("procurement_min_months", "Earliest start of procurement (months after the decision)", "integer",
          required=False),
    Field("procurement_max_months", "Latest start of procurement (months after the decision)", "integer",
          required=False),
    Field("publication_url", "Where the decision is published", required=False, public=True),
)

TRANSITIONS = (
    Transition("submit_eoi", "Submit an expression of interest", (NEW,), "eoi_submitted", "rtc.submit",
               (Field("service_name", "The service you want to run", public=True),
                Field("service_area", "The area the service covers", required=False, public=True),
                Field("relevant_body_type", "What kind of body you are (s.81(6))", "choice", choices=RELEVANT_BODIES),
                Field("outcomes", "How you would improve the service and meet users' needs", "textarea",
                      public=True),
                Field("financial_resources", "Your financial resources", "textarea", private=True),
                Field("capability_evidence", "Evidence you will be able to provide the service", "textarea",
                      private=True),
                Field("window_closes_on", "If the council's submission window is open: the day it closes", "date",
                      required=False)),
               starts="rtc-eoi-received", anchor="window_closes_on", anchor_may_be_future=True),
    Transition("notify_timetable", "Tell the body when the decision will be made", ("eoi_submitted",),
               "timetable_notified", "rtc.record", (Field("decision_by", "Decision will be made by", "date"),),
               meets=("rtc_timetable_notice_due",), guard=_guard_timetable, effect=_effect_timetable),
    Transition("accept", "Accept the expression of interest", ("timetable_notified",), "accepted", "rtc.decide",
               _PROCUREMENT_WINDOW, meets=_DECIDES, guard=_guard_accept, effect=_effect_accept,
               records_decision=True),
    Transition("propose_modification", "Propose modifications (instead of rejecting)", ("timetable_notified",),
               "modification_proposed", "rtc.decide",
               (Field("modifications", "The modifications proposed", "textarea", public=True),), reasons=True,
               records_decision=True),
    Transition("agree_modification", "Agree to the modifications", ("modification_proposed",), "accepted",
               "rtc.submit", meets=_DECIDES, effect=_effect_agreed),
    Transition("decline_modification", "Decline the modifications", ("modification_proposed",), "rejected",
               "rtc.submit", reasons=True, meets=_DECIDES, effect=_decision("rejected")),
    Transition("reject", "Reject the expression of interest", ("timetable_notified",), "rejected", "rtc.decide",
               (Field("grounds", "Grounds for rejection (SI 2012/1647 Schedule)", "choices", choices=GROUNDS),
                Field("publication_url", "Where the decision is published", required=False, public=True)),
               reasons=True, meets=_DECIDES, effect=_decision("rejected"), records_decision=True),
    Transition("withdraw", "Withdraw the expression of interest",
               ("eoi_submitted", "timetable_notified", "modification_proposed"), "withdrawn", "rtc.submit"),
    Transition("start_procurement", "Record that the procurement exercise started", ("accepted",),
               "procurement_started", "rtc.record",
               (Field("procurement_reference", "Procurement notice reference (Find a Tender or Contracts Finder)",
                      public=True),),
               effect=_effect_procurement_started),
    Transition("award_contract", "Record the contract award", ("procurement_started",), "contract_awarded",
               "rtc.record",
               (Field("winner", "Who won the contract", "choice", choices=WINNERS),
                Field("contract_start", "Contract start date", "date", required=False)), reasons=False),
    Transition("abandon_procurement", "Record that the procurement was abandoned", ("procurement_started",),
               "procurement_abandoned", "rtc.record", reasons=True),
)

PROCESS = Process(
    code="right_to_challenge",
    label="Community Right to Challenge",
    reference_prefix="RTC",
    states=STATES,
    terminal=frozenset({"rejected", "withdrawn", "contract_awarded", "procurement_abandoned"}),
    transitions=TRANSITIONS,
    live_status={},
    regimes=("LA2011",),
)
