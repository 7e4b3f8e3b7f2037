"""Discretionary Community Asset Transfer (England, Wales, NI policy): domain spec §4.

No statutory clock: stages are council policy. LGA 1972 s.123 requires the best
consideration reasonably obtainable unless the General Disposal Consent 2003
applies (the disposal promotes well-being and the undervalue, market value
minus consideration, is at most £2m, from configuration) or the Secretary of
State consents specifically. A lease of 7 years or less is a short tenancy,
outside the duty. Open space needs the s.123(2A) notice and objections.

Stages configurable per authority: an authority that does not ask for a
business case is listed in ``REGISTRY_CAT_NO_BUSINESS_CASE`` (comma-separated
GSS codes); its officers may approve in principle straight after the
expression of interest.
"""

from __future__ import annotations

from decimal import Decimal

from .. import authorities, config
from ..errors import InvalidInput
from ..permissions import declare
from .declarations import NEW, Context, Field, Process, Transition

_OFFICERS = {"council_officer", "council_decision_maker"}
declare("cat.apply", roles={"community_group_rep"}, scope="organisation",
        description="Ask for, pursue or withdraw a community asset transfer for one's group")
declare("cat.record", roles=_OFFICERS, scope="authority",
        description="Assess a community asset transfer and record its heads of terms and completion")
declare("cat.decide", roles={"council_decision_maker"}, scope="authority",
        description="Approve in principle, refuse, or formally decide a community asset transfer")

SHORT_TENANCY_MAX_YEARS = 7  # LGA 1972 s.123(2): a short tenancy is outside the best-consideration duty
GDC_NATIONS = ("england", "wales")
TENURES = {"freehold": "Freehold", "lease": "Lease", "licence": "Licence",
           "management_agreement": "Management agreement"}


def no_business_case_authorities() -> set[str]:
    """Settings.cat_no_business_case (REGISTRY_CAT_NO_BUSINESS_CASE, read once at start-up)."""
    return set(config.current().cat_no_business_case)


def gdc_limit_gbp() -> Decimal:
    """Settings.general_disposal_consent_limit_gbp."""
    return Decimal(str(config.current().general_disposal_consent_limit_gbp))


def heads_of_terms_check(values: dict, nation: str, limit_gbp: Decimal) -> dict:
    """Undervalue, General Disposal Consent and short-tenancy facts for heads of terms. Pure.

    Raises InvalidInput naming the field when the terms cannot stand as given.
    """
    market, consideration = Decimal(values["market_value_gbp"]), Decimal(values["consideration_gbp"])
    undervalue = market - consideration
    if undervalue < 0:
        raise InvalidInput("The consideration is more than the market value: check both figures.",
                           field="consideration_gbp")
    tenure, term = values.get("tenure"), values.get("lease_term_years")
    if tenure == "lease" and not term:
        raise InvalidInput("Enter the term of the lease in years.", field="lease_term_years")
    short = tenure == "lease" and term is not None and term <= SHORT_TENANCY_MAX_YEARS
    facts = {"undervalue_gbp": int(undervalue), "short_tenancy": short, "gdc_limit_gbp": None,
             "within_general_consent": None}
    if nation in GDC_NATIONS and not short and undervalue > 0:
        facts["gdc_limit_gbp"] = int(limit_gbp)
        facts["within_general_consent"] = undervalue <= limit_gbp
        if not values.get("wellbeing_justification"):
            raise InvalidInput("Say how the transfer promotes the economic, social or environmental well-being of "
                               "the area (General Disposal Consent 2003).", field="wellbeing_justification")
        if undervalue > limit_gbp and not values.get("consent_reference"):
            raise InvalidInput(f"The undervalue of £{undervalue:,.0f} is above the General Disposal Consent limit "
                               f"of £{limit_gbp:,.0f}: enter the Secretary of State's specific consent reference.",
                               field="consent_reference")
    if values.get("open_space") and not (values.get("s123_notice_published_on")
                                         and values.get("objections_considered_on")):
        raise InvalidInput("Open space: give the dates the s.123(2A) notice was published and the objections "
                           "considered.", field="s123_notice_published_on")
    return facts


def _guard_heads(ctx: Context) -> None:
    nation = authorities.get(ctx.case.authority_code).nation
    facts = heads_of_terms_check(ctx.values, nation, gdc_limit_gbp())
    ctx.values.update(facts)


def _guard_skip_business_case(ctx: Context) -> None:
    if ctx.case.state == "eoi_submitted" and ctx.case.authority_code not in no_business_case_authorities():
        ctx.refuse("This council asks for a business case first: invite one (invite_business_case).")


