"""Scottish asset transfer requests (CE(S)A 2015 Part 5): the Act's vocabularies and its pure rules.

Who may ask for what (s.19, s.77, s.80: `transfer_body_eligibility`), the route of review or appeal
for each kind of authority, and the earliest offer deadline a decision notice may set. Pure: values
in, values out, table-tested; the guards (scottish_atr_guards.py) and the declaration
(scottish_atr.py) read them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from . import rules

PROCESS_CODE = "scottish_atr"

# ------------------------------------------------------------------ vocabularies

TRANSFER_TYPES = {
    "ownership": "Ownership (transfer of the land)",
    "lease": "A lease",
    "other_rights": "Other rights (management, occupation or use)",
}
AUTHORITY_TYPES = {
    "local_authority": "A local authority",
    "scottish_ministers": "The Scottish Ministers",
    "other_relevant_authority": "Another relevant authority (Schedule 3)",
}
#: What the acknowledgement tells the body about its right of review or appeal (domain §5.1).
ROUTES = {
    "local_authority": {"first": "review", "first_section": "s.86", "then": "appeal", "then_section": "s.88",
                        "text": "Review by the authority (s.86), then appeal to the Scottish Ministers (s.88)"},
    "scottish_ministers": {"first": "review", "first_section": "s.87", "then": None, "then_section": None,
                           "text": "Review by the Scottish Ministers (s.87)"},
    "other_relevant_authority": {"first": "appeal", "first_section": "s.85", "then": None, "then_section": None,
                                 "text": "Appeal to the Scottish Ministers (s.85)"},
}
#: The matters the authority must consider (s.82(3)); a refusal names the ones its reasons rest on.
S82_FACTORS = {
    "reasons_for_request": "The reasons for the request",
    "economic_development": "Benefits for economic development",
    "regeneration": "Benefits for regeneration",
    "public_health": "Benefits for public health",
    "social_wellbeing": "Benefits for social wellbeing",
    "environmental_wellbeing": "Benefits for environmental wellbeing",
    "inequalities": "Reducing inequalities of outcome from socio-economic disadvantage",
    "other_benefits": "Any other benefits",
    "alternative_proposals": "The benefits of an alternative proposal, and how they compare",
    "authority_functions": "How the request relates to the authority's functions",
    "legal_obligations": "The authority's obligations under any enactment or otherwise",
    "equal_opportunities": "Equal opportunities",
}
REVIEW_OUTCOMES = {"confirmed": "Decision confirmed", "modified": "Decision modified",
                   "substituted": "A different decision substituted"}
APPEAL_OUTCOMES = {"allowed": "Appeal allowed", "dismissed": "Appeal dismissed", "varied": "Decision varied",
                   "reversed": "Decision reversed"}

# ------------------------------------------------------------------ eligibility (s.19, s.77, s.80), pure

#: Bodies that cannot be community-controlled bodies under s.19: English and Welsh statutory councils,
#: neighbourhood forums and staff groups. [P] Designation by Ministers (s.77(1)(b)) is not modelled.
NOT_COMMUNITY_CONTROLLED = {"parish_council", "community_council_wales", "neighbourhood_forum", "employee_group"}
#: s.80: only a company, a SCIO or a community benefit society may ask for ownership.
OWNERSHIP_FORMS = {"CLG_non_distributing", "SCIO", "community_benefit_society"}
OWNERSHIP_MIN_MEMBERS = 20


def transfer_body_eligibility(org: Mapping, transfer_type: str | None) -> list[str]:
    """Why this body may NOT make this request: an empty list means it may. Pure.

    ``org`` carries ``legal_form``, ``member_count``, ``local_member_count``,
    ``community_definition``, ``non_distribution_of_surplus`` and ``asset_lock``
    (domain §0.3). s.19: a written constitution defining the community, with a
    majority of members from it and surplus applied for its benefit. s.80:
    ownership needs a company, SCIO or BenCom with at least 20 members and
    provision for its assets on winding up.
    """
    problems = []
    form = org.get("legal_form")
    if form in NOT_COMMUNITY_CONTROLLED:
        problems.append(f"a body of this kind ({form}) is not a community-controlled body (s.19) and has not "
                        "been designated by the Scottish Ministers (s.77)")
    if not (org.get("community_definition") or "").strip():
        problems.append("its constitution must define the community it serves (s.19)")
    if not org.get("non_distribution_of_surplus"):
        problems.append("its constitution must apply any surplus for the benefit of the community (s.19)")
    members, local = org.get("member_count"), org.get("local_member_count")
    if members and local is not None and local * 2 <= members:
        problems.append(f"most of its members must be members of the community; {local} of {members} are (s.19)")
    if transfer_type == "ownership":
        if form not in OWNERSHIP_FORMS:
            problems.append("only a company, a SCIO or a community benefit society may ask to own land (s.80)")
        if (members or 0) < OWNERSHIP_MIN_MEMBERS:
            problems.append(f"a body asking to own land needs at least {OWNERSHIP_MIN_MEMBERS} members; "
                            f"it has {members or 0} (s.80)")
        if not org.get("asset_lock"):
            problems.append("its constitution must provide for its assets on winding up (s.80)")
    return problems


def review_route(authority_type: str) -> dict:
    """The acknowledgement's route of review or appeal for this kind of authority (domain §5.1). Pure."""
    return ROUTES[authority_type]


def authority_type_for(kind: str) -> str:
    """A Scottish council area is a local authority; anything else defaults to another relevant authority."""
    return "local_authority" if kind == "council_area" else "other_relevant_authority"


def earliest_offer_deadline(notice_date: date) -> date:
    """The earliest offer deadline a decision notice of ``notice_date`` may set (at least 6 months). Pure."""
    found = [d for d in rules.deadlines_for_event("atr-decision-notice-sent", notice_date)
             if d.rule_code == "atr_offer_deadline_earliest"]
    return found[0].due_date
