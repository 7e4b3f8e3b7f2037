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
    # English ACV, Localism Act 2011 and SI 2012/2421 (domain §2.2, §2.5, §2.6).
    # "within 8 weeks of receiving" (8 weeks from receipt): the day of receipt is not counted.
    pytest.param("acv-nomination-received", date(2026, 6, 1), "LA2011",
                 {"acv_decision_due": date(2026, 7, 27)},  # 1 Jun + 56 days
                 id="SI2012-2421_reg7_within_8_weeks_of_receipt_1_june"),
    pytest.param("acv-nomination-received", date(2028, 2, 29), "LA2011",
                 {"acv_decision_due": date(2028, 4, 25)},  # 29 Feb + 31 = 31 Mar, + 25
                 id="SI2012-2421_reg7_within_8_weeks_of_29_february"),
    pytest.param("acv-listing-notice-sent", date(2026, 7, 20), "LA2011",
                 {"acv_review_request_due": date(2026, 9, 14),  # 20 Jul + 56 days
                  "acv_listing_expires": date(2031, 7, 19)},  # "beginning with": 20 Jul 2031 - 1 day
                 id="SI2012-2421_sch2_within_8_weeks_of_notice_and_LA2011_s87-3_5y_beginning_with_entry"),
    pytest.param("acv-listing-notice-sent", date(2024, 2, 29), "LA2011",
                 {"acv_review_request_due": date(2024, 4, 25),  # 29 Feb + 56 days
                  "acv_listing_expires": date(2029, 2, 28)},  # no 29 Feb 2029: last day of February
                 id="LA2011_s87-3_5y_beginning_with_29_february_ends_28_february"),
    pytest.param("acv-review-requested", date(2026, 9, 1), "LA2011",
                 {"acv_review_decision_due": date(2026, 10, 27)},  # 1 Sep + 56 days
                 id="SI2012-2421_sch2_review_decision_within_8_weeks_of_request"),
    # GRC Rules r.22(1)(b) "within 28 days of the date on which notice ... was sent", then r.12.
    pytest.param("acv-review-decision-sent", date(2026, 1, 31), "LA2011",
                 {"acv_tribunal_appeal_due": date(2026, 3, 2)},  # Sat 28 Feb -> Mon 2 Mar
                 id="SI2009-1976_r22-1-b_within_28_days_of_sat_31_jan_carried_r12_to_mon_2_mar"),
    pytest.param("acv-review-decision-sent", date(2026, 10, 26), "LA2011",
                 {"acv_tribunal_appeal_due": date(2026, 11, 23)},  # Mon + 28 = Mon: no carry
                 id="SI2009-1976_r22-1-b_within_28_days_of_mon_26_oct"),
    pytest.param("acv-review-decision-sent", date(2026, 11, 28), "LA2011",
                 # + 28 = Sat 26 Dec; Sun 27; Mon 28 Dec is the Boxing Day substitute (England)
                 {"acv_tribunal_appeal_due": date(2026, 12, 29)},
                 id="SI2009-1976_r12_next_working_day_over_english_boxing_day_substitute"),
    pytest.param("acv-review-decision-sent", date(2026, 3, 6), "LA2011",
                 # + 28 = Good Friday 3 Apr; Sat, Sun, Easter Monday 6 Apr (England) -> Tue 7 Apr
                 {"acv_tribunal_appeal_due": date(2026, 4, 7)},
                 id="SI2009-1976_r12_next_working_day_over_english_easter"),
    # Localism Act 2011 s.95(6), SI 2012/2421 reg 2: "beginning with the date of receipt".
    pytest.param("acv-disposal-notice-received", date(2026, 6, 1), "LA2011",
                 {"acv_interim_moratorium_end": date(2026, 7, 12),  # Sun, + 41 days
                  "acv_full_moratorium_end": date(2026, 11, 30),  # 1 Dec - 1 day
                  "acv_protected_period_end": date(2027, 11, 30)},  # 1 Dec 2027 - 1 day
                 id="LA2011_s95-6_moratoria_beginning_with_mon_1_june"),
    pytest.param("acv-disposal-notice-received", date(2026, 8, 31), "LA2011",
                 {"acv_interim_moratorium_end": date(2026, 10, 11),  # 31 Aug + 41 days
                  "acv_full_moratorium_end": date(2027, 2, 28),  # no 31 Feb 2027: last day
                  "acv_protected_period_end": date(2028, 2, 29)},  # no 31 Feb 2028: leap day
                 id="LA2011_s95-6_moratoria_beginning_with_31_aug_month_end"),
    pytest.param("acv-disposal-notice-received", date(2028, 2, 29), "LA2011",
                 {"acv_interim_moratorium_end": date(2028, 4, 10),  # 29 Feb + 41 days
                  "acv_full_moratorium_end": date(2028, 8, 28),  # 29 Aug 2028 - 1 day
                  "acv_protected_period_end": date(2029, 8, 28)},  # 29 Aug 2029 - 1 day
                 id="LA2011_s95-6_moratoria_beginning_with_29_february"),
    # SI 2012/2421 reg 14(5)(b) "13 weeks after the loss ... finished being incurred".
    pytest.param("acv-compensation-loss-ended", date(2026, 11, 30), "LA2011",
                 {"acv_compensation_claim_due": date(2027, 3, 1)},  # 30 Nov + 91 days
                 id="SI2012-2421_reg14-5-b_13_weeks_after_30_nov"),
    pytest.param("acv-compensation-loss-ended", date(2027, 11, 30), "LA2011",
                 {"acv_compensation_claim_due": date(2028, 2, 29)},  # 30 Nov 2027 + 91 days: leap day
                 id="SI2012-2421_reg14-5-b_13_weeks_after_ends_on_29_february"),
    pytest.param("acv-compensation-decision-sent", date(2027, 3, 1), "LA2011",
                 {"acv_compensation_review_request_due": date(2027, 4, 26)},  # 1 Mar + 56 days
                 id="SI2012-2421_reg16_compensation_review_within_8_weeks"),
    # [U] EDCEA 2026 (domain §2.9): only the full moratorium differs, 12 months.
    pytest.param("acv-disposal-notice-received", date(2026, 6, 1), "EDCEA2026",
                 {"acv_interim_moratorium_end": date(2026, 7, 12),
                  "acv_full_moratorium_end": date(2027, 5, 31),  # 1 Jun 2027 - 1 day
                  "acv_protected_period_end": date(2027, 11, 30)},
                 id="EDCEA2026_moratorium_12m_beginning_with_1_june"),
    pytest.param("acv-nomination-received", date(2026, 6, 1), "EDCEA2026",
                 {"acv_decision_due": date(2026, 7, 27)}, id="EDCEA2026_decision_assumed_unchanged"),
    # Right to Challenge (domain §3.1): "within 30 days of" receipt or the window's end.
    pytest.param("rtc-eoi-received", date(2026, 4, 30), "LA2011",
                 {"rtc_timetable_notice_due": date(2026, 5, 30)},  # 30 Apr + 30 days
                 id="LA2011_s84_within_30_days_of_window_end_30_april"),
    # Scottish asset transfer requests (domain §5.1, §5.2).
    # SSI 2016/357 reg 10 "6 months after" the validation date: the corresponding date.
    pytest.param("atr-validated", date(2026, 6, 1), "CESA2015",
                 {"atr_decision_notice_due": date(2026, 12, 1)},  # not §5.2's 30 Nov
                 id="SSI2016-357_reg10_6_months_after_1_june"),
    pytest.param("atr-validated", date(2026, 3, 31), "CESA2015",
                 {"atr_decision_notice_due": date(2026, 9, 30)},  # no 31 Sep: last day
                 id="SSI2016-357_reg10_6_months_after_31_march_month_end"),
    pytest.param("atr-validated", date(2027, 8, 31), "CESA2015",
                 {"atr_decision_notice_due": date(2028, 2, 29)},  # no 31 Feb 2028: leap day
                 id="SSI2016-357_reg10_6_months_after_31_aug_ends_29_february"),
    pytest.param("atr-decision-notice-sent", date(2025, 12, 15), "CESA2015",
                 # 20 Scottish working days: see test_clocks for the count.
                 {"atr_review_or_appeal_due": date(2026, 1, 15),
                  "atr_offer_deadline_earliest": date(2026, 6, 15)},  # "at least 6 months from"
                 id="SSI2016-358_reg3-2-a_20wd_beginning_with_15_dec_2025"),
    pytest.param("atr-decision-notice-sent", date(2026, 11, 9), "CESA2015",
                 # 9-13, 16-20, 23-27 Nov (15); Mon 30 Nov St Andrew's Day; 1-4 Dec (19); Mon 7 Dec
                 {"atr_review_or_appeal_due": date(2026, 12, 7),
                  "atr_offer_deadline_earliest": date(2027, 5, 9)},
                 id="SSI2016-358_reg3-2-a_20wd_skips_st_andrews_day"),
    pytest.param("atr-decision-notice-sent", date(2026, 3, 23), "CESA2015",
                 # 23-27 Mar (5); 30 Mar-2 Apr (9); Good Friday 3 Apr; Easter Monday 6 Apr is a
                 # Scottish working day: 6-10 (14), 13-17 (19), Mon 20 Apr (20)
                 {"atr_review_or_appeal_due": date(2026, 4, 20),
                  "atr_offer_deadline_earliest": date(2026, 9, 23)},
                 id="SSI2016-358_reg3-2-a_20wd_easter_monday_works_in_scotland"),
    pytest.param("atr-decision-period-expired", date(2026, 12, 19), "CESA2015",
                 # Saturday: day 1 is Mon 21 Dec; skips 25, 28 Dec, 1, 4 Jan.
                 {"atr_deemed_refusal_review_or_appeal_due": date(2027, 1, 21)},
                 id="SSI2016-358_reg3-2-b_deemed_refusal_20wd_from_sat_19_dec_2026"),
    pytest.param("atr-review-decision-sent", date(2027, 2, 1), "CESA2015",
                 {"atr_ministers_appeal_due": date(2027, 2, 26)},  # no holidays in Feb 2027
                 id="CESA2015_s88_appeal_after_review_20wd"),
    # Scottish community right to buy (domain §6.1).
    pytest.param("crtb-registered", date(2026, 6, 1), "LRSA2003",
                 {"crtb_registration_expires": date(2031, 5, 31)}, id="LRSA2003_s44_5y_beginning_with"),
    pytest.param("crtb-owner-notice", date(2026, 6, 1), "LRSA2003",
                 {"crtb_ministers_request_due": date(2026, 6, 8)}, id="LRSA2003_s49_within_7_days_of_receipt"),
    pytest.param("crtb-confirmation-requested", date(2026, 6, 5), "LRSA2003",
                 {"crtb_confirmation_due": date(2026, 7, 5)},  # sent 5 Jun; "not later than 30 days after": 5 Jul
                 id="LRSA2003_s49_4_not_later_than_30_days_after_sent"),
    # Part 3A: Thu 31 Dec 2026 + 60 days (31 in January, 28 in February 2027, then 1) = Mon 1 Mar 2027.
    pytest.param("p3a-application-notified", date(2026, 12, 31), "LRSA2003",
                 {"p3a_creditor_report_due": date(2027, 3, 1), "p3a_views_due": date(2027, 3, 1)},
                 id="LRSA2003_part3a_60_days_over_february"),
    # 30 Dec 2027 + 60 days: 31 Jan 2028 is day 32, 28 Feb 2028 day 60 (the leap day 29 Feb is not reached).
    pytest.param("p3a-views-sent-to-body", date(2027, 12, 30), "LRSA2003",
                 {"p3a_body_reply_due": date(2028, 2, 28)}, id="LRSA2003_part3a_reply_60_days"),
    # Part 5: 6 months after 31 Aug 2026 has no 31 Feb: the month's last day, 28 Feb 2027.
    pytest.param("p5-owner-request-sent", date(2026, 8, 31), "LRSA2016",
                 {"p5_application_earliest": date(2027, 2, 28)}, id="LRSA2016_p5_request_6_months_month_end"),
    pytest.param("p5-ballot-held", date(2028, 2, 29), "LRSA2016",
                 {"p5_application_latest": date(2028, 8, 29)}, id="LRSA2016_p5_ballot_6_months_from_29_feb"),
    pytest.param("p5-views-invited", date(2026, 6, 1), "LRSA2016",
                 {"p5_views_due": date(2026, 7, 31)}, id="LRSA2016_p5_views_60_days"),
    # 1 Feb 2028 + 60 days across the leap day: 29 Feb is day 28, 31 Mar day 59, 1 Apr day 60.
    pytest.param("p5-views-sent-to-body", date(2028, 2, 1), "LRSA2016",
                 {"p5_body_reply_due": date(2028, 4, 1)}, id="LRSA2016_p5_reply_60_days_leap_year"),
]

