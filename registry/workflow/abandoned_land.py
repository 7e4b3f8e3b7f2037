"""Right to buy abandoned, neglected or detrimental land: LR(S)A 2003 Part 3A (domain spec §6.2).

A compulsory right (no willing seller). Eligible land is wholly or mainly
abandoned or neglected, or its use or management harms the community's
environmental wellbeing; homes, Crown or UK-government land and the mineral
rights the Act names are excluded. The community body must already have
tried to buy the land and failed. Ministers send the application to the owner
and the creditors (creditors have 60 days to report calling-up or default
notices) and enter it in the Register of Applications by Community Bodies to
Buy Land (RoACBL), kept by Registers of Scotland; its RoS status is its own
record (``registry.workflow.ros_status``).

Clocks: ``rules._LRSA2003_PART3A``. Only the creditors' 60 days comes from
guidance [P]; the views and reply periods are assumed [U] and configurable.
Ministers' decision, the valuation and completion have no modelled period [U].
"""

from __future__ import annotations

from . import ministers_consent as ministers
from .community_right_to_buy import community_body_eligibility
from .declarations import NEW, Context, Field, Process, Transition

PROCESS_CODE = "abandoned_land_right_to_buy"

GROUNDS = {
    "abandoned": "Wholly or mainly abandoned",
    "neglected": "Wholly or mainly neglected",
    "detrimental": "Its use or management harms the community's environmental wellbeing",
}


def _guard_apply(ctx: Context) -> None:
    ministers.require_scottish_body(ctx, "The community right to buy", community_body_eligibility)
    if not ctx.values.get("tried_to_buy"):
        ctx.refuse("A Part 3A application needs the community body to have tried to buy the land and failed "
                   "(LR(S)A 2003 Part 3A): record that attempt first.")
    if ctx.values.get("excluded_land"):
        ctx.refuse("Homes, Crown or UK-government land and the excluded mineral rights cannot be bought "
                   "under Part 3A.")


STATES = {
    NEW: "Not started",
    "applied": "Application made to Ministers (RoACBL: pending)",
    "views": "Owner and creditors invited to give views",
    **ministers.STATES,
    "withdrawn": "Application withdrawn",
}

_DECIDABLE = ("views", "reply", "awaiting_decision")

TRANSITIONS = (
    Transition("record_application", "Link the Part 3A application to its RoACBL entry", (NEW,), "applied",
               "crtb.record",
               (Field("ros_reference", "Registers of Scotland (RoACBL) reference"),
                Field("application_date", "Date of the application to Ministers", "date"),
                Field("land_description", "The land", "textarea"),
                Field("ground", "Why the land qualifies", "choice", choices=GROUNDS),
                Field("tried_to_buy", "The body tried to buy the land and failed", "boolean", required=False),
                Field("excluded_land", "The land is a home, Crown land or excluded mineral rights", "boolean",
                      required=False)),
               anchor="application_date", guard=_guard_apply),
    Transition("record_notice_to_owner", "Record that Ministers sent the application to the owner and creditors",
               ("applied",), "views", "crtb.record",
               (Field("notified_on", "Date Ministers gave notice", "date"),),
               starts="p3a-application-notified", anchor="notified_on"),
    ministers.views_sent("p3a", meets=("p3a_creditor_report_due", "p3a_views_due")),
    ministers.reply("p3a"),
    ministers.consent(_DECIDABLE, closes=("p3a_creditor_report_due", "p3a_views_due", "p3a_body_reply_due")),
    ministers.refusal(_DECIDABLE),
    ministers.COMPLETION,
    ministers.withdraw("Withdraw the application", ("applied", *_DECIDABLE)),
)

PROCESS = Process(
    code=PROCESS_CODE,
    label="Right to buy abandoned, neglected or detrimental land (Scotland)",
    reference_prefix="P3A",
    states=STATES,
    terminal=ministers.TERMINAL,
    transitions=TRANSITIONS,
    live_status=ministers.LIVE_STATUS,
    regimes=("LRSA2003",),
)
