"""Table tests for registry.workflow.clocks (domain spec §0.1).

Every expected date below was worked out by hand; the reasoning is in the
comments so a reviewer can check it without running the code.
"""

from datetime import date, datetime

import pytest

from registry.workflow import clocks


def case(case_id, start, expected, **length):
    return pytest.param(date.fromisoformat(start), length, date.fromisoformat(expected), id=case_id)


def day(case_id, iso_day, nation, expected):
    return pytest.param(date.fromisoformat(iso_day), nation, expected, id=case_id)


def wd(case_id, start, n, nation, expected):
    return pytest.param(date.fromisoformat(start), n, nation, date.fromisoformat(expected), id=case_id)


# ---------------------------------------------------------------------------
# period_end: "a period of N … beginning with D" (D is day 1)
# ---------------------------------------------------------------------------

PERIOD_END_CASES = [
    # Days and weeks: D + N - 1 (D + 7N - 1).
    # 1 June 2026 is a Monday; + 41 days = Sunday 12 July (domain §0.1 example).
    case("s95_interim_6w_beginning_with_mon_1_june", "2026-06-01", "2026-07-12", weeks=6),
    # + 55 days: 1 June + 29 = 30 June, + 26 = 26 July.
    case("reg7_decision_8w_beginning_with_1_june", "2026-06-01", "2026-07-26", weeks=8),
    # Across 29 Feb 2028: 10 Feb + 19 = 29 Feb, + 31 = 31 Mar, + 5 = 5 Apr (55 in all).
    case("reg7_decision_8w_across_leap_day", "2028-02-10", "2028-04-05", weeks=8),
    # Same in a common year: 10 Feb + 18 = 28 Feb, + 31 = 31 Mar, + 6 = 6 Apr.
    case("reg7_decision_8w_common_year", "2027-02-10", "2027-04-06", weeks=8),
    # + 90 days: 31 Jan (+30), 28 Feb (+58), 31 Mar (+89), 1 Apr (+90).
    case("reg14_compensation_13w_beginning_with_1_jan", "2026-01-01", "2026-04-01", weeks=13),
    # + 27 days.
    case("r22_tribunal_28d_beginning_with_1_june", "2026-06-01", "2026-06-28", days=28),
    # Over the year end: 15 Dec + 16 = 31 Dec, + 13 = 13 Jan (29 in all).
    case("s84_rtc_30d_across_year_end", "2026-12-15", "2027-01-13", days=30),
    case("one_day_beginning_with_d_is_d", "2026-06-01", "2026-06-01", days=1),
    # Months: the day before the corresponding date …
    case("s95_full_6m_beginning_with_1_june", "2026-06-01", "2026-11-30", months=6),
    case("s95_full_6m_beginning_with_15_jan", "2026-01-15", "2026-07-14", months=6),
    # … or, with no corresponding date, the last day of that month.
    # 31 March + 6 months: there is no 31 September, so 30 September.
    case("s95_full_6m_beginning_with_31_march", "2026-03-31", "2026-09-30", months=6),
    # 31 August + 6 months: no 31 February, so the last day of February.
    case("s95_full_6m_beginning_with_31_aug_common_year", "2026-08-31", "2027-02-28", months=6),
    case("s95_full_6m_beginning_with_31_aug_leap_year", "2027-08-31", "2028-02-29", months=6),
    # 30 November + 3 months: no 30 February.
    case("3m_beginning_with_30_nov_common_year", "2026-11-30", "2027-02-28", months=3),
    case("3m_beginning_with_30_nov_leap_year", "2027-11-30", "2028-02-29", months=3),
    # 28 February + 1 month: 28 March exists, so the day before it.
    case("1m_beginning_with_28_feb", "2026-02-28", "2026-03-27", months=1),
    # 31 January 2028 + 1 month: no 31 February, so 29 February (leap year).
    case("1m_beginning_with_31_jan_leap_year", "2028-01-31", "2028-02-29", months=1),
    # 18 months: 1 June 2026 → corresponding 1 Dec 2027 → 30 Nov 2027.
    case("s95_protected_18m_beginning_with_1_june", "2026-06-01", "2027-11-30", months=18),
    # 31 Aug 2026 + 18 months → February 2028 has no 31st → 29 Feb 2028.
    case("s95_protected_18m_beginning_with_31_aug", "2026-08-31", "2028-02-29", months=18),
    # 29 Feb 2024 + 18 months → 29 Aug 2025 exists → 28 Aug 2025.
    case("s95_protected_18m_beginning_with_29_feb", "2024-02-29", "2025-08-28", months=18),
    # [U] EDCEA 2026 moratorium: 12 months beginning with 1 June 2026.
    case("edcea_moratorium_12m_beginning_with_1_june", "2026-06-01", "2027-05-31", months=12),
    # Years: 29 Feb 2024 + 5 years → no 29 Feb 2029 → 28 Feb 2029.
    case("s87_listing_5y_beginning_with_29_feb", "2024-02-29", "2029-02-28", years=5),
    # 1 Mar 2024 + 5 years → 1 Mar 2029 → 28 Feb 2029 (the same last day).
    case("s87_listing_5y_beginning_with_1_march", "2024-03-01", "2029-02-28", years=5),
    # 1 Mar 2027 + 5 years → 1 Mar 2032 → 29 Feb 2032 (a leap year).
    case("s87_listing_5y_ends_on_leap_day", "2027-03-01", "2032-02-29", years=5),
    case("s44_crtb_registration_5y_beginning_with", "2026-10-15", "2031-10-14", years=5),
    # years=N is the same as months=12N.
    case("s87_listing_60m_equals_5y", "2024-02-29", "2029-02-28", months=60),
]


