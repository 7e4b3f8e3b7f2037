"""Assets of Community Value (England): nomination → listing → review → appeal → removal.

Localism Act 2011 ss.87-108 and SI 2012/2421 (domain spec §2.2, §2.5, §2.6 A).
The process is data: states, transitions, the permission each needs, the
fields it records and the clocks it starts or stops. The engine does the rest.

Who may nominate (s.89(2), reg 5) is :func:`nominating_body_eligibility`, a
pure function of the organisation's typed facts (domain §0.3), in acv_eligibility.py with the
other validation checks.
"""

from __future__ import annotations


from ..errors import InvalidInput
from ..organisations import organisation_facts
from ..permissions import declare
from .acv_eligibility import (  # noqa: F401  (acv.nominating_body_eligibility and the rest, for callers)
    NOMINATING_FORMS_ANY,
    NOMINATING_FORMS_NON_DISTRIBUTING,
    UNINCORPORATED_MIN_LOCAL_MEMBERS,
    is_parish_code,
    listed_form,
    local_connection_to_confirm,
    nominating_body_eligibility,
    parish_at_site,
    parish_boundaries_loaded,
    validation_checks,
)
from .declarations import NEW, Context, Field, Process, Transition

# ------------------------------------------------------------------ who may act

_OFFICERS = {"council_officer", "council_decision_maker"}
declare("acv.nominate", roles={"community_group_rep"}, scope="organisation",
        description="Draft, submit or withdraw an ACV nomination for one's own group")
declare("acv.validate", roles=_OFFICERS, scope="authority",
        description="Check an ACV nomination (eligibility, area, completeness) and notify the owner")
declare("acv.decide", roles={"council_decision_maker"}, scope="authority",
        description="List land as an asset of community value, or decline to")
declare("acv.record", roles=_OFFICERS, scope="authority",
        description="Record an owner's review request, a tribunal appeal and its outcome, a removal or expiry")
declare("acv.review", roles={"reviewer"}, scope="authority",
        description="Decide a listing review (never the person who took the listing decision)")
declare("case.extend_deadline", roles=_OFFICERS | {"reviewer"}, scope="authority",
        description="Record an agreed extension of an extendable statutory period")
declare("case.view_private", roles=_OFFICERS | {"reviewer", "community_group_rep"},
        scope={"council_officer": "authority", "council_decision_maker": "authority", "reviewer": "authority",
               "community_group_rep": "organisation"},
        description="See a case's private details (owners' and occupiers' names and addresses)")

# ------------------------------------------------------------------ guards and effects


def _guard_england(ctx: Context) -> None:
    from .. import authorities

    if authorities.get(ctx.case.authority_code).nation != "england":
        ctx.refuse("Assets of community value exist only in England (SI 2012/2421 reg 1(2)).")


#: What a nomination needs before it is sent (reg 6), with what to ask for when it is missing.
SUBMIT_NEEDS = (("land_description", "Describe the land and its boundaries"),
                ("community_value_reasons", "Say why it is of community value"),
                ("owners_known", "Say what you know of the owners and occupiers, or write 'not known'"))


def _guard_submit(ctx: Context) -> None:
    missing = [label[0].lower() + label[1:] for name, label in SUBMIT_NEEDS
               if not ctx.value(name) and not ctx.case.private_data.get(name)]
    if missing:
        ctx.refuse("The nomination is not complete: " + "; ".join(missing) + " (reg 6). Save it and add them.")


def _day(ctx: Context) -> str:
    """The day the step happened in law (domain §0.1): its effective date, else today."""
    return (ctx.effective_date or ctx.today).isoformat()


def records_published_decisions(actor) -> bool:
    """Whether the actor enters decisions a council has already taken and published (an ACV list import).

    Such an actor records the council's own validation and decisions: the registry does not check them again.
    """
    return bool(getattr(actor, "records_published_decisions", False))


def _effect_submit(ctx: Context) -> None:
    ctx.case.data["nomination_date"] = _day(ctx)
    facts = organisation_facts(ctx.case.organisation_id)
    if facts:
        ctx.case.data["nominating_group"] = facts["name"]


