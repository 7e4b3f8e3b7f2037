"""Scottish community right to buy: Land Reform (Scotland) Act 2003, Part 2 (domain spec §6.1).

Registers of Scotland (RoS) is the system of record: the Register of
Community Interests in Land (RCIL) and the Register of Applications by
Community Bodies to Buy Land (RoACBL). A case here is a *link* to one RoS
entry: it stores the RoS register and reference and runs the clocks that can
be computed. The entry's RoS status (``pending``, ``registered``,
``activated``, ``deleted``) is its own record (``registry.workflow.ros_status``),
entered by officers from what RoS shows: it may differ from the case's state
(RoS may lag, or be ahead), and both are held and shown.

* registration lasts 5 years (s.44); it may be re-registered;
* the owner's notice of a proposed transfer (s.48) activates the right;
  Ministers must ask the body to confirm "not later than 7 days after such
  receipt" (s.49(2)): the clock runs from the date Ministers received the
  notice, not the date written on it;
* the body's confirmation must reach Ministers by the date their notice
  specifies, "being a date not later than 30 days after it was sent"
  (s.49(4)): the 30 days run from the day Ministers *sent* the request, not
  the day the body received it; otherwise the body is deemed to have
  declined and the interest is deleted (s.49(4), s.54);
* then the ballot, Ministers' consent (s.51), valuation and completion;
  the owner may withdraw before missives are concluded (s.54(5)).

Every step records what RoS or Ministers did; the case never decides in
their place. [U] The valuation and completion long-stop periods are not
modelled as deadlines (domain §6.1).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm.attributes import flag_modified

from ..permissions import declare
from . import ministers_consent as ministers
from . import ros_status  # noqa: F401  (its permission and table, for every CRtB case)
from .declarations import NEW, Context, Field, Process, Transition

PROCESS_CODE = "community_right_to_buy"

_OFFICERS = {"council_officer", "council_decision_maker"}
declare("crtb.record", roles={"community_group_rep"} | _OFFICERS,
        scope={"community_group_rep": "organisation", "council_officer": "authority",
               "council_decision_maker": "authority"},
        description="Link a community right-to-buy case to its Registers of Scotland entry and record its steps")
declare("crtb.confirm", roles={"community_group_rep"}, scope="organisation",
        description="Confirm, or decline, on behalf of one's own community body that it will buy (s.49)")

REGISTERS = {
    "RCIL": "Register of Community Interests in Land (Part 2)",
    "RoACBL": "Register of Applications by Community Bodies to Buy Land (Parts 3A and 5)",
}
ROS_STATUSES = {"pending": "Pending", "registered": "Registered", "activated": "Activated", "deleted": "Deleted"}
DECLINE_REASONS = {
    "body_declined": "The community body declined to buy",
    "deemed_declined": "No confirmation within 30 days: deemed to have declined (s.49)",
    "ballot_failed": "The community ballot did not approve the purchase",
    "consent_refused": "The Scottish Ministers refused consent (s.51)",
}

#: The RoS status each case state implies. Only a comparison: what RoS actually shows is recorded on its own
#: (``registry.workflow.ros_status``) and may differ.
ROS_STATUS_FOR_STATE = {
    "pending": "pending", "registered": "registered", "activated": "activated",
    "confirmation_requested": "activated", "ballot": "activated", "awaiting_consent": "activated",
    "valuation": "activated", "declined": "deleted", "expired": "deleted", "withdrawn": "deleted",
    "owner_withdrew": "registered",
}

# ------------------------------------------------------------------ eligibility and the ballot, pure

#: §6.1: a company limited by guarantee, a SCIO or a BenCom (with a Ministers' compliance letter).
COMMUNITY_BODY_FORMS = {"CLG_non_distributing", "SCIO", "community_benefit_society"}
#: s.34 (as amended by CE(S)A 2015) [P]: "not fewer than 10 members"; the majority of them members of the
#: community; any surplus applied for the community's benefit. Configurable only by a code change: the
#: Act's text was read in the explanatory notes, not the consolidated section.
MIN_MEMBERS = 10

WHO_MAY_REGISTER = ("A community body may register a community interest in land in Scotland: a company limited by "
                    "guarantee, a Scottish charitable incorporated organisation (SCIO) or a community benefit "
                    "society (BenCom), with a written definition of its community, at least 10 members, most of "
                    "them members of that community, and any surplus used for the community's benefit "
                    "(Land Reform (Scotland) Act 2003, s.34). Community councils, community interest companies "
                    "and unincorporated groups cannot.")


def community_body_eligibility(org: Mapping) -> list[str]:
    """Why this body may NOT register a community interest, in plain words: empty means it may. Pure.

    From the organisation's legal form and recorded facts (``member_count``, ``local_member_count``,
    ``non_distribution_of_surplus``, ``community_definition``); a fact not recorded is a reason, so the
    group knows what to add to its record (domain §6.1; LR(S)A 2003 s.34).
    """
    from ..vocabulary import LEGAL_FORMS

    form = org.get("legal_form")
    if form not in COMMUNITY_BODY_FORMS:
        kind = LEGAL_FORMS.get(form, form or "a body with no legal form recorded")
        return [(f"it is a {kind[0].lower() + kind[1:]}: only a company limited by guarantee, a SCIO or a "
                 "community benefit society can register a community interest (LR(S)A 2003 s.34)")]
    problems = []
    if not (org.get("community_definition") or "").strip():
        problems.append("its record does not define the community it serves (s.34 needs a definition of the "
                        "community, for example by postcode units)")
    members = org.get("member_count")
    if members is None or members < MIN_MEMBERS:
        problems.append(f"it needs at least {MIN_MEMBERS} members; "
                        + ("its record does not say how many it has" if members is None else f"it has {members}"))
    local = org.get("local_member_count")
    if members and (local is None or local * 2 <= members):
        problems.append("most of its members must be members of the community; "
                        + ("its record does not say how many are" if local is None
                           else f"{local} of its {members} are"))
    if not org.get("non_distribution_of_surplus"):
        problems.append("its rules must use any surplus for the community's benefit, not pay it to members")
    return problems


def ballot_approves(votes_for: int, votes_against: int, eligible_voters: int, turnout_judged_sufficient: bool
                    ) -> list[str]:
    """Why a ballot does NOT approve the purchase: empty means it does. Pure (domain §6.1, s.51).

    A majority of those voting, and a turnout of at least half of those
    eligible or one Ministers judge sufficient.
    """
    problems = []
    voted = votes_for + votes_against
    if votes_for * 2 <= voted:
        problems.append(f"a majority of those voting must approve; {votes_for} of {voted} did")
    if voted * 2 < eligible_voters and not turnout_judged_sufficient:
        problems.append(f"turnout was {voted} of {eligible_voters}, under half, and Ministers have not judged it "
                        "sufficient")
    return problems


# ------------------------------------------------------------------ guards and effects


def expected_ros_status(state: str) -> str | None:
    """The RoS status a case in ``state`` would lead one to expect (None: nothing on RoS yet). Pure."""
    return ROS_STATUS_FOR_STATE.get(state)


def _with_mirror(effect=None):
    """The step's own effect; the case no longer copies a RoS status into its data (it is its own record)."""
    def run(ctx: Context) -> None:
        ctx.case.data.pop("ros_status", None)
        if effect:
            effect(ctx)
        flag_modified(ctx.case, "data")  # changed in place, possibly after an autoflush
    return run