# The statutory phrase each rule must quote (a fragment of it) and how it counts.
WORDS = {
    "acv_decision_due": ("within 8 weeks of receiving the nomination", "after"),
    "acv_review_request_due": ("within 8 weeks of the written notice", "after"),
    "acv_listing_expires": ("five years beginning with the date of that entry", "beginning_with"),
    "acv_review_decision_due": ("within 8 weeks of the request", "after"),
    "acv_tribunal_appeal_due": ("within 28 days of the date on which notice", "after"),
    "acv_interim_moratorium_end": ("six weeks beginning with the date of receipt", "beginning_with"),
    "acv_full_moratorium_end": ("six months beginning with the date the notice was received", "beginning_with"),
    "acv_protected_period_end": ("18 months beginning with", "beginning_with"),
    "acv_compensation_claim_due": ("13 weeks after the loss or expense", "after"),
    "acv_compensation_review_request_due": ("within 8 weeks of", "after"),
    "rtc_timetable_notice_due": ("within 30 days of receiving", "after"),
    "atr_decision_notice_due": ("6 months after the date", "after"),
    "atr_review_or_appeal_due": ("20 working days beginning with the date of the decision notice",
                                 "beginning_with"),
    "atr_offer_deadline_earliest": ("at least 6 months from", "after"),
    "atr_deemed_refusal_review_or_appeal_due": ("20 working days beginning with the date of expiry",
                                                "beginning_with"),
    "atr_ministers_appeal_due": ("20 working days beginning with", "beginning_with"),
    "crtb_registration_expires": ("5 years beginning with", "beginning_with"),
    "crtb_ministers_request_due": ("Not later than 7 days after such receipt", "after"),
    "crtb_confirmation_due": ("not later than 30 days after it was sent", "after"),
    "p3a_creditor_report_due": ("within 60 days of the notice", "after"),
    "p3a_views_due": ("within 60 days of the invitation", "after"),
    "p3a_body_reply_due": ("within 60 days of receiving the views", "after"),
    "p5_application_earliest": ("at least 6 months before the application", "after"),
    "p5_application_latest": ("no earlier than 6 months before the application", "after"),
    "p5_views_due": ("60 days to give views", "after"),
    "p5_body_reply_due": ("60 days to reply", "after"),
}


