"""The process declarations as tables: every allowed step and every illegal one (pure, no database)."""

from decimal import Decimal

import pytest

from registry import permissions
from registry.errors import InvalidInput, TransitionRefused
from registry.workflow import acv, cat, compensation, moratorium, scottish_atr
from registry.workflow import community_right_to_buy as crtb
from registry.workflow import right_to_challenge as rtc
from registry.workflow.engine import NEW
from tests.unit.test_workflow_scottish import ATR_ALLOWED, CRTB_ALLOWED, SCOTTISH_ROLE_CASES

# (state, action) -> next state. Anything not in a table is refused.
ACV_ALLOWED = {
    (NEW, "start_draft"): "draft",
    (NEW, "record_nomination"): "submitted",  # an officer keys in a nomination received by post or on a list
    ("draft", "save_draft"): "draft",
    ("draft", "submit"): "submitted",
    ("draft", "withdraw"): "withdrawn",
    ("submitted", "withdraw"): "withdrawn",
    ("validation", "withdraw"): "withdrawn",
    ("submitted", "begin_validation"): "validation",
    ("submitted", "reject_nomination"): "invalid_nomination",
    ("validation", "reject_nomination"): "invalid_nomination",
    ("validation", "accept_nomination"): "owner_notified",
    ("owner_notified", "list"): "listed",
    ("owner_notified", "decline"): "not_listed",
    ("listed", "request_review"): "under_review",
    ("under_review", "uphold_listing"): "listed",
    ("under_review", "remove_on_review"): "removed",
    ("listed", "record_appeal"): "under_appeal",
    ("under_appeal", "appeal_dismissed"): "listed",
    ("under_appeal", "appeal_allowed"): "removed",
    ("listed", "remove"): "removed",
    ("listed", "expire"): "removed",
}

MORATORIUM_ALLOWED = {
    (NEW, "receive_notice"): "interim_moratorium",
    (NEW, "record_exempt_disposal"): "exempt_disposal_recorded",
    ("interim_moratorium", "request_to_bid"): "full_moratorium",
    ("interim_moratorium", "end_interim"): "free_to_dispose",
    ("full_moratorium", "end_full"): "free_to_dispose",
    ("interim_moratorium", "record_disposal"): "disposed",
    ("full_moratorium", "record_disposal"): "disposed",
    ("free_to_dispose", "record_disposal"): "disposed",
    ("free_to_dispose", "expire_protected"): "protected_period_expired",
    ("interim_moratorium", "withdraw_notice"): "notice_withdrawn",
    ("full_moratorium", "withdraw_notice"): "notice_withdrawn",
    ("free_to_dispose", "withdraw_notice"): "notice_withdrawn",
}

RTC_ALLOWED = {
    (NEW, "submit_eoi"): "eoi_submitted",
    ("eoi_submitted", "notify_timetable"): "timetable_notified",
    ("timetable_notified", "accept"): "accepted",
    ("timetable_notified", "propose_modification"): "modification_proposed",
    ("timetable_notified", "reject"): "rejected",
    ("modification_proposed", "agree_modification"): "accepted",
    ("modification_proposed", "decline_modification"): "rejected",
    ("eoi_submitted", "withdraw"): "withdrawn",
    ("timetable_notified", "withdraw"): "withdrawn",
    ("modification_proposed", "withdraw"): "withdrawn",
    ("accepted", "start_procurement"): "procurement_started",
    ("procurement_started", "award_contract"): "contract_awarded",
    ("procurement_started", "abandon_procurement"): "procurement_abandoned",
}

_CAT_OPEN = ("eoi_submitted", "business_case_invited", "business_case_submitted", "assessed",
             "approved_in_principle", "heads_of_terms_agreed")
CAT_ALLOWED = {
    (NEW, "submit_eoi"): "eoi_submitted",
    ("eoi_submitted", "decline_eoi"): "eoi_declined",
    ("eoi_submitted", "invite_business_case"): "business_case_invited",
    ("business_case_invited", "submit_business_case"): "business_case_submitted",
    ("business_case_submitted", "record_assessment"): "assessed",
    ("assessed", "approve_in_principle"): "approved_in_principle",
    ("eoi_submitted", "approve_in_principle"): "approved_in_principle",
    ("assessed", "refuse"): "refused",
    ("business_case_submitted", "refuse"): "refused",
    ("approved_in_principle", "refuse"): "refused",
    ("heads_of_terms_agreed", "refuse"): "refused",
    ("approved_in_principle", "agree_heads_of_terms"): "heads_of_terms_agreed",
    ("heads_of_terms_agreed", "formal_decision"): "decided",
    ("decided", "complete"): "completed",
    **{(state, "withdraw"): "withdrawn" for state in _CAT_OPEN},
}

COMPENSATION_ALLOWED = {
    (NEW, "receive_claim"): "claim_received",
    ("claim_received", "decide_claim"): "decided",
    ("decided", "request_review"): "under_review",
    ("under_review", "decide_review"): "review_decided",
    ("review_decided", "record_appeal"): "under_appeal",
    ("decided", "close"): "closed",
    ("review_decided", "close"): "closed",
    ("under_appeal", "close"): "closed",
}

