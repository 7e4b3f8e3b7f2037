"""The process declarations as tables: every allowed step and every illegal one (pure, no database)."""

import pytest

from registry import permissions
from registry.errors import TransitionRefused
from registry.workflow import acv, moratorium
from registry.workflow.engine import NEW

# (state, action) -> next state. Anything not in a table is refused.
ACV_ALLOWED = {
    (NEW, "start_draft"): "draft",
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

CASES = [(acv.PROCESS, ACV_ALLOWED), (moratorium.PROCESS, MORATORIUM_ALLOWED)]


def _all_pairs():
    for process, allowed in CASES:
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


@pytest.mark.parametrize(("process", "allowed"), CASES, ids=["acv", "moratorium"])
def test_the_tables_cover_exactly_the_declaration(process, allowed):
    declared = {(s, t.action): t.to_state for t in process.transitions for s in t.from_states}
    assert declared == allowed


@pytest.mark.parametrize("process", [acv.PROCESS, moratorium.PROCESS], ids=["acv", "moratorium"])
def test_terminal_states_allow_nothing(process):
    for state in process.terminal:
        assert process.available(state) == []


def test_unknown_action_is_refused_with_what_is_allowed():
    with pytest.raises(TransitionRefused) as caught:
        acv.PROCESS.step("listed", "sell")
    assert "no step called 'sell'" in caught.value.detail
    assert "request_review" in caught.value.detail


@pytest.mark.parametrize(("action", "role", "allowed"), [
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
])
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