@pytest.mark.parametrize("rule", rules.RULES["LA2011"] + rules.RULES["CESA2015"] + rules.RULES["LRSA2003"]
                         + rules.RULES["LRSA2016"],
                         ids=lambda rule: f"{rule.code}-{rule.statute}")
def test_every_period_quotes_its_words_and_counts_by_them(rule):
    fragment, counting = WORDS[rule.code]
    assert fragment in rule.words
    assert rule.counting == counting
    assert rule.statute and (rule.confidence == "V" or rule.note)  # an unverified rule says why


def test_only_the_tribunal_appeal_is_carried_to_the_next_working_day():
    carried = {rule.code for regime in rules.RULES.values() for rule in regime if rule.next_working_day}
    assert carried == {"acv_tribunal_appeal_due"}


@pytest.mark.parametrize(("event", "anchor", "regime", "expected"), EVENT_CASES)
def test_deadlines_for_event(event, anchor, regime, expected):
    deadlines = deadlines_for_event(event, anchor, regime=regime)
    assert {d.rule_code: d.due_date for d in deadlines} == expected
    assert all(d.anchor_event == event and d.anchor_date == anchor and d.regime == regime for d in deadlines)


def test_the_default_regime_is_the_one_in_force():
    # Without a regime, the English ACV rules are the Localism Act's: 6 months, not EDCEA's 12.
    found = deadlines_for_event("acv-disposal-notice-received", date(2026, 6, 1))
    assert {d.regime for d in found} == {"LA2011"}
    assert {d.rule_code: d.due_date for d in found}["acv_full_moratorium_end"] == date(2026, 11, 30)


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


