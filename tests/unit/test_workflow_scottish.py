"""The Scottish processes as tables: every allowed step, every illegal one, eligibility and routes (pure)."""

from datetime import date

import pytest

from registry.workflow import community_right_to_buy as crtb
from registry.workflow import engine, scottish_atr
from registry.workflow.engine import NEW

_DECIDED = ("agreed", "refused", "deemed_refused")
_BEFORE_DECISION = ("validated", "notified_and_published", "assessment", "decision_extension_agreed")
_WITHDRAWABLE = ("pre_application", "received", "received_incomplete", *_BEFORE_DECISION, *_DECIDED,
                 "under_review", "under_appeal", "offer_made")

# (state, action) -> next state. Anything not in a table is refused.
ATR_ALLOWED = {
    (NEW, "start_pre_application"): "pre_application",
    (NEW, "submit_request"): "received",
    ("pre_application", "submit_request"): "received",
    ("received", "record_incomplete"): "received_incomplete",
    ("received", "validate"): "validated",
    ("received_incomplete", "validate"): "validated",
    ("received", "decline_repeat_s93"): "declined_repeat_s93",
    ("received_incomplete", "decline_repeat_s93"): "declined_repeat_s93",
    ("validated", "decline_repeat_s93"): "declined_repeat_s93",
    ("validated", "notify_and_publish"): "notified_and_published",
    ("decision_extension_agreed", "notify_and_publish"): "notified_and_published",
    ("notified_and_published", "record_representations"): "notified_and_published",
    ("notified_and_published", "begin_assessment"): "assessment",
    ("decision_extension_agreed", "begin_assessment"): "assessment",
    **{(s, "agree_extension"): "decision_extension_agreed" for s in (*_BEFORE_DECISION, "deemed_refused")},
    **{(s, "deem_refused"): "deemed_refused" for s in _BEFORE_DECISION},
    ("assessment", "agree"): "agreed",
    ("decision_extension_agreed", "agree"): "agreed",
    ("assessment", "refuse"): "refused",
    ("decision_extension_agreed", "refuse"): "refused",
    **{(s, "request_review"): "under_review" for s in _DECIDED},
    **{(s, "lodge_appeal"): "under_appeal" for s in _DECIDED},
    ("under_review", "review_agree"): "agreed",
    ("under_review", "review_refuse"): "refused",
    ("under_appeal", "appeal_agree"): "agreed",
    ("under_appeal", "appeal_refuse"): "refusal_final",
    ("refused", "close_refusal"): "refusal_final",
    ("deemed_refused", "close_refusal"): "refusal_final",
    ("agreed", "make_offer"): "offer_made",
    ("agreed", "lapse_offer"): "offer_lapsed",
    ("offer_made", "conclude_contract"): "contract_concluded",
    ("contract_concluded", "complete"): "completed",
    **{(s, "withdraw"): "withdrawn" for s in _WITHDRAWABLE},
}

_CRTB_ACTIVE = ("activated", "confirmation_requested", "ballot", "awaiting_consent", "valuation")
CRTB_ALLOWED = {
    (NEW, "record_application"): "pending",
    ("pending", "record_registration"): "registered",
    ("pending", "record_rejection"): "rejected",
    ("registered", "re_register"): "registered",
    ("registered", "record_owner_notice"): "activated",
    ("owner_withdrew", "record_owner_notice"): "activated",
    ("activated", "record_ministers_request"): "confirmation_requested",
    ("confirmation_requested", "confirm"): "ballot",
    ("confirmation_requested", "decline_to_buy"): "declined",
    ("confirmation_requested", "deem_declined"): "declined",
    ("ballot", "record_ballot"): "awaiting_consent",
    ("ballot", "record_ballot_failed"): "declined",
    ("awaiting_consent", "record_consent"): "valuation",
    ("awaiting_consent", "record_consent_refused"): "declined",
    ("valuation", "record_valuation"): "valuation",
    ("valuation", "record_completion"): "completed",
    **{(s, "record_owner_withdrawal"): "owner_withdrew" for s in _CRTB_ACTIVE},
    ("registered", "expire"): "expired",
    ("owner_withdrew", "expire"): "expired",
    ("expired", "apply_to_reregister"): "pending",
    ("pending", "withdraw"): "withdrawn",
    ("registered", "withdraw"): "withdrawn",
}

# The every-state × every-action test for these tables lives in test_workflow_declarations.py.
CASES = [(scottish_atr.PROCESS, ATR_ALLOWED), (crtb.PROCESS, CRTB_ALLOWED)]


@pytest.mark.parametrize(("process", "allowed"), CASES, ids=["scottish_atr", "crtb"])
def test_the_tables_cover_exactly_the_declaration(process, allowed):
    declared = {(s, t.action): t.to_state for t in process.transitions for s in t.from_states}
    assert declared == allowed