@pytest.mark.parametrize(("start", "length", "expected"), PERIOD_END_CASES)
def test_period_end(start, length, expected):
    assert clocks.period_end(start, **length) == expected


@pytest.mark.parametrize(
    ("length", "error"),
    [
        pytest.param({}, ValueError, id="no_unit"),
        pytest.param({"weeks": 6, "days": 1}, ValueError, id="two_units"),
        pytest.param({"months": -6}, ValueError, id="negative"),
        pytest.param({"weeks": 2.5}, TypeError, id="fraction"),
        pytest.param({"days": True}, TypeError, id="bool_is_not_a_count"),
    ],
)
def test_period_end_refuses_bad_lengths(length, error):
    with pytest.raises(error):
        clocks.period_end(date(2026, 6, 1), **length)


@pytest.mark.parametrize("start", [datetime(2026, 6, 1, 23, 30), "2026-06-01"], ids=["datetime", "string"])
def test_period_end_needs_a_date(start):
    with pytest.raises(TypeError):
        clocks.period_end(start, weeks=6)


# ---------------------------------------------------------------------------
# is_working_day: weekends and each nation's bank holidays, with substitutes
# ---------------------------------------------------------------------------

WORKING_DAY_CASES = [
    # 2 January is a bank holiday in Scotland only (Fri 2 Jan 2026).
    day("scotland_2_january", "2026-01-02", "scotland", False),
    day("england_2_january_is_working", "2026-01-02", "england", True),
    day("wales_2_january_is_working", "2026-01-02", "wales", True),
    day("ni_2_january_is_working", "2026-01-02", "northern_ireland", True),
    # St Andrew's Day 30 Nov 2025 is a Sunday: substitute Monday 1 December (Scotland only).
    day("scotland_st_andrews_substitute_monday", "2025-12-01", "scotland", False),
    day("england_1_dec_is_working", "2025-12-01", "england", True),
    # 26 Dec 2026 is a Saturday: substitute Monday 28 December everywhere.
    day("scotland_boxing_day_substitute", "2026-12-28", "scotland", False),
    day("england_boxing_day_substitute", "2026-12-28", "england", False),
    # 2 Jan 2027 is a Saturday: substitute Monday 4 January (Scotland only).
    day("scotland_2_january_substitute_monday", "2027-01-04", "scotland", False),
    day("england_4_jan_2027_is_working", "2027-01-04", "england", True),
    # Easter Monday (6 Apr 2026) is not a Scottish bank holiday; Good Friday is.
    day("scotland_easter_monday_is_working", "2026-04-06", "scotland", True),
    day("england_easter_monday", "2026-04-06", "england", False),
    day("scotland_good_friday", "2026-04-03", "scotland", False),
    # Summer bank holiday: first Monday of August in Scotland, last Monday in England.
    day("scotland_first_monday_august", "2026-08-03", "scotland", False),
    day("england_first_monday_august_is_working", "2026-08-03", "england", True),
    day("england_last_monday_august", "2026-08-31", "england", False),
    day("scotland_last_monday_august_is_working", "2026-08-31", "scotland", True),
    # Northern Ireland: St Patrick's Day; 12 July 2026 is a Sunday → Monday 13 July.
    day("ni_st_patricks_day", "2026-03-17", "northern_ireland", False),
    day("england_17_march_is_working", "2026-03-17", "england", True),
    day("ni_battle_of_boyne_substitute", "2026-07-13", "northern_ireland", False),
    # A one-off bank holiday proclaimed for one year (the 2023 coronation).
    day("one_off_coronation_bank_holiday", "2023-05-08", "scotland", False),
    day("saturday", "2026-06-06", "england", False),
    day("sunday", "2026-06-07", "scotland", False),
    day("ordinary_monday", "2026-06-08", "scotland", True),
]