def _guard_application(ctx: Context) -> None:
    ministers.require_scottish_body(ctx, "The community right to buy", community_body_eligibility)


def _guard_reregistration(ctx: Context) -> None:
    current = ctx.deadline("crtb_registration_expires")
    new = ctx.date_value("registration_date")
    if current is None:
        ctx.refuse("The case has no running registration to renew.")
    if new <= current.anchor_date:
        ctx.refuse(f"A re-registration must be later than the current registration ({current.anchor_date}).")


def _guard_registration_running(ctx: Context) -> None:
    notice = ctx.date_value("owner_notice_date")
    received = ctx.date_value("owner_notice_received_on")
    if notice and received and received < notice:
        ctx.refuse(f"Ministers cannot have received the owner's notice ({received.isoformat()}) before the date "
                   f"it bears ({notice.isoformat()}): check the two dates.")
    current = ctx.deadline("crtb_registration_expires")
    on = notice or ctx.effective_date
    if current is None or on > current.effective_due:
        ctx.refuse("The registration has ended"
                   + (f" (its last day was {current.effective_due.isoformat()})" if current else "")
                   + ": the owner's notice does not activate the right to buy. Re-register first.")


def _guard_confirm(ctx: Context) -> None:
    due = ctx.deadline("crtb_confirmation_due")
    on = ctx.date_value("confirmed_on")
    if due is not None and on > due.effective_due:
        ctx.refuse(f"The body confirmed on {on.isoformat()}, after the 30 days ended ({due.effective_due.isoformat()}"
                   "): it is deemed to have declined (s.49).")


def _guard_deemed_declined(ctx: Context) -> None:
    due = ctx.deadline("crtb_confirmation_due")
    if due is None or ctx.today <= due.effective_due:
        ctx.refuse("The body may still confirm"
                   + (f" (until {due.effective_due.isoformat()})." if due else "."))


def _declined(reason: str):
    def effect(ctx: Context) -> None:
        ctx.case.data["decline_reason"] = reason
    return effect


