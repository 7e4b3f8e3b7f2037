"""Right to buy land to further sustainable development: LR(S)A 2016 Part 5 (domain spec §6.3).

A compulsory right. Before applying, the community body (a company limited
by guarantee, SCIO or BenCom with at least 10 members, three-quarters of them
from the community) must send the owner a written request to buy at least 6
months before the application, and hold a ballot no earlier than 6 months
before it. The application goes on RoACBL (a prohibition on dealing); the
parties have 60 days to give views, then the body 60 days to reply; Ministers
decide. The whole takes at least 18 months. Homes, croft land and bona
vacantia are excluded. The RoS status is its own record
(``registry.workflow.ros_status``).

Clocks: ``rules._LRSA2016`` (all [P], from gov.scot guidance; configurable).
"""

from __future__ import annotations

from collections.abc import Mapping

from . import ministers_consent as ministers
from .community_right_to_buy import community_body_eligibility
from .declarations import NEW, Context, Field, Process, Transition

PROCESS_CODE = "sustainable_development_right_to_buy"


def part5_body_eligibility(org: Mapping) -> list[str]:
    """Why this body may NOT apply under Part 5, in plain words: empty means it may. Pure (domain §6.3).

    Part 2's tests, and three-quarters of its members from the community (Part 5's stricter share).
    """
    problems = [p for p in community_body_eligibility(org) if not p.startswith("most of its members")]
    members, local = org.get("member_count"), org.get("local_member_count")
    if members and (local is None or local * 4 < members * 3):
        problems.append("at least three-quarters of its members must be members of the community; "
                        + ("its record does not say how many are" if local is None
                           else f"{local} of its {members} are"))
    return problems


def _guard_body(ctx: Context) -> None:
    ministers.require_scottish_body(ctx, "The Part 5 right to buy", part5_body_eligibility,
                                    "{name} cannot use the Part 5 right to buy: {problems}.")


def _guard_application_dates(ctx: Context) -> None:
    applied = ctx.date_value("application_date")
    earliest = ctx.deadline("p5_application_earliest")
    latest = ctx.deadline("p5_application_latest")
    if earliest is None or latest is None:
        ctx.refuse("Record the written request to the owner and the ballot before the application.")
    if applied < earliest.effective_due:
        ctx.refuse(f"The application is dated {applied.isoformat()}: the written request to the owner must be at "
                   f"least 6 months before it, so it can be made on or after {earliest.effective_due.isoformat()}.")
    if applied > latest.effective_due:
        ctx.refuse(f"The application is dated {applied.isoformat()}: the ballot must be no earlier than 6 months "
                   f"before it, so the last day was {latest.effective_due.isoformat()}. Hold a new ballot.")


STATES = {
    NEW: "Not started",
    "preparing": "Written request sent to the owner",
    "balloted": "Ballot held",
    "applied": "Application made to Ministers (RoACBL)",
    "views": "Parties invited to give views",
    **ministers.STATES,
    "withdrawn": "Withdrawn",
}

_BALLOT = (Field("ballot_date", "Date of the ballot (its last day)", "date"),
           Field("votes_for", "Votes for", "integer"), Field("votes_against", "Votes against", "integer"),
           Field("eligible_voters", "People eligible to vote", "integer"))

TRANSITIONS = (
    Transition("record_owner_request", "Record the written request to the owner to buy the land", (NEW,),
               "preparing", "crtb.record",
               (Field("request_sent_on", "Date the request was sent", "date"),
                Field("land_description", "The land", "textarea")),
               starts="p5-owner-request-sent", anchor="request_sent_on", guard=_guard_body),
    Transition("record_ballot", "Record the community ballot", ("preparing", "balloted"), "balloted",
               "crtb.record", _BALLOT, starts="p5-ballot-held", anchor="ballot_date",
               closes=("p5_application_latest",)),
    Transition("record_application", "Record the application to Ministers and its RoACBL entry", ("balloted",),
               "applied", "crtb.record",
               (Field("application_date", "Date of the application", "date"),
                Field("ros_reference", "Registers of Scotland (RoACBL) reference")),
               anchor="application_date", guard=_guard_application_dates,
               meets=("p5_application_earliest", "p5_application_latest")),
    Transition("record_views_invited", "Record that Ministers invited views on the application", ("applied",),
               "views", "crtb.record", (Field("invited_on", "Date Ministers invited views", "date"),),
               starts="p5-views-invited", anchor="invited_on"),
    ministers.views_sent("p5", meets=("p5_views_due",)),
    ministers.reply("p5"),
    ministers.consent(("awaiting_decision",)),
    ministers.refusal(("awaiting_decision",)),
    ministers.COMPLETION,
    ministers.withdraw("Withdraw", ("preparing", "balloted", "applied", "views", "reply", "awaiting_decision")),
)

PROCESS = Process(
    code=PROCESS_CODE,
    label="Right to buy to further sustainable development (Scotland)",
    reference_prefix="P5",
    states=STATES,
    terminal=ministers.TERMINAL,
    transitions=TRANSITIONS,
    live_status=ministers.LIVE_STATUS,
    regimes=("LRSA2016",),
)