@pytest.mark.parametrize(("process", "allowed"), CASES, ids=["scottish_atr", "crtb"])
def test_terminal_states_allow_nothing_and_every_state_is_reachable(process, allowed):
    for state in process.terminal:
        assert process.available(state) == []
    reachable = {NEW} | set(allowed.values())
    assert reachable == set(process.states)


def test_the_engine_knows_both_processes():
    assert engine.get_process("scottish_atr") is scottish_atr.PROCESS
    assert engine.get_process("community_right_to_buy") is crtb.PROCESS


def test_only_the_clock_steps_are_automatic():
    assert {t.action for t in scottish_atr.TRANSITIONS if t.system} == {"deem_refused", "close_refusal",
                                                                         "lapse_offer"}
    assert {t.action for t in crtb.TRANSITIONS if t.system} == {"deem_declined", "expire"}


# Checked by test_role_table in test_workflow_declarations.py.
SCOTTISH_ROLE_CASES = [
    pytest.param("atr.request", "community_group_rep", True, id="body_makes_request"),
    pytest.param("atr.request", "citizen", False, id="citizen_cannot_request"),
    pytest.param("atr.validate", "council_officer", True, id="officer_validates"),
    pytest.param("atr.validate", "community_group_rep", False, id="body_cannot_validate"),
    pytest.param("atr.decide", "council_officer", False, id="officer_cannot_decide"),
    pytest.param("atr.decide", "council_decision_maker", True, id="s82_decision_maker_decides"),
    pytest.param("atr.review", "reviewer", True, id="s86_reviewer"),
    pytest.param("atr.review", "community_group_rep", False, id="body_cannot_review"),
    pytest.param("atr.record", "community_group_rep", False, id="body_cannot_record_completion"),
    pytest.param("crtb.confirm", "community_group_rep", True, id="s49_body_confirms"),
    pytest.param("crtb.confirm", "council_officer", False, id="s49_officer_cannot_confirm_for_body"),
    pytest.param("crtb.record", "public", False, id="public_cannot_record"),
]


# ---------------------------------------------------------------- s.19, s.77 and s.80 eligibility

CONSTITUTED = {"community_definition": "People living in Leith (EH6)", "non_distribution_of_surplus": True,
               "member_count": 30, "local_member_count": 25, "asset_lock": True}


@pytest.mark.parametrize(("org", "transfer_type", "eligible"), [
    pytest.param({**CONSTITUTED, "legal_form": "SCIO"}, "ownership", True, id="s80_scio_owns"),
    pytest.param({**CONSTITUTED, "legal_form": "CLG_non_distributing"}, "ownership", True, id="s80_company_owns"),
    pytest.param({**CONSTITUTED, "legal_form": "community_benefit_society"}, "ownership", True,
                 id="s80_bencom_owns"),
    pytest.param({**CONSTITUTED, "legal_form": "SCIO", "member_count": 19, "local_member_count": 19},
                 "ownership", False, id="s80_19_members_too_few"),
    pytest.param({**CONSTITUTED, "legal_form": "SCIO", "member_count": 20, "local_member_count": 20},
                 "ownership", True, id="s80_20_members_enough"),
    pytest.param({**CONSTITUTED, "legal_form": "SCIO", "asset_lock": False}, "ownership", False,
                 id="s80_no_winding_up_provision"),
    pytest.param({**CONSTITUTED, "legal_form": "unincorporated_association"}, "ownership", False,
                 id="s80_unincorporated_cannot_own"),
    pytest.param({**CONSTITUTED, "legal_form": "unincorporated_association"}, "lease", True,
                 id="s19_unincorporated_may_lease"),
    pytest.param({**CONSTITUTED, "legal_form": "unincorporated_association", "member_count": 12,
                  "local_member_count": 12}, "other_rights", True, id="s19_small_body_other_rights"),
    pytest.param({**CONSTITUTED, "legal_form": "SCIO", "community_definition": ""}, "lease", False,
                 id="s19_no_community_defined"),
    pytest.param({**CONSTITUTED, "legal_form": "SCIO", "non_distribution_of_surplus": False}, "lease", False,
                 id="s19_surplus_distributed"),
    pytest.param({**CONSTITUTED, "legal_form": "SCIO", "local_member_count": 15}, "lease", False,
                 id="s19_community_not_majority"),
    pytest.param({**CONSTITUTED, "legal_form": "parish_council"}, "lease", False, id="s77_english_parish"),
])
def test_transfer_body_eligibility(org, transfer_type, eligible):
    problems = scottish_atr.transfer_body_eligibility(org, transfer_type)
    assert (problems == []) is eligible, problems


