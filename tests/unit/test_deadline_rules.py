"""Table tests for registry.workflow.rules: statutory deadlines as data.

Expected dates are worked by hand with the "beginning with" rule (domain §0.1);
see tests/unit/test_clocks.py for the counting itself.
"""

import dataclasses
from datetime import date

import pytest

from registry.errors import InvalidInput
from registry.workflow import rules
from registry.workflow.rules import Period, deadlines_for_event


def due_dates(event, anchor, **kwargs):
    return {d.rule_code: d.due_date for d in deadlines_for_event(event, anchor, **kwargs)}


EVENT_CASES = [
    # English ACV, Localism Act 2011 (domain §2.2, §2.5, §2.6).
    pytest.param("acv-nomination-received", date(2026, 6, 1), "LA2011",
                 {"acv_decision_due": date(2026, 7, 26)},  # + 55 days
                 id="reg7_decision_8w_beginning_with_1_june"),
    pytest.param("acv-listing-notice-sent", date(2026, 7, 20), "LA2011",
                 {"acv_review_request_due": date(2026, 9, 13),  # 20 Jul + 55 days
                  "acv_listing_expires": date(2031, 7, 19)},  # 20 Jul 2031 - 1 day
                 id="s92_review_8w_and_s87_listing_5y_from_entry"),
    pytest.param("acv-review-requested", date(2026, 9, 1), "LA2011",
                 {"acv_review_decision_due": date(2026, 10, 26)},  # 1 Sep + 55 days
                 id="sch2_review_decision_8w"),
    pytest.param("acv-review-decision-sent", date(2026, 10, 26), "LA2011",
                 {"acv_tribunal_appeal_due": date(2026, 11, 22)},  # 26 Oct + 27 days
                 id="reg11_tribunal_appeal_28d"),
    pytest.param("acv-disposal-notice-received", date(2026, 6, 1), "LA2011",
                 {"acv_interim_moratorium_end": date(2026, 7, 12),  # Sun, + 41 days
                  "acv_full_moratorium_end": date(2026, 11, 30),  # 1 Dec - 1 day
                  "acv_protected_period_end": date(2027, 11, 30)},  # 1 Dec 2027 - 1 day
                 id="s95_moratoria_beginning_with_mon_1_june"),
    pytest.param("acv-disposal-notice-received", date(2026, 8, 31), "LA2011",
                 {"acv_interim_moratorium_end": date(2026, 10, 11),  # 31 Aug + 41 days
                  "acv_full_moratorium_end": date(2027, 2, 28),  # no 31 Feb 2027: last day
                  "acv_protected_period_end": date(2028, 2, 29)},  # no 31 Feb 2028: leap day
                 id="s95_moratoria_beginning_with_31_aug"),
    pytest.param("acv-compensation-loss-ended", date(2026, 11, 30), "LA2011",
                 {"acv_compensation_claim_due": date(2027, 2, 28)},  # 30 Nov + 90 days
                 id="reg14_compensation_claim_13w"),
    pytest.param("acv-compensation-decision-sent", date(2027, 3, 1), "LA2011",
                 {"acv_compensation_review_request_due": date(2027, 4, 25)},  # 1 Mar + 55 days
                 id="compensation_review_request_8w"),
    # [U] EDCEA 2026 (domain §2.9): only the full moratorium differs, 12 months.
    pytest.param("acv-disposal-notice-received", date(2026, 6, 1), "EDCEA2026",
                 {"acv_interim_moratorium_end": date(2026, 7, 12),
                  "acv_full_moratorium_end": date(2027, 5, 31),  # 1 Jun 2027 - 1 day
                  "acv_protected_period_end": date(2027, 11, 30)},
                 id="edcea_moratorium_12m_beginning_with_1_june"),
    pytest.param("acv-nomination-received", date(2026, 6, 1), "EDCEA2026",
                 {"acv_decision_due": date(2026, 7, 26)}, id="edcea_decision_8w_assumed_unchanged"),
    # Right to Challenge (domain §3.2).
    pytest.param("rtc-eoi-received", date(2026, 4, 30), "LA2011",
                 {"rtc_timetable_notice_due": date(2026, 5, 29)},  # 30 Apr + 29 days
                 id="s84_rtc_timetable_30d"),
    # Scottish asset transfer requests (domain §5.1, §5.2).
    pytest.param("atr-validated", date(2026, 3, 31), "CESA2015",
                 {"atr_decision_notice_due": date(2026, 9, 30)},  # no 31 Sep: last day
                 id="ssi_2016_357_reg10_decision_6m_from_31_march"),
    pytest.param("atr-decision-notice-sent", date(2025, 12, 15), "CESA2015",
                 # 20 Scottish working days: see test_clocks for the count.
                 {"atr_review_or_appeal_due": date(2026, 1, 15),
                  "atr_offer_deadline_earliest": date(2026, 6, 14)},  # 15 Jun - 1 day
                 id="ssi_2016_358_reg3_20wd_from_15_dec_2025"),
    pytest.param("atr-decision-period-expired", date(2026, 12, 19), "CESA2015",
                 # Saturday: day 1 is Mon 21 Dec; skips 25, 28 Dec, 1, 4 Jan.
                 {"atr_deemed_refusal_review_or_appeal_due": date(2027, 1, 21)},
                 id="ssi_2016_358_reg3_deemed_refusal_20wd_from_sat_19_dec_2026"),
    pytest.param("atr-review-decision-sent", date(2027, 2, 1), "CESA2015",
                 {"atr_ministers_appeal_due": date(2027, 2, 26)},  # no holidays in Feb 2027
                 id="s88_appeal_after_review_20wd"),
    # Scottish community right to buy (domain §6.1).
    pytest.param("crtb-registered", date(2026, 6, 1), "LRSA2003",
                 {"crtb_registration_expires": date(2031, 5, 31)}, id="s44_registration_5y"),
    pytest.param("crtb-owner-notice", date(2026, 6, 1), "LRSA2003",
                 {"crtb_ministers_request_due": date(2026, 6, 7)}, id="s49_ministers_ask_within_7d"),
    pytest.param("crtb-confirmation-requested", date(2026, 6, 5), "LRSA2003",
                 {"crtb_confirmation_due": date(2026, 7, 4)},  # 5 Jun + 29 days
                 id="s49_body_confirms_within_30d"),
]