CASES = [(acv.PROCESS, ACV_ALLOWED), (moratorium.PROCESS, MORATORIUM_ALLOWED), (rtc.PROCESS, RTC_ALLOWED),
         (cat.PROCESS, CAT_ALLOWED), (compensation.PROCESS, COMPENSATION_ALLOWED)]
# The Scottish tables live beside their own tests; the every-pair walk covers them too.
ALL_TABLES = [*CASES, (scottish_atr.PROCESS, ATR_ALLOWED), (crtb.PROCESS, CRTB_ALLOWED)]


def _all_pairs():
    for process, allowed in ALL_TABLES:
        for state in process.states:
            for t in process.transitions:
                key = (state, t.action)
                yield pytest.param(process, state, t.action, allowed.get(key),
                                   id=f"{process.code}-{state}-{t.action}-{'ok' if key in allowed else 'refused'}")


@pytest.mark.parametrize(("process", "state", "action", "expected"), list(_all_pairs()))
def test_every_step_from_every_state(process, state, action, expected):
    if expected is None:
        with pytest.raises(TransitionRefused) as caught:
            process.step(state, action)
        error = caught.value
        assert error.extra["from_state"] == state
        assert error.extra["allowed"] == [t.action for t in process.available(state)]
        assert "allowed" in error.detail
    else:
        assert process.step(state, action).to_state == expected


@pytest.mark.parametrize(("process", "allowed"), CASES, ids=["acv", "moratorium", "rtc", "cat", "compensation"])
def test_the_tables_cover_exactly_the_declaration(process, allowed):
    declared = {(s, t.action): t.to_state for t in process.transitions for s in t.from_states}
    assert declared == allowed


@pytest.mark.parametrize("process", [p for p, _ in CASES], ids=["acv", "moratorium", "rtc", "cat", "compensation"])
def test_terminal_states_allow_nothing(process):
    for state in process.terminal:
        assert process.available(state) == []


def test_unknown_action_is_refused_with_what_is_allowed():
    with pytest.raises(TransitionRefused) as caught:
        acv.PROCESS.step("listed", "sell")
    assert "no step called 'sell'" in caught.value.detail
    assert "request_review" in caught.value.detail


ROLE_CASES = [
    pytest.param("acv.nominate", "community_group_rep", True, id="rep_nominates"),
    pytest.param("acv.nominate", "council_officer", False, id="officer_cannot_nominate"),
    pytest.param("acv.nominate", "citizen", False, id="citizen_cannot_nominate"),
    pytest.param("acv.validate", "council_officer", True, id="officer_validates"),
    pytest.param("acv.decide", "council_officer", False, id="officer_cannot_decide"),
    pytest.param("acv.decide", "council_decision_maker", True, id="decision_maker_decides"),
    pytest.param("acv.review", "council_decision_maker", False, id="decision_maker_cannot_review"),
    pytest.param("acv.review", "reviewer", True, id="reviewer_reviews"),
    pytest.param("moratorium.record", "community_group_rep", False, id="rep_cannot_record_notice"),
    pytest.param("moratorium.request_to_bid", "community_group_rep", True, id="rep_requests_to_bid"),
    pytest.param("acv.decide", "public", False, id="public_cannot_decide"),
    pytest.param("rtc.submit", "community_group_rep", True, id="rep_challenges"),
    pytest.param("rtc.decide", "council_officer", False, id="officer_cannot_decide_challenge"),
    pytest.param("rtc.decide", "council_decision_maker", True, id="decision_maker_decides_challenge"),
]


@pytest.mark.parametrize(("action", "role", "allowed"), ROLE_CASES + SCOTTISH_ROLE_CASES)
def test_role_table(action, role, allowed):
    class Actor:
        id = 1
        roles = frozenset({role})
        authority_code = None
        organisation_ids = frozenset()

    assert permissions.can(Actor(), action) is allowed


# ---------------------------------------------------------------- reg 5 and reg 12 eligibility

AREA = "E08000035"
NEIGHBOUR = "E08000036"
FAR = "E09000001"