@pytest.mark.parametrize(("day", "nation", "expected"), WORKING_DAY_CASES)
def test_is_working_day(day, nation, expected):
    assert clocks.is_working_day(day, nation) is expected


@pytest.mark.parametrize("nation", ["Scotland", "uk", "SCT", ""])
def test_unknown_nation_is_refused(nation):
    with pytest.raises(ValueError, match="unknown nation"):
        clocks.is_working_day(date(2026, 6, 1), nation)


# ---------------------------------------------------------------------------
# working_days_period_end: "N working days beginning with D"
# ---------------------------------------------------------------------------

WORKING_DAYS_CASES = [
    # Scottish ATR review/appeal (SSI 2016/358 reg 3), decision notice Mon 15 Dec 2025.
    # Holidays: Thu 25, Fri 26 Dec; Thu 1, Fri 2 Jan (Scotland).
    #   15-19 Dec = days 1-5; 22, 23, 24 Dec = 6-8 (25, 26 skipped);
    #   29, 30, 31 Dec = 9-11 (1, 2 Jan skipped); 5-9 Jan = 12-16; 12-15 Jan = 17-20.
    wd("ssi_2016_358_reg3_20wd_scotland_from_15_dec_2025", "2025-12-15", 20, "scotland", "2026-01-15"),
    # England: as above but Fri 2 Jan is a working day (day 12), so one day earlier:
    #   2 Jan = 12; 5-9 Jan = 13-17; 12, 13, 14 Jan = 18-20.
    wd("20wd_england_from_15_dec_2025_no_2_january", "2025-12-15", 20, "england", "2026-01-14"),
    # Decision notice dated Sat 19 Dec 2026 (not a working day): day 1 is Mon 21 Dec.
    # Holidays: Fri 25 Dec; Mon 28 Dec (Boxing Day substitute); Fri 1 Jan;
    # Mon 4 Jan 2027 (2 January substitute, Scotland only).
    #   21-24 Dec = 1-4; 29, 30, 31 Dec = 5-7; 5-8 Jan = 8-11; 11-15 Jan = 12-16; 18-21 Jan = 17-20.
    wd("ssi_2016_358_reg3_20wd_scotland_from_sat_19_dec_2026", "2026-12-19", 20, "scotland", "2027-01-21"),
    # England: Mon 4 Jan 2027 is a working day (day 8), so 19 Jan = 19 and Wed 20 Jan = 20.
    wd("20wd_england_from_sat_19_dec_2026", "2026-12-19", 20, "england", "2027-01-20"),
    # No bank holidays in February 2027 (1 Feb is a Monday): 1-5, 8-12, 15-19, 22-26 Feb = 20 days.
    wd("ssi_2016_358_reg3_20wd_scotland_plain_february", "2027-02-01", 20, "scotland", "2027-02-26"),
    # St Andrew's Day substitute (Mon 1 Dec 2025), from Mon 17 Nov 2025:
    #   17-21 Nov = 1-5; 24-28 Nov = 6-10; 2-5 Dec = 11-14; 8-12 Dec = 15-19; Mon 15 Dec = 20.
    wd("20wd_scotland_over_st_andrews_day", "2025-11-17", 20, "scotland", "2025-12-15"),
    # England: 1-5 Dec = 11-15; 8-12 Dec = 16-20 → Fri 12 Dec.
    wd("20wd_england_over_st_andrews_day", "2025-11-17", 20, "england", "2025-12-12"),
    # Easter 2026 from Thu 2 April, 5 working days. Good Friday 3 April everywhere;
    # Easter Monday 6 April in England only.
    #   Scotland: 2 Apr = 1; 6, 7, 8, 9 Apr = 2-5.   England: 2 Apr = 1; 7, 8, 9, 10 Apr = 2-5.
    wd("5wd_scotland_over_easter", "2026-04-02", 5, "scotland", "2026-04-09"),
    wd("5wd_england_over_easter", "2026-04-02", 5, "england", "2026-04-10"),
    # The start day counts when it is a working day …
    wd("1wd_beginning_with_working_day_is_that_day", "2026-06-01", 1, "scotland", "2026-06-01"),
    # … and counting starts with the next working day when it is not.
    wd("1wd_beginning_with_saturday_is_monday", "2026-06-06", 1, "scotland", "2026-06-08"),
    # Thu 25 Dec 2025: 26 Dec holiday, 27-28 weekend → Mon 29 Dec is day 1.
    wd("1wd_beginning_with_christmas_day", "2025-12-25", 1, "scotland", "2025-12-29"),
]


