"""The pure rules behind the dashboards and the s.95 report, as tables worked by hand."""

from datetime import date

import pytest

from registry.config import _CLASSIFICATION_CODE, _classification_pairs
from registry.dashboards import summarise_decisions
from registry.errors import InvalidInput
from registry.scottish_reports import (
    SH_CLASSIFICATIONS,
    classification_table,
    count_events,
    current_reporting_year,
    reporting_year,
    sh_classification,
)
from registry.vocabulary import ASSET_TYPES


@pytest.mark.parametrize(("year", "first", "last"), [
    (2026, date(2026, 4, 1), date(2027, 3, 31)),
    (2016, date(2016, 4, 1), date(2017, 3, 31)),
])
def test_reporting_year_runs_1_april_to_31_march(year, first, last):
    assert reporting_year(year) == (first, last)


@pytest.mark.parametrize(("today", "year"), [
    (date(2027, 3, 31), 2026), (date(2027, 4, 1), 2027), (date(2026, 12, 2), 2026), (date(2027, 1, 1), 2026),
])
def test_current_reporting_year(today, year):
    assert current_reporting_year(today) == year


def test_reporting_year_before_part_5_is_refused_naming_the_field():
    with pytest.raises(InvalidInput) as error:
        reporting_year(2015)
    assert error.value.field == "year"


@pytest.mark.parametrize(("events", "expected"), [
    ([{"action": "submit_request"}] * 3, {"received": 3}),
    ([{"action": "agree"}, {"action": "refuse"}, {"action": "deem_refused"}],
     {"agreed": 1, "refused": 2, "deemed_refused": 1}),
    ([{"action": "complete", "transfer_type": "ownership"}, {"action": "complete", "transfer_type": "lease"},
      {"action": "complete", "transfer_type": "other_rights"}, {"action": "complete", "transfer_type": None}],
     {"ownership": 1, "lease": 1, "other_rights": 2}),
    ([{"action": "appeal_agree", "appeal_outcome": "allowed"}, {"action": "appeal_refuse",
                                                               "appeal_outcome": "dismissed"},
      {"action": "appeal_agree", "appeal_outcome": "reversed"}],
     {"appeal_allowed": 1, "appeal_dismissed": 1, "appeal_reversed": 1}),
    ([{"action": "review_agree", "review_outcome": "substituted"},
      {"action": "review_refuse", "review_outcome": "confirmed"},
      {"action": "review_refuse", "review_outcome": "modified"}],
     {"review_substituted": 1, "review_confirmed": 1, "review_modified": 1}),
])
def test_s95_counts(events, expected):
    counts = count_events(events)
    assert {k: v for k, v in counts.items() if v} == expected


def _row(anchor, last_day, met_at, status="met", year=2026):
    return {"authority_code": "S12000036", "authority_name": "City of Edinburgh", "rule_code": "atr_decision_notice_due",
            "status": status, "anchor_date": anchor, "last_day": last_day, "met_at": met_at, "year": year}


def test_decisions_summary_median_share_and_late():
    rows = [
        _row(date(2026, 1, 1), date(2026, 7, 1), date(2026, 2, 1)),    # 31 days, in time
        _row(date(2026, 1, 1), date(2026, 7, 1), date(2026, 7, 1)),    # 181 days, on the last day: in time
        _row(date(2026, 1, 1), date(2026, 7, 1), date(2026, 7, 2)),    # 182 days, a day late
        _row(date(2026, 1, 1), date(2026, 7, 1), None, status="missed"),  # deemed refusal: late, no days
    ]
    [summary] = summarise_decisions(rows)
    assert (summary["decided"], summary["decided_in_time"], summary["share_in_time_pct"]) == (4, 2, 50.0)
    assert summary["median_days"] == 181 and summary["median_limit_days"] == 181


def _rule_row(rule, anchor, last_day, met_at):
    return {**_row(anchor, last_day, met_at), "rule_code": rule}