def test_tribunal_deadline_says_it_was_carried_and_why():
    (deadline,) = deadlines_for_event("acv-review-decision-sent", date(2026, 1, 31))
    assert deadline.carried_from == date(2026, 2, 28)
    assert deadline.due_date == date(2026, 3, 2)
    assert deadline.period == "28 days after 31 January 2026, carried from 28 February 2026 to the next working day"
    assert "within 28 days of the date on which notice" in deadline.rule_text
    assert "carried to the next working day, 2 March 2026" in deadline.rule_text
    assert deadline.verified is False and "r.12" in deadline.note


def test_period_description_singular_and_plural():
    (deadline,) = deadlines_for_event("acv-nomination-received", date(2026, 6, 1))
    assert deadline.period == "8 weeks after 1 June 2026"
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
        "p3a-application-notified", "p3a-views-sent-to-body", "p5-owner-request-sent", "p5-ballot-held",
        "p5-views-invited", "p5-views-sent-to-body",
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
    assert deadline.due_date == date(2026, 8, 10)  # "within ... of": 1 June + 70 days
    assert deadline.period == "10 weeks after 1 June 2026"
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


# --- configuration read once (Settings), closure days -------------------------------

@pytest.fixture
def restore_configuration():
    saved = rules.configuration()
    yield
    rules.configure(dict(saved.overrides), closure_days=saved.closure_days, closure_rules=saved.closure_rules)