@pytest.mark.parametrize(("start", "n", "nation", "expected"), WORKING_DAYS_CASES)
def test_working_days_period_end(start, n, nation, expected):
    assert clocks.working_days_period_end(start, n, nation) == expected


@pytest.mark.parametrize(("start", "n", "nation", "expected"), WORKING_DAYS_CASES)
def test_add_working_days_counts_the_same_way(start, n, nation, expected):
    assert clocks.add_working_days(start, n, nation) == expected


@pytest.mark.parametrize(
    ("n", "error"), [(0, ValueError), (-3, ValueError), (2.0, TypeError)], ids=["zero", "negative", "float"]
)
def test_working_days_refuses_bad_counts(n, error):
    with pytest.raises(error):
        clocks.working_days_period_end(date(2026, 6, 1), n, "scotland")


def test_next_working_day():
    # Fri 1 Jan 2027 holiday, Sat/Sun, Mon 4 Jan substitute in Scotland → Tue 5 Jan.
    assert clocks.next_working_day(date(2027, 1, 1), "scotland") == date(2027, 1, 5)
    assert clocks.next_working_day(date(2027, 1, 1), "england") == date(2027, 1, 4)


# ---------------------------------------------------------------------------
# Each nation's whole bank-holiday table for 2026, 2027 and 2028, written down
# from the official lists (gov.uk/bank-holidays: England and Wales, Scotland,
# Northern Ireland), substitute days included. `holidays` is pinned in
# pyproject.toml; if an upgrade moves a day, this fails before a deadline moves.
# ---------------------------------------------------------------------------

def _days(*isos):
    return frozenset(date.fromisoformat(iso) for iso in isos)