SUMMARY_KEYS = ("limit", "decided", "decided_in_time", "share_in_time_pct", "median_days", "median_limit_days")

# rule; rows of (anchor, last day, met on); then, worked by hand: the kind of limit, how many decided, how many
# in time, the share in time, the median days taken and the median days allowed.
DECISION_CASES = {
    # received 5 Jan, promised 31 March (85 days), decided 20 March (74 days): in time;
    # received 2 Feb, promised 30 April (87 days), decided 6 May (93 days): late.
    "la2011_s84_rtc_in_time_by_the_date_promised": (
        "rtc_decision_due", [("2026-01-05", "2026-03-31", "2026-03-20"), ("2026-02-02", "2026-04-30", "2026-05-06")],
        ("promised", 2, 1, 50.0, 83.5, 86)),
    # decided on the promised day itself (31 March: 85 days from 5 January): in time.
    "la2011_s84_rtc_on_the_promised_day_is_in_time": (
        "rtc_decision_due", [("2026-01-05", "2026-03-31", "2026-03-31")],
        ("promised", 1, 1, 100.0, 85, 85)),
    # 12 Jan - 30 June: 169 days; 2 - 23 March: 21 days; 2 Feb - 11 May: 98 days. No limit at all.
    "cat_policy_no_statutory_limit_no_share_in_time": (
        "cat_decision",
        [("2026-01-12", None, "2026-06-30"), ("2026-03-02", None, "2026-03-23"), ("2026-02-02", None, "2026-05-11")],
        ("none", 3, None, None, 98, None)),
    # a statutory period: 31 March - 30 Sept (183 days), decided 1 Sept (154 days).
    "ceas2015_s82_statutory_period": (
        "atr_decision_notice_due", [("2026-03-31", "2026-09-30", "2026-09-01")],
        ("statutory", 1, 1, 100.0, 154, 183)),
}


@pytest.mark.parametrize(("rule", "rows", "values"), DECISION_CASES.values(), ids=DECISION_CASES.keys())
def test_decisions_summary_by_kind_of_limit(rule, rows, values):
    def day(text):
        return None if text is None else date.fromisoformat(text)

    expected = dict(zip(SUMMARY_KEYS, values, strict=True))
    [summary] = summarise_decisions([_rule_row(rule, day(a), day(b), day(c)) for a, b, c in rows])
    assert {key: summary[key] for key in expected} == expected
    assert all(type(summary[k]) is int for k in ("median_days", "median_limit_days")
               if isinstance(expected[k], int))  # 86, not 86.0, in the page and the CSV


def test_sh_classifications_name_only_our_asset_types_and_well_formed_codes():
    assert set(SH_CLASSIFICATIONS) <= set(ASSET_TYPES)
    assert all(_CLASSIFICATION_CODE.fullmatch(code) for code, _ in SH_CLASSIFICATIONS.values())


@pytest.mark.parametrize(("text", "pairs"), [
    ("", ()),
    ("depot=CI08", (("depot", "CI08"),)),
    (" depot = ci08 , former_school= ", (("depot", "CI08"), ("former_school", ""))),
])
def test_sh_classification_setting_is_read_as_pairs(text, pairs):
    assert _classification_pairs(text) == pairs


@pytest.mark.parametrize("text", ["depot", "=CI08", "depot=Library", "depot=CI8"])
def test_sh_classification_setting_refuses_what_is_not_a_pair_of_type_and_code(text):
    with pytest.raises(ValueError, match="REGISTRY_SH_CLASSIFICATION"):
        _classification_pairs(text)


def test_sh_classification_table_applies_overrides_and_refuses_unknown_types():
    table = classification_table((("depot", "CI08"), ("library", "")))
    assert table["depot"] == "CI08" and "library" not in table and table["museum"] == "CL04"
    with pytest.raises(ValueError, match="libary"):
        classification_table((("libary", "CL03"),))
    assert sh_classification("museum", table) == "CL04"
    assert sh_classification("former_school", table) is None and sh_classification(None, table) is None