STATES = {
    NEW: "Not started",
    "eoi_submitted": "Expression of interest received",
    "eoi_declined": "Expression of interest declined",
    "business_case_invited": "Business case invited",
    "business_case_submitted": "Business case received",
    "assessed": "Business case assessed",
    "approved_in_principle": "Approved in principle",
    "refused": "Refused",
    "heads_of_terms_agreed": "Heads of terms agreed",
    "decided": "Transfer approved (formal decision)",
    "completed": "Transferred",
    "withdrawn": "Withdrawn",
}

_OPEN = ("eoi_submitted", "business_case_invited", "business_case_submitted", "assessed", "approved_in_principle",
         "heads_of_terms_agreed")

TRANSITIONS = (
    Transition("submit_eoi", "Express interest in taking on the asset", (NEW,), "eoi_submitted", "cat.apply",
               (Field("proposal", "What you would do with it", "textarea", public=True),
                Field("community_benefit", "How the community would benefit", "textarea", public=True),
                Field("tenure_sought", "What you are asking for", "choice", choices=TENURES),
                Field("funding", "How you would fund it", "textarea", required=False, private=True))),
    Transition("decline_eoi", "Decline the expression of interest", ("eoi_submitted",), "eoi_declined",
               "cat.record", reasons=True),
    Transition("invite_business_case", "Invite a business case", ("eoi_submitted",), "business_case_invited",
               "cat.record", (Field("business_case_due", "Business case due by", "date", required=False),)),
    Transition("submit_business_case", "Send the business case", ("business_case_invited",),
               "business_case_submitted", "cat.apply",
               (Field("business_case_summary", "Summary of the business case", "textarea", public=True),
                Field("business_case_detail", "Full business case (finances, governance)", "textarea",
                      required=False, private=True))),
    Transition("record_assessment", "Record the scored assessment", ("business_case_submitted",), "assessed",
               "cat.record",
               (Field("assessment_score", "Total score", "integer"),
                Field("assessment_max_score", "Out of", "integer", required=False),
                Field("assessment_summary", "Assessment summary", "textarea", public=True))),
    Transition("approve_in_principle", "Approve the transfer in principle", ("assessed", "eoi_submitted"),
               "approved_in_principle", "cat.decide", reasons=True, guard=_guard_skip_business_case,
               records_decision=True),
    Transition("refuse", "Refuse the transfer", ("assessed", "business_case_submitted", "approved_in_principle",
                                                 "heads_of_terms_agreed"), "refused", "cat.decide", reasons=True,
               records_decision=True),
    Transition("agree_heads_of_terms", "Record the agreed heads of terms", ("approved_in_principle",),
               "heads_of_terms_agreed", "cat.record",
               (Field("tenure", "Tenure", "choice", choices=TENURES),
                Field("lease_term_years", "Lease term (years)", "integer", required=False),
                Field("annual_rent_gbp", "Annual rent (£)", "integer", required=False),
                Field("market_value_gbp", "Unrestricted market value (£)", "integer"),
                Field("consideration_gbp", "Consideration (£)", "integer"),
                Field("wellbeing_justification", "How it promotes well-being (General Disposal Consent)", "textarea",
                      required=False, public=True),
                Field("consent_reference", "Secretary of State's specific consent reference", required=False,
                      public=True),
                Field("open_space", "The land is open space", "boolean", required=False),
                Field("s123_notice_published_on", "s.123(2A) notice published on", "date", required=False),
                Field("objections_considered_on", "Objections considered on", "date", required=False)),
               guard=_guard_heads),
    Transition("formal_decision", "Record the formal decision to transfer", ("heads_of_terms_agreed",), "decided",
               "cat.decide", (Field("decision_reference", "Decision (minute) reference", public=True),),
               reasons=True,
               records_decision=True),
    Transition("complete", "Record completion of the transfer", ("decided",), "completed", "cat.record",
               (Field("completion_date", "Completion date", "date"),
                Field("title_numbers", "Title number(s)", required=False, public=True))),
    Transition("withdraw", "Withdraw", _OPEN, "withdrawn", "cat.apply"),
)

PROCESS = Process(
    code="cat",
    label="Community asset transfer",
    reference_prefix="CAT",
    states=STATES,
    terminal=frozenset({"eoi_declined", "refused", "completed", "withdrawn"}),
    transitions=TRANSITIONS,
    live_status={**{s: "under_consideration" for s in _OPEN + ("decided",)}, "completed": "transferred"},
    regimes=("LGA1972",),
    on_complete={"completed": "registry.transfers:on_case_completed"},  # a completed transfer is recorded
)