OFFICIAL_BANK_HOLIDAYS = {
    ("england", 2026): _days("2026-01-01", "2026-04-03", "2026-04-06", "2026-05-04", "2026-05-25",
                             "2026-08-31", "2026-12-25", "2026-12-28"),
    ("england", 2027): _days("2027-01-01", "2027-03-26", "2027-03-29", "2027-05-03", "2027-05-31",
                             "2027-08-30", "2027-12-27", "2027-12-28"),
    ("england", 2028): _days("2028-01-03", "2028-04-14", "2028-04-17", "2028-05-01", "2028-05-29",
                             "2028-08-28", "2028-12-25", "2028-12-26"),
    # Mon 15 Jun 2026: the one-off Scottish bank holiday for the men's football World Cup (announced by
    # the Scottish Government in late 2025; in `holidays` 0.109). [P] Not yet seen on gov.uk's list.
    ("scotland", 2026): _days("2026-01-01", "2026-01-02", "2026-04-03", "2026-05-04", "2026-05-25",
                              "2026-06-15", "2026-08-03", "2026-11-30", "2026-12-25", "2026-12-28"),
    ("scotland", 2027): _days("2027-01-01", "2027-01-04", "2027-03-26", "2027-05-03", "2027-05-31",
                              "2027-08-02", "2027-11-30", "2027-12-27", "2027-12-28"),
    ("scotland", 2028): _days("2028-01-03", "2028-01-04", "2028-04-14", "2028-05-01", "2028-05-29",
                              "2028-08-07", "2028-11-30", "2028-12-25", "2028-12-26"),
    ("northern_ireland", 2026): _days("2026-01-01", "2026-03-17", "2026-04-03", "2026-04-06", "2026-05-04",
                                      "2026-05-25", "2026-07-13", "2026-08-31", "2026-12-25", "2026-12-28"),
    ("northern_ireland", 2027): _days("2027-01-01", "2027-03-17", "2027-03-26", "2027-03-29", "2027-05-03",
                                      "2027-05-31", "2027-07-12", "2027-08-30", "2027-12-27", "2027-12-28"),
    ("northern_ireland", 2028): _days("2028-01-03", "2028-03-17", "2028-04-14", "2028-04-17", "2028-05-01",
                                      "2028-05-29", "2028-07-12", "2028-08-28", "2028-12-25", "2028-12-26"),
}


@pytest.mark.parametrize(("nation", "year"), list(OFFICIAL_BANK_HOLIDAYS), ids=lambda v: str(v))
def test_bank_holiday_table_matches_the_official_list(nation, year):
    assert clocks.bank_holidays(nation, year) == OFFICIAL_BANK_HOLIDAYS[(nation, year)]


@pytest.mark.parametrize("year", [2026, 2027, 2028])
def test_wales_has_the_english_table(year):
    assert clocks.bank_holidays("wales", year) == OFFICIAL_BANK_HOLIDAYS[("england", year)]


def test_holidays_is_pinned_to_the_version_the_tables_were_checked_with():
    import tomllib
    from pathlib import Path

    import holidays

    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    pins = [dep for dep in pyproject["project"]["dependencies"] if dep.startswith("holidays")]
    assert pins == [f"holidays=={holidays.__version__}"]


# ---------------------------------------------------------------------------
# period_end_after: "within N days of D", "N weeks after D", "N months from D"
# ---------------------------------------------------------------------------

AFTER_CASES = [
    # GRC Rules r.22(1)(b): "within 28 days of the date on which notice ... was sent".
    pytest.param(date(2026, 1, 31), {"days": 28}, date(2026, 2, 28), id="r22_28_days_of_sat_31_jan"),
    pytest.param(date(2028, 2, 1), {"days": 28}, date(2028, 2, 29), id="28_days_of_1_feb_leap_year"),
    pytest.param(date(2027, 2, 1), {"days": 28}, date(2027, 3, 1), id="28_days_of_1_feb_common_year"),
    # reg 14(5)(b): "13 weeks after": 91 days, the day itself not counted.
    pytest.param(date(2026, 11, 30), {"weeks": 13}, date(2027, 3, 1), id="reg14_13_weeks_after_30_nov"),
    pytest.param(date(2026, 6, 1), {"weeks": 8}, date(2026, 7, 27), id="reg7_8_weeks_from_1_june"),
    # Months: the corresponding date, or the month's last day where there is none.
    pytest.param(date(2026, 6, 1), {"months": 6}, date(2026, 12, 1), id="6_months_after_1_june"),
    pytest.param(date(2026, 8, 31), {"months": 6}, date(2027, 2, 28), id="6_months_after_31_aug"),
    pytest.param(date(2027, 8, 31), {"months": 6}, date(2028, 2, 29), id="6_months_after_31_aug_leap"),
    pytest.param(date(2026, 3, 31), {"months": 6}, date(2026, 9, 30), id="6_months_after_31_march"),
    pytest.param(date(2024, 2, 29), {"years": 5}, date(2029, 2, 28), id="5_years_after_29_february"),
    pytest.param(date(2024, 2, 29), {"years": 4}, date(2028, 2, 29), id="4_years_after_29_february"),
]