def _effect_begin_validation(ctx: Context) -> None:
    ctx.case.data["checks"] = validation_checks(ctx.case)


def _effect_record_nomination(ctx: Context) -> None:
    ctx.case.data["nomination_date"] = ctx.anchor_date.isoformat()
    facts = organisation_facts(ctx.case.organisation_id)
    if facts:
        ctx.case.data["nominating_group"] = facts["name"]


def _guard_accept(ctx: Context) -> None:
    if records_published_decisions(ctx.actor):
        return  # the council validated it; its published list says so
    checks = validation_checks(ctx.case)
    problems = checks["eligibility"] + checks["in_area"] + [f"it lacks {m}" for m in checks["missing"]]
    if problems:
        ctx.refuse("The nomination does not pass validation: " + "; ".join(problems)
                   + ". Record it as invalid (reject_nomination) with these reasons.")
    to_confirm = checks["confirm_local_connection"]
    if to_confirm:
        if not ctx.values.get("local_connection_confirmed"):
            ctx.refuse(f"No boundary can check this: {to_confirm}. Tick 'I confirm the local connection' and say "
                       "how you checked it, or record the nomination as invalid.")
        if not (ctx.value("local_connection_reason") or "").strip():
            raise InvalidInput("Say how you checked the local connection (for example, the parish map or the "
                               "group's constitution): the reason is kept with the case.",
                               field="local_connection_reason")


def _effect_accept(ctx: Context) -> None:
    checks = validation_checks(ctx.case)
    ctx.case.data["checks"] = checks
    if checks["confirm_local_connection"] and ctx.values.get("local_connection_confirmed"):
        ctx.case.data["local_connection"] = "confirmed by the officer"


def _decision_effect(decision: str):
    def effect(ctx: Context) -> None:
        data = ctx.case.data
        data["decision"] = decision
        data["decision_date"] = _day(ctx)
        due = ctx.deadline("acv_decision_due")
        if due is not None and (ctx.effective_date or ctx.today) > due.effective_due:
            data["decision_late"] = True  # reg 7: the 8 weeks passed; the decision still stands
        if decision == "successful":
            data["entry_date"] = _day(ctx)
    return effect


def _after_listing(ctx: Context) -> None:
    _decision_effect("successful")(ctx)


def _guard_review_request(ctx: Context) -> None:
    due = ctx.deadline("acv_review_request_due")
    received = ctx.date_value("request_received_on") or ctx.today
    if due is None:
        ctx.refuse("There is no open period for asking for a review of this listing.")
    if received > due.effective_due and not ctx.value("longer_period_allowed"):
        ctx.refuse(f"The owner asked on {received.isoformat()}, after the last day for a review request "
                   f"({due.effective_due.isoformat()}). Tick 'a longer period was allowed' only if the council "
                   "allowed one in writing.")


def _guard_appeal(ctx: Context) -> None:
    due = ctx.deadline("acv_tribunal_appeal_due")
    lodged = ctx.date_value("appeal_lodged_on") or ctx.today
    if due is None:
        ctx.refuse("An appeal to the tribunal follows a review decision; this listing has none open.")
    if lodged > due.effective_due and not ctx.value("tribunal_extended_time"):
        ctx.refuse(f"The appeal was lodged on {lodged.isoformat()}, after the 28-day limit "
                   f"({due.effective_due.isoformat()}), and the tribunal has not extended time.")


def _guard_expire(ctx: Context) -> None:
    ends = ctx.deadline("acv_listing_expires")
    if ends is None or ctx.today <= ends.effective_due:
        ctx.refuse("The listing has not reached the end of its 5 years"
                   + (f" (it ends on {ends.effective_due.isoformat()})." if ends else "."))


def _removal(reason: str | None):
    def effect(ctx: Context) -> None:
        ctx.case.data["removal_reason"] = reason or ctx.values.get("removal_reason")
        ctx.case.data["end_date"] = _day(ctx)
    return effect


# ------------------------------------------------------------------ the declaration

