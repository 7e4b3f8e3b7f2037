"""Who may nominate land (SI 2012/2421 reg 5) and who is a community interest group (reg 12): pure table tests."""

import pytest

from registry.workflow.acv import listed_form, nominating_body_eligibility
from registry.workflow.moratorium import cig_eligibility

AREA = "E08000035"


def body(legal_form, **extra):
    return {"legal_form": legal_form, "area_code": AREA, "non_distribution_of_surplus": True,
            "local_member_count": 30, **extra}


@pytest.mark.parametrize(("org", "eligible"), [
    pytest.param(body("trust"), False, id="reg5_plain_trust_is_not_a_listed_body"),
    pytest.param(body("trust", charity_number=""), False, id="reg5_trust_with_a_blank_charity_number"),
    pytest.param(body("trust", charity_number="1190001"), True, id="reg5-1-b_charitable_trust_registered_as_charity"),
    pytest.param(body("charity"), True, id="reg5-1-b_charity"),
    pytest.param(body("CIO"), True, id="reg5-1-b_CIO_is_a_charity"),
    pytest.param(body("CIC"), True, id="reg5-1-f_CIC"),
    pytest.param(body("neighbourhood_forum"), True, id="reg5-1-a_neighbourhood_forum"),
    pytest.param(body("unincorporated_association"), True, id="reg5-1-c_21_local_members"),
    pytest.param(body("unincorporated_association", local_member_count=20), False, id="reg5-1-c_20_members"),
    pytest.param(body("CLG_non_distributing", non_distribution_of_surplus=False), False,
                 id="reg5-1-d_company_that_distributes"),
    pytest.param(body("employee_group"), False, id="reg5_employee_group_is_not_listed"),
])
def test_nominating_body_eligibility(org, eligible):
    problems = nominating_body_eligibility(org, AREA)
    assert (problems == []) is eligible, problems


def test_a_plain_trust_is_told_how_it_could_qualify():
    (problem,) = nominating_body_eligibility(body("trust"), AREA)
    assert "charity number" in problem and "reg 5" in problem


@pytest.mark.parametrize(("org", "eligible"), [
    pytest.param(body("trust"), False, id="reg12_plain_trust_is_not_a_community_interest_group"),
    pytest.param(body("trust", charity_number="1190001"), True, id="reg12_charitable_trust_registered_as_charity"),
    pytest.param(body("charity"), True, id="reg12_charity"),
    pytest.param(body("unincorporated_association"), False, id="reg12_unincorporated_body_cannot_trigger"),
    pytest.param(body("neighbourhood_forum"), False, id="reg12_neighbourhood_forum_cannot_trigger"),
])
def test_community_interest_group_eligibility(org, eligible):
    problems = cig_eligibility(org, AREA)
    assert (problems == []) is eligible, problems


@pytest.mark.parametrize(("org", "form"), [
    ({"legal_form": "trust"}, None),
    ({"legal_form": "trust", "charity_number": " 1190001 "}, "charity"),
    ({"legal_form": "CIC", "charity_number": "1"}, "CIC"),
])
def test_listed_form(org, form):
    assert listed_form(org) == form