def _guard_ballot(ctx: Context) -> None:
    problems = ballot_approves(ctx.values["votes_for"], ctx.values["votes_against"], ctx.values["eligible_voters"],
                               bool(ctx.values.get("turnout_judged_sufficient")))
    if problems:
        ctx.refuse("The ballot does not approve the purchase: " + "; ".join(problems)
                   + ". Record it as a failed ballot.")


def turnout(votes_for: int, votes_against: int, eligible_voters: int) -> str:
    """The ballot's turnout in words, e.g. ``100 of 150 (66.7%)``. Pure."""
    voted = votes_for + votes_against
    pct = f" ({voted * 100 / eligible_voters:.1f}%)" if eligible_voters else ""
    return f"{voted} of {eligible_voters}{pct}"


def _ballot_effect(reason: str | None = None):
    def effect(ctx: Context) -> None:
        v = ctx.values
        if v.get("votes_for") is not None and v.get("votes_against") is not None and v.get("eligible_voters"):
            ctx.case.data["ballot_turnout"] = turnout(v["votes_for"], v["votes_against"], v["eligible_voters"])
            ctx.case.data["ballot_result"] = f"{v['votes_for']} for, {v['votes_against']} against"
        if reason:
            ctx.case.data["decline_reason"] = reason
    return effect


def _guard_complete(ctx: Context) -> None:
    if not ctx.case.data.get("valuation_price_gbp"):
        ctx.refuse("Record the valuer's price before completion.")


def _guard_expire(ctx: Context) -> None:
    row = ctx.deadline("crtb_registration_expires")
    if row is None or ctx.today <= row.effective_due:
        ctx.refuse("The registration has not reached the end of its 5 years"
                   + (f" (it ends on {row.effective_due.isoformat()})." if row else "."))


# ------------------------------------------------------------------ the declaration

STATES = {
    NEW: "Not started",
    "pending": "Application to register (RoS: pending)",
    "rejected": "Registration refused by Ministers",
    "registered": "Community interest registered",
    "activated": "Right to buy activated by the owner's notice",
    "confirmation_requested": "Ministers asked the body to confirm",
    "ballot": "Body confirmed; community ballot",
    "awaiting_consent": "Ballot approved; awaiting Ministers' consent",
    "valuation": "Ministers consented; valuation",
    "completed": "Purchase completed",
    "declined": "Declined (the interest is deleted)",
    "owner_withdrew": "The owner withdrew from the transfer",
    "expired": "Registration expired (5 years)",
    "withdrawn": "Application withdrawn by the body",
}

_ACTIVE = ("activated", "confirmation_requested", "ballot", "awaiting_consent", "valuation")
_REGISTRATION = (Field("registration_date", "Date Ministers registered the interest", "date"),)