STATES = {
    NEW: "Not started",
    "draft": "Draft (not sent)",
    "submitted": "Nomination received",
    "validation": "Being checked",
    "invalid_nomination": "Invalid nomination",
    "owner_notified": "Owner notified, awaiting decision",
    "listed": "Listed",
    "not_listed": "Not listed",
    "under_review": "Listed, review requested by the owner",
    "under_appeal": "Listed, appeal to the tribunal",
    "removed": "Removed from the list",
    "withdrawn": "Withdrawn by the nominator",
}

INVALID_REASONS = {
    "not_eligible": "The nominating body is not eligible",
    "outside_area": "The land is outside the council's area",
    "incomplete": "The nomination is incomplete",
    "land_not_identified": "The land is not properly identified",
}
DECLINE_REASONS = {
    "not_community_value": "Not of community value (s.88)",
    "excluded_land": "Excluded land (Sch 1: a residence, caravan site or statutory undertaker's land)",
    "invalid_nominator": "The nominator is not eligible",
}
REMOVAL_REASONS = {
    "no_longer_community_value": "No longer of community value",
    "disposal": "After a relevant disposal",
    "other": "Other",
}

_DRAFT_FIELDS = (
    Field("land_description", "Description of the land and its proposed boundaries", "textarea",
          required=False, public=True),
    Field("current_use", "Its current or recent use", "textarea", required=False, public=True),
    Field("community_value_reasons", "Why it is of community value", "textarea", required=False, public=True,
          hint="How its use furthers the social wellbeing or social interests of the local community (s.88)."),
    Field("site_geojson", "Site boundary", "geojson", required=False,
          hint="Optional. Type or paste its corners, one a line, as longitude, latitude (-1.5491, 53.8008) or "
               "easting, northing (430000, 433000); or paste a GeoJSON polygon; or draw it on the map."),
    Field("owners_known", "Owners and occupiers you know of", "textarea", required=False, private=True,
          hint="Names and last-known addresses of freeholders, leaseholders and occupiers, or 'not known'. "
               "Kept private."),
    Field("eligibility_evidence", "Evidence that your group may nominate", "textarea", required=False,
          private=True),
)

_OWNER_NOTICE = (
    Field("owner_notified_on", "Date the owner was notified", "date"),
    Field("occupier_notified_on", "Date the occupier was notified", "date", required=False),
)
_LOCAL_CONNECTION = (
    Field("local_connection_confirmed", "I confirm the local connection (the land is in the parish council's "
          "parish, or the body's activities concern this area)", "boolean", required=False,
          hint="Needed only where no boundary can check it: the validation checks say so."),
    Field("local_connection_reason", "How you checked the local connection", "textarea", required=False,
          private=True, hint="For example: the parish map, or the group's constitution. Kept with the case."),
)