@pytest.mark.parametrize(("start", "length", "expected"), AFTER_CASES)
def test_period_end_after(start, length, expected):
    assert clocks.period_end_after(start, **length) == expected


def test_after_is_one_day_later_than_beginning_with_for_days_and_weeks():
    # The two readings of "28 days": beginning with Sat 31 Jan ends Fri 27 Feb (the old, early answer).
    assert clocks.period_end(date(2026, 1, 31), days=28) == date(2026, 2, 27)
    assert clocks.period_end_after(date(2026, 1, 31), days=28) == date(2026, 2, 28)


@pytest.mark.parametrize(("length", "error"), [({}, ValueError), ({"days": 0}, ValueError),
                                               ({"days": 1, "weeks": 1}, ValueError), ({"days": "2"}, TypeError)])
def test_period_end_after_refuses_bad_lengths(length, error):
    with pytest.raises(error):
        clocks.period_end_after(date(2026, 6, 1), **length)


# ---------------------------------------------------------------------------
# next_working_day: the carry, across weekends and each nation's holidays
# ---------------------------------------------------------------------------

CARRY_CASES = [
    pytest.param(date(2026, 2, 28), "england", date(2026, 3, 2), id="sat_28_feb_to_mon_2_mar"),
    pytest.param(date(2026, 3, 2), "england", date(2026, 3, 2), id="a_working_day_stays"),
    pytest.param(date(2026, 4, 3), "england", date(2026, 4, 7), id="good_friday_over_easter_monday_england"),
    pytest.param(date(2026, 4, 3), "scotland", date(2026, 4, 6), id="good_friday_to_easter_monday_scotland"),
    pytest.param(date(2026, 12, 25), "england", date(2026, 12, 29), id="christmas_over_boxing_substitute"),
    pytest.param(date(2027, 1, 1), "scotland", date(2027, 1, 5), id="new_year_over_2_jan_substitute_scotland"),
    pytest.param(date(2027, 1, 1), "england", date(2027, 1, 4), id="new_year_england_monday_4_jan"),
    pytest.param(date(2026, 11, 29), "scotland", date(2026, 12, 1), id="sun_over_st_andrews_day"),
    pytest.param(date(2026, 7, 12), "northern_ireland", date(2026, 7, 14), id="ni_boyne_substitute"),
]


@pytest.mark.parametrize(("day", "nation", "expected"), CARRY_CASES)
def test_next_working_day_carries(day, nation, expected):
    assert clocks.next_working_day(day, nation) == expected


def test_closure_days_are_skipped_only_when_given():
    assert clocks.next_working_day(date(2026, 12, 24), "england") == date(2026, 12, 24)
    assert clocks.next_working_day(date(2026, 12, 24), "england", closures={date(2026, 12, 24)}) == date(
        2026, 12, 29)


# ---------------------------------------------------------------------------
# anniversaries and whole years (clawback tapers): the corresponding-date rule
# ---------------------------------------------------------------------------

@pytest.mark.parametrize(("start", "on", "years"), [
    pytest.param(date(2024, 2, 29), date(2025, 2, 28), 0, id="29_feb_start_28_feb_2025_still_year_1"),
    pytest.param(date(2024, 2, 29), date(2025, 3, 1), 1, id="29_feb_start_1_mar_2025_year_2"),
    pytest.param(date(2024, 2, 29), date(2028, 2, 28), 3, id="29_feb_start_28_feb_2028_year_4"),
    pytest.param(date(2024, 2, 29), date(2028, 2, 29), 4, id="29_feb_start_29_feb_2028_year_5"),
    pytest.param(date(2024, 6, 1), date(2025, 5, 31), 0, id="1_jun_start_31_may_year_1"),
    pytest.param(date(2024, 6, 1), date(2025, 6, 1), 1, id="1_jun_start_1_jun_year_2"),
    pytest.param(date(2024, 6, 1), date(2024, 6, 1), 0, id="first_day"),
])
def test_whole_years(start, on, years):
    assert clocks.whole_years(start, on) == years


def test_anniversary_of_29_february():
    assert clocks.anniversary(date(2024, 2, 29), 1) == date(2025, 3, 1)
    assert clocks.anniversary(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert clocks.anniversary(date(2024, 3, 31), 1) == date(2025, 3, 31)