@pytest.mark.parametrize(("org", "eligible"), [
    pytest.param({"legal_form": "charity", "area_code": AREA}, True, id="reg5_charity"),
    pytest.param({"legal_form": "CIC"}, True, id="reg5_cic_area_unknown"),
    pytest.param({"legal_form": "parish_council", "area_code": AREA}, True, id="s89_parish_own_area"),
    pytest.param({"legal_form": "parish_council", "area_code": FAR}, False, id="s89_parish_elsewhere"),
    pytest.param({"legal_form": "neighbourhood_forum", "area_code": AREA}, True, id="reg5_neighbourhood_forum"),
    pytest.param({"legal_form": "unincorporated_association", "local_member_count": 21,
                  "non_distribution_of_surplus": True}, True, id="reg5_1c_21_local_members"),
    pytest.param({"legal_form": "unincorporated_association", "local_member_count": 20,
                  "non_distribution_of_surplus": True}, False, id="reg5_1c_20_members_too_few"),
    pytest.param({"legal_form": "unincorporated_association", "local_member_count": 40,
                  "non_distribution_of_surplus": False}, False, id="reg5_1c_distributes_surplus"),
    pytest.param({"legal_form": "CLG_non_distributing", "non_distribution_of_surplus": True}, True,
                 id="reg5_1d_clg"),
    pytest.param({"legal_form": "community_benefit_society", "non_distribution_of_surplus": False}, False,
                 id="reg5_1e_society_distributes"),
    pytest.param({"legal_form": "employee_group"}, False, id="s89_employees_cannot_nominate"),
    pytest.param({"legal_form": "charity", "area_code": NEIGHBOUR}, True, id="reg4_neighbouring_area"),
    pytest.param({"legal_form": "charity", "area_code": FAR}, False, id="reg4_no_local_connection"),
])
def test_nominating_body_eligibility(org, eligible):
    problems = acv.nominating_body_eligibility(org, AREA, {NEIGHBOUR})
    assert (problems == []) is eligible, problems


@pytest.mark.parametrize(("org", "eligible"), [
    pytest.param({"legal_form": "charity"}, True, id="reg12_charity"),
    pytest.param({"legal_form": "CIC"}, True, id="reg12_cic"),
    pytest.param({"legal_form": "parish_council", "area_code": AREA}, True, id="reg12_parish"),
    pytest.param({"legal_form": "unincorporated_association", "local_member_count": 50,
                  "non_distribution_of_surplus": True}, False, id="reg12_unincorporated_cannot"),
    pytest.param({"legal_form": "neighbourhood_forum"}, False, id="reg12_forum_cannot"),
    pytest.param({"legal_form": "cooperative_society", "non_distribution_of_surplus": False}, False,
                 id="reg12_coop_distributes"),
    pytest.param({"legal_form": "charity", "area_code": FAR}, False, id="reg12_no_local_connection"),
])
def test_community_interest_group_eligibility(org, eligible):
    assert (moratorium.cig_eligibility(org, AREA, {NEIGHBOUR}) == []) is eligible


def test_ten_rejection_grounds():
    assert list(rtc.GROUNDS) == [f"G{n}" for n in range(1, 11)]  # SI 2012/1647 Schedule


# ---------------------------------------------------------------- CAT heads of terms (LGA 1972 s.123, GDC 2003)

LIMIT = Decimal(2_000_000)
_HOT = {"tenure": "freehold", "market_value_gbp": 3_000_000, "consideration_gbp": 1_500_000,
        "wellbeing_justification": "Social well-being"}


@pytest.mark.parametrize(("values", "nation", "expected"), [
    pytest.param(_HOT, "england", {"undervalue_gbp": 1_500_000, "within_general_consent": True},
                 id="gdc_undervalue_within_2m"),
    pytest.param({**_HOT, "consideration_gbp": 1_000_000}, "england",
                 {"undervalue_gbp": 2_000_000, "within_general_consent": True}, id="gdc_exactly_2m_is_within"),
    pytest.param({**_HOT, "consideration_gbp": 999_999, "consent_reference": "SoS/2026/1"}, "england",
                 {"within_general_consent": False}, id="gdc_over_2m_with_specific_consent"),
    pytest.param({**_HOT, "tenure": "lease", "lease_term_years": 7, "consideration_gbp": 0}, "england",
                 {"short_tenancy": True, "gdc_limit_gbp": None}, id="s123_short_tenancy_7_years"),
    pytest.param({**_HOT, "tenure": "lease", "lease_term_years": 8}, "england",
                 {"short_tenancy": False, "within_general_consent": True}, id="s123_lease_8_years_not_short"),
    pytest.param({**_HOT, "consideration_gbp": 0}, "northern_ireland",
                 {"gdc_limit_gbp": None, "within_general_consent": None}, id="no_gdc_in_northern_ireland"),
])
def test_heads_of_terms_check(values, nation, expected):
    facts = cat.heads_of_terms_check(values, nation, LIMIT)
    for key, value in expected.items():
        assert facts[key] == value, key


@pytest.mark.parametrize(("values", "field"), [
    pytest.param({**_HOT, "consideration_gbp": 999_999}, "consent_reference", id="gdc_over_2m_needs_consent"),
    pytest.param({**_HOT, "wellbeing_justification": None}, "wellbeing_justification", id="gdc_needs_wellbeing"),
    pytest.param({**_HOT, "consideration_gbp": 4_000_000}, "consideration_gbp", id="consideration_above_value"),
    pytest.param({**_HOT, "tenure": "lease"}, "lease_term_years", id="lease_needs_term"),
    pytest.param({**_HOT, "open_space": True}, "s123_notice_published_on", id="s123_2A_open_space_notice"),
])
def test_heads_of_terms_refused(values, field):
    with pytest.raises(InvalidInput) as caught:
        cat.heads_of_terms_check(values, "england", LIMIT)
    assert caught.value.field == field