@pytest.mark.parametrize(("event", "anchor", "regime", "expected"), EVENT_CASES)
def test_deadlines_for_event(event, anchor, regime, expected):
    deadlines = deadlines_for_event(event, anchor, regime=regime)
    assert {d.rule_code: d.due_date for d in deadlines} == expected
    assert all(d.anchor_event == event and d.anchor_date == anchor and d.regime == regime for d in deadlines)


def test_the_default_regime_is_the_one_in_force():
    assert due_dates("acv-disposal-notice-received", date(2026, 6, 1)) == due_dates(
        "acv-disposal-notice-received", date(2026, 6, 1), regime="LA2011"
    )


def test_edcea_differs_from_la2011_only_in_the_full_moratorium():
    anchor = date(2026, 6, 1)
    for event in (e for e in rules.EVENTS if "EDCEA2026" in e.regimes):
        old, new = due_dates(event.code, anchor), due_dates(event.code, anchor, regime="EDCEA2026")
        assert old.keys() == new.keys()
        assert {code for code in old if old[code] != new[code]} <= {"acv_full_moratorium_end"}


def test_every_edcea_rule_is_marked_unverified():
    assert {rule.confidence for rule in rules.RULES["EDCEA2026"]} == {"U"}


def test_deadline_carries_what_the_page_and_the_row_need():
    (deadline, offer) = deadlines_for_event("atr-decision-notice-sent", date(2025, 12, 15))
    assert deadline.label == "Last day to ask for a review or to appeal"
    assert deadline.period == "20 working days in Scotland beginning with 15 December 2025"
    assert deadline.statute.startswith("SSI 2016/358")
    assert (deadline.actor, deadline.kind, deadline.overridden) == ("group", "act_by", False)
    assert offer.kind == "not_before"
    assert deadline.as_row() == {
        "rule_code": "atr_review_or_appeal_due",
        "anchor_event": "atr-decision-notice-sent",
        "anchor_date": date(2025, 12, 15),
        "due_date": date(2026, 1, 15),
    }
    with pytest.raises(dataclasses.FrozenInstanceError):
        deadline.due_date = date(2026, 1, 16)


def test_period_description_singular_and_plural():
    (deadline,) = deadlines_for_event("acv-nomination-received", date(2026, 6, 1))
    assert deadline.period == "8 weeks beginning with 1 June 2026"
    assert Period(1, "weeks").describe("england") == "1 week"
    assert Period(1, "working_days").describe("scotland") == "1 working day in Scotland"


# --- events, rules and their consistency -------------------------------------

def test_events_are_listed_in_calculator_order():
    assert [event.code for event in rules.EVENTS] == [
        "acv-nomination-received", "acv-listing-notice-sent", "acv-review-requested",
        "acv-review-decision-sent", "acv-disposal-notice-received", "acv-compensation-loss-ended",
        "acv-compensation-decision-sent", "rtc-eoi-received", "atr-validated",
        "atr-decision-notice-sent", "atr-decision-period-expired", "atr-review-decision-sent",
        "crtb-registered", "crtb-owner-notice", "crtb-confirmation-requested",
    ]


@pytest.mark.parametrize("event", rules.EVENTS, ids=lambda e: e.code)
def test_every_event_is_described_and_starts_a_clock_in_each_of_its_regimes(event):
    assert event.process in rules.PROCESSES and event.description
    for regime in event.regimes:
        assert regime in rules.REGIMES
        assert deadlines_for_event(event.code, date(2026, 6, 1), regime=regime)