def test_configured_overrides_are_used_and_the_environment_is_not_reread(monkeypatch, restore_configuration):
    rules.configure('{"acv_decision_due": "10 weeks"}')
    monkeypatch.setenv(rules.OVERRIDES_ENV_VAR, '{"acv_decision_due": "2 weeks"}')
    (deadline,) = deadlines_for_event("acv-nomination-received", date(2026, 6, 1))
    assert deadline.due_date == date(2026, 8, 10) and deadline.overridden and not deadline.verified
    assert rules.load_period_overrides() == {"acv_decision_due": Period(10, "weeks")}


def test_settings_read_the_period_configuration_once(monkeypatch):
    from registry.config import Settings

    monkeypatch.setenv(rules.OVERRIDES_ENV_VAR, '{"acv_decision_due": "9 weeks"}')
    monkeypatch.setenv("REGISTRY_LOCAL_CLOSURE_DAYS", "2026-12-24, 2026-12-31")
    monkeypatch.setenv("REGISTRY_CLOSURE_DAY_RULES", "atr_review_or_appeal_due")
    settings = Settings.from_environment()
    assert settings.period_overrides == '{"acv_decision_due": "9 weeks"}'
    assert settings.local_closure_days == (date(2026, 12, 24), date(2026, 12, 31))
    assert settings.closure_day_rules == ("atr_review_or_appeal_due",)


def test_closure_days_count_only_for_the_rules_named(restore_configuration):
    # 20 Scottish working days beginning with Mon 30 Nov 2026 (St Andrew's Day): day 1 is Tue 1 Dec;
    # 1-4, 7-11, 14-18 Dec (14), 21-24 (18), 25 and 28 Dec holidays, 29 (19), 30 Dec (20).
    anchor = date(2026, 11, 30)
    assert due_dates("atr-decision-notice-sent", anchor)["atr_review_or_appeal_due"] == date(2026, 12, 30)
    rules.configure(None, closure_days=[date(2026, 12, 24)], closure_rules=["atr_review_or_appeal_due"])
    # With 24 Dec closed: 29 (18), 30 (19), 31 Dec (20).
    assert due_dates("atr-decision-notice-sent", anchor)["atr_review_or_appeal_due"] == date(2026, 12, 31)
    # A rule not named keeps the statutory working days.
    assert due_dates("atr-decision-period-expired", anchor)["atr_deemed_refusal_review_or_appeal_due"] == date(
        2026, 12, 30)


@pytest.mark.parametrize(
    ("codes", "message"),
    [(["acv_decision_due"], "not a working-day period"),
     (["atr_decision_notice_due"], "not a working-day period"),
     (["nope"], "no such rule")],
    ids=["weeks_rule", "council_decision_period", "unknown"],
)
def test_closure_days_never_lengthen_a_council_period_or_a_calendar_period(codes, message):
    with pytest.raises(ValueError, match=message):
        rules.parse_closure_rules(codes)


def test_closure_days_refused_for_a_council_working_day_rule(monkeypatch):
    council_rule = dataclasses.replace(rules.RULES["CESA2015"][1], code="council_wd", actor="council")
    monkeypatch.setitem(rules.RULES, "TEST", (council_rule,))
    with pytest.raises(ValueError, match="council's own period"):
        rules.parse_closure_rules(["council_wd"])