@pytest.mark.parametrize(("authority_type", "first", "section", "then"), [
    pytest.param("local_authority", "review", "s.86", "s.88", id="s86_then_s88"),
    pytest.param("scottish_ministers", "review", "s.87", None, id="s87_ministers_review"),
    pytest.param("other_relevant_authority", "appeal", "s.85", None, id="s85_appeal"),
])
def test_review_route(authority_type, first, section, then):
    route = scottish_atr.review_route(authority_type)
    assert (route["first"], route["first_section"], route["then_section"]) == (first, section, then)


@pytest.mark.parametrize(("kind", "authority_type"), [
    pytest.param("council_area", "local_authority", id="scottish_council"),
    pytest.param("health_board", "other_relevant_authority", id="other_body"),
])
def test_authority_type_for(kind, authority_type):
    assert scottish_atr.authority_type_for(kind) == authority_type


@pytest.mark.parametrize(("notice", "earliest"), [
    pytest.param(date(2026, 12, 19), date(2027, 6, 19), id="offer_at_least_6m_from_19_dec_2026_day_not_counted"),
    pytest.param(date(2026, 8, 31), date(2027, 2, 28), id="offer_6m_from_31_aug_month_end"),
    pytest.param(date(2027, 8, 31), date(2028, 2, 29), id="offer_6m_from_31_aug_leap_year"),
])
def test_earliest_offer_deadline(notice, earliest):
    assert scottish_atr.earliest_offer_deadline(notice) == earliest


# ---------------------------------------------------------------- community right to buy: body and ballot


#: A body with every s.34 fact recorded: a community defined, 12 members, 9 of them from the community, no
#: surplus paid to members.
S34 = {"community_definition": "Postcode units IV27 4..", "member_count": 12, "local_member_count": 9,
       "non_distribution_of_surplus": True}


@pytest.mark.parametrize(("form", "eligible"), [
    pytest.param("CLG_non_distributing", True, id="s34_company"),
    pytest.param("SCIO", True, id="s34_scio"),
    pytest.param("community_benefit_society", True, id="s34_bencom"),
    pytest.param("CIC", False, id="s34_cic_ineligible"),
    pytest.param("unincorporated_association", False, id="s34_unincorporated_ineligible"),
])
def test_community_body_eligibility(form, eligible):
    assert (crtb.community_body_eligibility({**S34, "legal_form": form}) == []) is eligible


@pytest.mark.parametrize(("facts", "says"), [
    pytest.param({"legal_form": "CIC"}, "it is a community interest company (CIC): only a company limited by "
                 "guarantee, a SCIO or a community benefit society", id="cic_in_plain_words"),
    pytest.param({"legal_form": "community_council_wales"}, "it is a community council (Wales)",
                 id="community_council"),
    pytest.param({"member_count": 9}, "it needs at least 10 members; it has 9", id="nine_members"),
    pytest.param({"member_count": None}, "its record does not say how many it has", id="members_unknown"),
    pytest.param({"local_member_count": 6}, "most of its members must be members of the community; 6 of its 12 are",
                 id="half_local_is_not_most"),
    pytest.param({"community_definition": ""}, "does not define the community", id="no_community_defined"),
    pytest.param({"non_distribution_of_surplus": False}, "use any surplus for the community's benefit",
                 id="may_distribute_surplus"),
])
def test_community_body_ineligibility_says_why_in_plain_words(facts, says):
    problems = crtb.community_body_eligibility({**S34, "legal_form": "SCIO", **facts})
    assert len(problems) == 1 and says in problems[0]


@pytest.mark.parametrize(("local", "eligible"), [
    pytest.param(9, True, id="p5_nine_of_twelve_is_three_quarters"),
    pytest.param(8, False, id="p5_eight_of_twelve_is_under_three_quarters"),
])
def test_part5_needs_three_quarters_from_the_community(local, eligible):
    from registry.workflow import sustainable_development

    problems = sustainable_development.part5_body_eligibility({**S34, "legal_form": "SCIO",
                                                                "local_member_count": local})
    assert (problems == []) is eligible
    if not eligible:
        assert problems == [("at least three-quarters of its members must be members of the community; 8 of its "
                             "12 are")]


def test_turnout_in_words():
    assert crtb.turnout(70, 30, 150) == "100 of 150 (66.7%)"


@pytest.mark.parametrize(("votes_for", "against", "eligible", "judged", "approves"), [
    pytest.param(60, 40, 150, False, True, id="s51_majority_and_two_thirds_turnout"),
    pytest.param(50, 50, 150, False, False, id="s51_tie_is_not_a_majority"),
    pytest.param(40, 10, 150, False, False, id="s51_turnout_under_half"),
    pytest.param(40, 10, 150, True, True, id="s51_lower_turnout_judged_sufficient"),
    pytest.param(38, 37, 150, False, True, id="s51_exactly_half_turnout"),
])
def test_ballot(votes_for, against, eligible, judged, approves):
    assert (crtb.ballot_approves(votes_for, against, eligible, judged) == []) is approves