@pytest.mark.parametrize("regime", list(rules.RULES))
def test_rules_are_well_formed(regime):
    codes = [rule.code for rule in rules.RULES[regime]]
    assert len(codes) == len(set(codes))
    for rule in rules.RULES[regime]:
        assert rule.regime == regime and regime in rules.EVENTS_BY_CODE[rule.event].regimes
        assert rule.actor in rules.ACTORS and rule.kind in rules.KINDS
        assert rule.confidence in {"V", "P", "U"} and rule.statute and rule.label
        assert rule.nation in {"england", "scotland"}


# --- bad input -----------------------------------------------------------------

@pytest.mark.parametrize("event", ["acv-nomination", "", None], ids=["misspelt", "empty", "none"])
def test_unknown_event_is_invalid_input_naming_event(event):
    with pytest.raises(InvalidInput) as caught:
        deadlines_for_event(event, date(2026, 6, 1))
    assert caught.value.field == "event"
    assert "acv-nomination-received" in caught.value.detail  # the known events are listed


@pytest.mark.parametrize(
    ("event", "regime"),
    [
        ("acv-nomination-received", "LA2012"),
        ("acv-nomination-received", "CESA2015"),
        ("atr-validated", "LA2011"),
    ],
    ids=["unknown_regime", "scottish_regime_for_acv", "english_regime_for_atr"],
)
def test_regime_that_does_not_govern_the_event_is_invalid_input(event, regime):
    with pytest.raises(InvalidInput) as caught:
        deadlines_for_event(event, date(2026, 6, 1), regime=regime)
    assert caught.value.field == "regime"


# --- configuration overrides ------------------------------------------------------

def test_override_replaces_a_period_in_every_regime():
    (deadline,) = deadlines_for_event("acv-nomination-received", date(2026, 6, 1),
                                      overrides={"acv_decision_due": "10 weeks"})
    assert deadline.due_date == date(2026, 8, 9)  # 1 June + 69 days
    assert deadline.period == "10 weeks beginning with 1 June 2026"
    assert deadline.overridden is True


def test_regime_scoped_override_wins_and_leaves_other_regimes_alone():
    overrides = {"acv_full_moratorium_end": "7 months", "EDCEA2026:acv_full_moratorium_end": "9 months"}
    event, anchor = "acv-disposal-notice-received", date(2026, 6, 1)
    la2011 = due_dates(event, anchor, overrides=overrides)
    edcea = due_dates(event, anchor, regime="EDCEA2026", overrides=overrides)
    assert la2011["acv_full_moratorium_end"] == date(2026, 12, 31)  # 1 Jan 2027 - 1 day
    assert edcea["acv_full_moratorium_end"] == date(2027, 2, 28)  # 1 Mar 2027 - 1 day
    assert la2011["acv_interim_moratorium_end"] == date(2026, 7, 12)  # untouched


@pytest.mark.parametrize(
    "spec",
    [
        {"amount": 25, "unit": "working_days"},
        "25 working days",
        "25 working_days",
        Period(25, "working_days"),
    ],
    ids=["mapping", "words", "underscore", "period"],
)
def test_override_formats(spec):
    # 20 Scottish working days from 15 Dec 2025 end Thu 15 Jan; five more: 16, 19, 20, 21, 22 Jan.
    overrides = {"atr_review_or_appeal_due": spec}
    dates = due_dates("atr-decision-notice-sent", date(2025, 12, 15), overrides=overrides)
    assert dates["atr_review_or_appeal_due"] == date(2026, 1, 22)


@pytest.mark.parametrize(
    "overrides",
    [
        {"no_such_rule": "6 weeks"},
        {"XX:acv_decision_due": "6 weeks"},
        {"CESA2015:acv_decision_due": "6 weeks"},
        {"acv_decision_due": "six weeks"},
        {"acv_decision_due": "0 weeks"},
        {"acv_decision_due": {"amount": 3, "unit": "fortnights"}},
    ],
    ids=["unknown_rule", "unknown_regime", "rule_not_in_regime", "words", "zero", "bad_unit"],
)
def test_bad_overrides_fail_fast(overrides):
    with pytest.raises(ValueError, match="period override"):
        rules.parse_period_overrides(overrides)


def test_overrides_load_from_the_environment():
    environ = {rules.OVERRIDES_ENV_VAR: '{"EDCEA2026:acv_full_moratorium_end": "12 months"}'}
    assert rules.load_period_overrides(environ) == {"EDCEA2026:acv_full_moratorium_end": Period(12, "months")}
    assert rules.load_period_overrides({}) == {}
    assert rules.load_period_overrides({rules.OVERRIDES_ENV_VAR: "  "}) == {}


@pytest.mark.parametrize("text", ["{not json", '["acv_decision_due"]'], ids=["invalid_json", "not_an_object"])
def test_bad_override_environment_fails_fast(text):
    with pytest.raises(ValueError, match=rules.OVERRIDES_ENV_VAR):
        rules.load_period_overrides({rules.OVERRIDES_ENV_VAR: text})