TRANSITIONS = (
    Transition("record_application", "Link the application to its Registers of Scotland entry", (NEW,), "pending",
               "crtb.record",
               (Field("ros_register", "Register", "choice", choices={"RCIL": REGISTERS["RCIL"]},
                      hint="Part 2 interests are entered in the RCIL; Parts 3A and 5 have their own cases."),
                Field("ros_reference", "Registers of Scotland reference", public=True),
                Field("application_date", "Date of the application to Ministers", "date"),
                Field("land_description", "The land", "textarea"),
                Field("late_application", "A late application (the owner had already taken steps to sell)",
                      "boolean", required=False)),
               anchor="application_date", guard=_guard_application, effect=_with_mirror()),
    Transition("record_registration", "Record that Ministers registered the interest", ("pending",), "registered",
               "crtb.record", _REGISTRATION, starts="crtb-registered", anchor="registration_date",
               effect=_with_mirror()),
    Transition("record_rejection", "Record that Ministers refused to register the interest", ("pending",),
               "rejected", "crtb.record", reasons=True, effect=_with_mirror()),
    Transition("re_register", "Record a re-registration (a new 5 years)", ("registered",), "registered",
               "crtb.record", _REGISTRATION, starts="crtb-registered", anchor="registration_date",
               closes=("crtb_registration_expires",), guard=_guard_reregistration, effect=_with_mirror()),
    Transition("record_owner_notice", "Record the owner's notice of a proposed transfer (s.48)",
               ("registered", "owner_withdrew"), "activated", "crtb.record",
               (Field("owner_notice_date", "Date written on the owner's notice", "date"),
                Field("owner_notice_received_on", "Date Ministers received the notice", "date",
                      hint="Ministers' 7 days to ask the community body to confirm run from this date.")),
               starts="crtb-owner-notice", anchor="owner_notice_received_on", guard=_guard_registration_running,
               effect=_with_mirror()),
    Transition("record_ministers_request", "Record Ministers' request to the body to confirm (s.49)",
               ("activated",), "confirmation_requested", "crtb.record",
               (Field("request_sent_on", "Date Ministers sent the request", "date",
                      hint="The body's 30 days run from the day Ministers sent the request (s.49(4)), not the "
                           "day it arrived."),),
               starts="crtb-confirmation-requested", anchor="request_sent_on",
               meets=("crtb_ministers_request_due",), effect=_with_mirror()),
    Transition("confirm", "Confirm that the body will buy", ("confirmation_requested",), "ballot", "crtb.confirm",
               (Field("confirmed_on", "Date of the confirmation", "date"),), anchor="confirmed_on",
               meets=("crtb_confirmation_due",), guard=_guard_confirm, effect=_with_mirror()),
    Transition("decline_to_buy", "Tell Ministers the body will not buy", ("confirmation_requested",), "declined",
               "crtb.confirm", effect=_with_mirror(_declined("body_declined"))),
    Transition("deem_declined", "Record that the body did not confirm within 30 days", ("confirmation_requested",),
               "declined", "crtb.record", guard=_guard_deemed_declined,
               effect=_with_mirror(_declined("deemed_declined")), system=True),
    Transition("record_ballot", "Record the ballot result (approved)", ("ballot",), "awaiting_consent",
               "crtb.record",
               (Field("ballot_date", "Date of the ballot", "date"),
                Field("votes_for", "Votes for", "integer"), Field("votes_against", "Votes against", "integer"),
                Field("eligible_voters", "People eligible to vote", "integer"),
                Field("turnout_judged_sufficient", "Ministers judged a lower turnout sufficient", "boolean",
                      required=False)),
               guard=_guard_ballot, effect=_with_mirror(_ballot_effect())),
    Transition("record_ballot_failed", "Record that the ballot did not approve the purchase", ("ballot",),
               "declined", "crtb.record",
               (Field("ballot_date", "Date of the ballot", "date"),
                Field("votes_for", "Votes for", "integer", required=False),
                Field("votes_against", "Votes against", "integer", required=False),
                Field("eligible_voters", "People eligible to vote", "integer", required=False)),
               reasons=True, effect=_with_mirror(_ballot_effect("ballot_failed"))),
    Transition("record_consent", "Record Ministers' consent (s.51)", ("awaiting_consent",), "valuation",
               "crtb.record", (Field("consent_date", "Date of consent", "date"),), effect=_with_mirror()),
    Transition("record_consent_refused", "Record that Ministers refused consent (s.51)", ("awaiting_consent",),
               "declined", "crtb.record", reasons=True, effect=_with_mirror(_declined("consent_refused"))),
    Transition("record_valuation", "Record the valuer's price", ("valuation",), "valuation", "crtb.record",
               (Field("valuation_date", "Date of the valuation", "date"),
                Field("valuation_price_gbp", "Price set by the valuer (£)", "integer"))),
    Transition("record_completion", "Record completion of the purchase", ("valuation",), "completed",
               "crtb.record", (Field("completion_date", "Date of completion", "date"),
                               Field("title_number", "Land Register title number", required=False,
                                     public=True)),
               guard=_guard_complete, effect=_with_mirror()),
    Transition("record_owner_withdrawal", "Record that the owner withdrew before missives (s.54(5))", _ACTIVE,
               "owner_withdrew", "crtb.record", reasons=True,
               closes=("crtb_ministers_request_due", "crtb_confirmation_due"), effect=_with_mirror()),
    Transition("expire", "Record that the registration ended after 5 years", ("registered", "owner_withdrew"),
               "expired", "crtb.record", closes=("crtb_registration_expires",), guard=_guard_expire,
               effect=_with_mirror(), system=True),
    Transition("apply_to_reregister", "Link a new application to register (re-registration)", ("expired",),
               "pending", "crtb.record",
               (Field("ros_reference", "Registers of Scotland reference", public=True),
                Field("application_date", "Date of the new application", "date")),
               guard=_guard_application, effect=_with_mirror()),
    Transition("withdraw", "Withdraw the application or registration", ("pending", "registered"), "withdrawn",
               "crtb.record", reasons=True, effect=_with_mirror()),
)

PROCESS = Process(
    code=PROCESS_CODE,
    label="Community right to buy (Scotland)",
    reference_prefix="CRTB",
    states=STATES,
    terminal=frozenset({"rejected", "completed", "declined", "withdrawn"}),
    transitions=TRANSITIONS,
    live_status={"activated": "under_consideration", "confirmation_requested": "under_consideration",
                 "ballot": "under_consideration", "awaiting_consent": "under_consideration",
                 "valuation": "under_consideration", "completed": "transferred"},
    regimes=("LRSA2003",),
)
