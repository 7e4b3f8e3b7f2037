"""Table tests for registry.workflow.clocks (domain spec §0.1).

Every expected date below was worked out by hand; the reasoning is in the
comments so a reviewer can check it without running the code.
"""

from datetime import date, datetime

import pytest

from registry.workflow import clocks

# ---------------------------------------------------------------------------
# period_end: "a period of N … beginning with D" (D is day 1)
# ---------------------------------------------------------------------------

PERIOD_END_CASES = [
    # Days and weeks: D + N − 1 (D + 7N − 1).
    # 1 June 2026 is a Monday; + 41 days = Sunday 12 July (domain §0.1 example).
    pytest.param(date(2026, 6, 1), {"weeks": 6}, date(2026, 7, 12), id="s95_interim_6w_beginning_with_mon_1_june"),
    # + 55 days: 1 June + 29 = 30 June, + 26 = 26 July.
    pytest.param(date(2026, 6, 1), {"weeks": 8}, date(2026, 7, 26), id="reg7_decision_8w_beginning_with_1_june"),
    # Across 29 Feb 2028: 10 Feb + 19 = 29 Feb, + 31 = 31 Mar, + 5 = 5 Apr (55 in all).
    pytest.param(date(2028, 2, 10), {"weeks": 8}, date(2028, 4, 5), id="reg7_decision_8w_across_leap_day"),
    # Same in a common year: 10 Feb + 18 = 28 Feb, + 31 = 31 Mar, + 6 = 6 Apr.
    pytest.param(date(2027, 2, 10), {"weeks": 8}, date(2027, 4, 6), id="reg7_decision_8w_common_year"),
    # + 90 days: 31 Jan (+30), 28 Feb (+58), 31 Mar (+89), 1 Apr (+90).
    pytest.param(date(2026, 1, 1), {"weeks": 13}, date(2026, 4, 1), id="reg14_compensation_13w_beginning_with_1_jan"),
    # + 27 days.
    pytest.param(date(2026, 6, 1), {"days": 28}, date(2026, 6, 28), id="r22_tribunal_28d_beginning_with_1_june"),
    # Over the year end: 15 Dec + 16 = 31 Dec, + 13 = 13 Jan (29 in all).
    pytest.param(date(2026, 12, 15), {"days": 30}, date(2027, 1, 13), id="s84_rtc_30d_across_year_end"),
    pytest.param(date(2026, 6, 1), {"days": 1}, date(2026, 6, 1), id="one_day_beginning_with_d_is_d"),
    # Months: the day before the corresponding date …
    pytest.param(date(2026, 6, 1), {"months": 6}, date(2026, 11, 30), id="s95_full_6m_beginning_with_1_june"),
    pytest.param(date(2026, 1, 15), {"months": 6}, date(2026, 7, 14), id="s95_full_6m_beginning_with_15_jan"),
    # … or, with no corresponding date, the last day of that month.
    # 31 March + 6 months: there is no 31 September, so 30 September.
    pytest.param(date(2026, 3, 31), {"months": 6}, date(2026, 9, 30), id="s95_full_6m_beginning_with_31_march"),
    # 31 August + 6 months: no 31 February, so the last day of February.
    pytest.param(date(2026, 8, 31), {"months": 6}, date(2027, 2, 28), id="s95_full_6m_beginning_with_31_aug_common_year"),
    pytest.param(date(2027, 8, 31), {"months": 6}, date(2028, 2, 29), id="s95_full_6m_beginning_with_31_aug_leap_year"),
    # 30 November + 3 months: no 30 February.
    pytest.param(date(2026, 11, 30), {"months": 3}, date(2027, 2, 28), id="3m_beginning_with_30_nov_common_year"),
    pytest.param(date(2027, 11, 30), {"months": 3}, date(2028, 2, 29), id="3m_beginning_with_30_nov_leap_year"),
    # 28 February + 1 month: 28 March exists, so the day before it.
    pytest.param(date(2026, 2, 28), {"months": 1}, date(2026, 3, 27), id="1m_beginning_with_28_feb"),
    # 31 January 2028 + 1 month: no 31 February, so 29 February (leap year).
    pytest.param(date(2028, 1, 31), {"months": 1}, date(2028, 2, 29), id="1m_beginning_with_31_jan_leap_year"),
    # 18 months: 1 June 2026 → corresponding 1 Dec 2027 → 30 Nov 2027.
    pytest.param(date(2026, 6, 1), {"months": 18}, date(2027, 11, 30), id="s95_protected_18m_beginning_with_1_june"),
    # 31 Aug 2026 + 18 months → February 2028 has no 31st → 29 Feb 2028.
    pytest.param(date(2026, 8, 31), {"months": 18}, date(2028, 2, 29), id="s95_protected_18m_beginning_with_31_aug"),
    # 29 Feb 2024 + 18 months → 29 Aug 2025 exists → 28 Aug 2025.
    pytest.param(date(2024, 2, 29), {"months": 18}, date(2025, 8, 28), id="s95_protected_18m_beginning_with_29_feb"),
    # [U] EDCEA 2026 moratorium: 12 months beginning with 1 June 2026.
    pytest.param(date(2026, 6, 1), {"months": 12}, date(2027, 5, 31), id="edcea_moratorium_12m_beginning_with_1_june"),
    # Years: 29 Feb 2024 + 5 years → no 29 Feb 2029 → 28 Feb 2029.
    pytest.param(date(2024, 2, 29), {"years": 5}, date(2029, 2, 28), id="s87_listing_5y_beginning_with_29_feb"),
    # 1 Mar 2024 + 5 years → 1 Mar 2029 → 28 Feb 2029 (the same last day).
    pytest.param(date(2024, 3, 1), {"years": 5}, date(2029, 2, 28), id="s87_listing_5y_beginning_with_1_march"),
    # 1 Mar 2027 + 5 years → 1 Mar 2032 → 29 Feb 2032 (a leap year).
    pytest.param(date(2027, 3, 1), {"years": 5}, date(2032, 2, 29), id="s87_listing_5y_ends_on_leap_day"),
    pytest.param(date(2026, 10, 15), {"years": 5}, date(2031, 10, 14), id="s44_crtb_registration_5y_beginning_with"),
    # years=N is the same as months=12N.
    pytest.param(date(2024, 2, 29), {"months": 60}, date(2029, 2, 28), id="s87_listing_60m_equals_5y"),
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
    pytest.param(date(2026, 1, 2), "scotland", False, id="scotland_2_january"),
    pytest.param(date(2026, 1, 2), "england", True, id="england_2_january_is_working"),
    pytest.param(date(2026, 1, 2), "wales", True, id="wales_2_january_is_working"),
    pytest.param(date(2026, 1, 2), "northern_ireland", True, id="ni_2_january_is_working"),
    # St Andrew's Day 30 Nov 2025 is a Sunday: substitute Monday 1 December (Scotland only).
    pytest.param(date(2025, 12, 1), "scotland", False, id="scotland_st_andrews_substitute_monday"),
    pytest.param(date(2025, 12, 1), "england", True, id="england_1_dec_is_working"),
    # 26 Dec 2026 is a Saturday: substitute Monday 28 December everywhere.
    pytest.param(date(2026, 12, 28), "scotland", False, id="scotland_boxing_day_substitute"),
    pytest.param(date(2026, 12, 28), "england", False, id="england_boxing_day_substitute"),
    # 2 Jan 2027 is a Saturday: substitute Monday 4 January (Scotland only).
    pytest.param(date(2027, 1, 4), "scotland", False, id="scotland_2_january_substitute_monday"),
    pytest.param(date(2027, 1, 4), "england", True, id="england_4_jan_2027_is_working"),
    # Easter Monday (6 Apr 2026) is not a Scottish bank holiday; Good Friday is.
    pytest.param(date(2026, 4, 6), "scotland", True, id="scotland_easter_monday_is_working"),
    pytest.param(date(2026, 4, 6), "england", False, id="england_easter_monday"),
    pytest.param(date(2026, 4, 3), "scotland", False, id="scotland_good_friday"),
    # Summer bank holiday: first Monday of August in Scotland, last Monday in England.
    pytest.param(date(2026, 8, 3), "scotland", False, id="scotland_first_monday_august"),
    pytest.param(date(2026, 8, 3), "england", True, id="england_first_monday_august_is_working"),
    pytest.param(date(2026, 8, 31), "england", False, id="england_last_monday_august"),
    pytest.param(date(2026, 8, 31), "scotland", True, id="scotland_last_monday_august_is_working"),
    # Northern Ireland: St Patrick's Day; 12 July 2026 is a Sunday → Monday 13 July.
    pytest.param(date(2026, 3, 17), "northern_ireland", False, id="ni_st_patricks_day"),
    pytest.param(date(2026, 3, 17), "england", True, id="england_17_march_is_working"),
    pytest.param(date(2026, 7, 13), "northern_ireland", False, id="ni_battle_of_boyne_substitute"),
    # A one-off bank holiday proclaimed for one year (the 2023 coronation).
    pytest.param(date(2023, 5, 8), "scotland", False, id="one_off_coronation_bank_holiday"),
    pytest.param(date(2026, 6, 6), "england", False, id="saturday"),
    pytest.param(date(2026, 6, 7), "scotland", False, id="sunday"),
    pytest.param(date(2026, 6, 8), "scotland", True, id="ordinary_monday"),
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
    pytest.param(date(2025, 12, 15), 20, "scotland", date(2026, 1, 15), id="ssi_2016_358_reg3_20wd_scotland_from_15_dec_2025"),
    # England: as above but Fri 2 Jan is a working day (day 12), so one day earlier:
    #   2 Jan = 12; 5-9 Jan = 13-17; 12, 13, 14 Jan = 18-20.
    pytest.param(date(2025, 12, 15), 20, "england", date(2026, 1, 14), id="20wd_england_from_15_dec_2025_no_2_january"),
    # Decision notice dated Sat 19 Dec 2026 (not a working day): day 1 is Mon 21 Dec.
    # Holidays: Fri 25 Dec; Mon 28 Dec (Boxing Day substitute); Fri 1 Jan;
    # Mon 4 Jan 2027 (2 January substitute, Scotland only).
    #   21-24 Dec = 1-4; 29, 30, 31 Dec = 5-7; 5-8 Jan = 8-11; 11-15 Jan = 12-16; 18-21 Jan = 17-20.
    pytest.param(date(2026, 12, 19), 20, "scotland", date(2027, 1, 21), id="ssi_2016_358_reg3_20wd_scotland_from_sat_19_dec_2026"),
    # England: Mon 4 Jan 2027 is a working day (day 8), so 19 Jan = 19 and Wed 20 Jan = 20.
    pytest.param(date(2026, 12, 19), 20, "england", date(2027, 1, 20), id="20wd_england_from_sat_19_dec_2026"),
    # No bank holidays in February 2027 (1 Feb is a Monday): 1-5, 8-12, 15-19, 22-26 Feb = 20 days.
    pytest.param(date(2027, 2, 1), 20, "scotland", date(2027, 2, 26), id="ssi_2016_358_reg3_20wd_scotland_plain_february"),
    # St Andrew's Day substitute (Mon 1 Dec 2025), from Mon 17 Nov 2025:
    #   17-21 Nov = 1-5; 24-28 Nov = 6-10; 2-5 Dec = 11-14; 8-12 Dec = 15-19; Mon 15 Dec = 20.
    pytest.param(date(2025, 11, 17), 20, "scotland", date(2025, 12, 15), id="20wd_scotland_over_st_andrews_day"),
    # England: 1-5 Dec = 11-15; 8-12 Dec = 16-20 → Fri 12 Dec.
    pytest.param(date(2025, 11, 17), 20, "england", date(2025, 12, 12), id="20wd_england_over_st_andrews_day"),
    # Easter 2026 from Thu 2 April, 5 working days. Good Friday 3 April everywhere;
    # Easter Monday 6 April in England only.
    #   Scotland: 2 Apr = 1; 6, 7, 8, 9 Apr = 2-5.   England: 2 Apr = 1; 7, 8, 9, 10 Apr = 2-5.
    pytest.param(date(2026, 4, 2), 5, "scotland", date(2026, 4, 9), id="5wd_scotland_over_easter"),
    pytest.param(date(2026, 4, 2), 5, "england", date(2026, 4, 10), id="5wd_england_over_easter"),
    # The start day counts when it is a working day …
    pytest.param(date(2026, 6, 1), 1, "scotland", date(2026, 6, 1), id="1wd_beginning_with_working_day_is_that_day"),
    # … and counting starts with the next working day when it is not.
    pytest.param(date(2026, 6, 6), 1, "scotland", date(2026, 6, 8), id="1wd_beginning_with_saturday_is_monday"),
    # Thu 25 Dec 2025: 26 Dec holiday, 27-28 weekend → Mon 29 Dec is day 1.
    pytest.param(date(2025, 12, 25), 1, "scotland", date(2025, 12, 29), id="1wd_beginning_with_christmas_day"),
]


@pytest.mark.parametrize(("start", "n", "nation", "expected"), WORKING_DAYS_CASES)
def test_working_days_period_end(start, n, nation, expected):
    assert clocks.working_days_period_end(start, n, nation) == expected


@pytest.mark.parametrize(("start", "n", "nation", "expected"), WORKING_DAYS_CASES)
def test_add_working_days_counts_the_same_way(start, n, nation, expected):
    assert clocks.add_working_days(start, n, nation) == expected


@pytest.mark.parametrize(("n", "error"), [(0, ValueError), (-3, ValueError), (2.0, TypeError)], ids=["zero", "negative", "float"])
def test_working_days_refuses_bad_counts(n, error):
    with pytest.raises(error):
        clocks.working_days_period_end(date(2026, 6, 1), n, "scotland")


def test_next_working_day():
    # Fri 1 Jan 2027 holiday, Sat/Sun, Mon 4 Jan substitute in Scotland → Tue 5 Jan.
    assert clocks.next_working_day(date(2027, 1, 1), "scotland") == date(2027, 1, 5)
    assert clocks.next_working_day(date(2027, 1, 1), "england") == date(2027, 1, 4)