TRANSITIONS = (
    Transition("start_draft", "Start a nomination", (NEW,), "draft", "acv.nominate", _DRAFT_FIELDS,
               guard=_guard_england, hint="Saved as a draft: nothing is sent until you submit it."),
    Transition("record_nomination", "Record a nomination the council received (by post, by email or on its list)",
               (NEW,), "submitted", "acv.validate",
               (Field("nomination_received_on", "Date the council received the nomination", "date"),
                Field("land_description", "Description of the land and its proposed boundaries", "textarea",
                      required=False, public=True),
                Field("community_value_reasons", "Why it is of community value", "textarea", required=False,
                      public=True),
                Field("council_reference", "The council's own reference", required=False, public=True,
                      hint="Kept exactly as the council writes it, and published as the list's reference."),
                Field("nominating_group", "Nominating body (an organisation)", required=False, public=True,
                      hint="Published. A person's name goes in the private field below."),
                Field("nominator_name", "Nominated by (a person)", required=False, private=True,
                      hint="Kept private: a person's name is never published.")),
               starts="acv-nomination-received", anchor="nomination_received_on", guard=_guard_england,
               effect=_effect_record_nomination),
    Transition("save_draft", "Save the draft", ("draft",), "draft", "acv.nominate", _DRAFT_FIELDS),
    Transition("submit", "Send the nomination to the council", ("draft",), "submitted", "acv.nominate",
               starts="acv-nomination-received", guard=_guard_submit, effect=_effect_submit),
    Transition("withdraw", "Withdraw the nomination", ("draft", "submitted", "validation"), "withdrawn",
               "acv.nominate"),
    Transition("begin_validation", "Start checking the nomination", ("submitted",), "validation",
               "acv.validate", effect=_effect_begin_validation),
    Transition("reject_nomination", "Record the nomination as invalid", ("submitted", "validation"),
               "invalid_nomination", "acv.validate",
               (Field("invalid_reason", "Why it is invalid", "choice", choices=INVALID_REASONS),),
               reasons=True, meets=("acv_decision_due",), effect=_decision_effect("unsuccessful")),
    Transition("accept_nomination", "Accept the nomination as valid and record the owner notice",
               ("validation",), "owner_notified", "acv.validate", _OWNER_NOTICE + _LOCAL_CONNECTION,
               guard=_guard_accept, effect=_effect_accept),
    Transition("list", "List the land as an asset of community value", ("owner_notified",), "listed",
               "acv.decide",
               (Field("llc_reference", "Local land charges reference", required=False, public=True),
                Field("hmlr_restriction_reference", "Land Registry restriction application reference",
                      required=False, public=True)),
               reasons=True, starts="acv-listing-notice-sent", meets=("acv_decision_due",),
               effect=_after_listing, records_decision=True),
    Transition("decline", "Decide not to list the land", ("owner_notified",), "not_listed", "acv.decide",
               (Field("decline_reason", "Why it is not listed", "choice", choices=DECLINE_REASONS),),
               reasons=True, meets=("acv_decision_due",), effect=_decision_effect("unsuccessful"),
               records_decision=True),
    Transition("request_review", "Record the owner's request for a review", ("listed",), "under_review",
               "acv.record",
               (Field("request_received_on", "Date the request was received", "date"),
                Field("hearing_requested", "The owner asked for an oral hearing", "boolean", required=False),
                Field("longer_period_allowed", "The council allowed a longer period to ask", "boolean",
                      required=False),
                Field("grounds", "The owner's grounds", "textarea", required=False, private=True)),
               starts="acv-review-requested", anchor="request_received_on", meets=("acv_review_request_due",),
               guard=_guard_review_request),
    Transition("uphold_listing", "Confirm the listing on review", ("under_review",), "listed", "acv.review",
               reasons=True, starts="acv-review-decision-sent", meets=("acv_review_decision_due",),
               different_person=True),
    Transition("remove_on_review", "Remove the listing on review", ("under_review",), "removed", "acv.review",
               reasons=True, meets=("acv_review_decision_due",), different_person=True,
               effect=_removal("review")),
    Transition("record_appeal", "Record an appeal to the First-tier Tribunal", ("listed",), "under_appeal",
               "acv.record",
               (Field("tribunal_reference", "Tribunal reference", public=True),
                Field("appeal_lodged_on", "Date the appeal was lodged", "date"),
                Field("tribunal_extended_time", "The tribunal extended the time to appeal", "boolean",
                      required=False)),
               meets=("acv_tribunal_appeal_due",), guard=_guard_appeal),
    Transition("appeal_dismissed", "Record that the tribunal dismissed the appeal", ("under_appeal",), "listed",
               "acv.record", reasons=True),
    Transition("appeal_allowed", "Record that the tribunal allowed the appeal (remove the listing)",
               ("under_appeal",), "removed", "acv.record", reasons=True, effect=_removal("tribunal")),
    Transition("remove", "Remove the land from the list", ("listed",), "removed", "acv.record",
               (Field("removal_reason", "Why it is removed", "choice", choices=REMOVAL_REASONS),),
               reasons=True, effect=_removal(None)),
    Transition("expire", "Remove the listing at the end of its 5 years", ("listed",), "removed", "acv.record",
               guard=_guard_expire, effect=_removal("expired"), system=True),
)

PROCESS = Process(
    code="acv",
    label="Asset of community value nomination",
    reference_prefix="ACV",
    states=STATES,
    terminal=frozenset({"invalid_nomination", "not_listed", "removed", "withdrawn"}),
    transitions=TRANSITIONS,
    live_status={"submitted": "nominated", "validation": "nominated", "owner_notified": "nominated",
                 "listed": "listed", "under_review": "listed", "under_appeal": "listed"},
    regimes=("LA2011", "EDCEA2026"),
)
