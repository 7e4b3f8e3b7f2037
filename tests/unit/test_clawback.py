"""Clawback, overage and discount-protection calculations (domain §7.3).

Table tests whose ids read like the domain, then property tests. No database.
"""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from math import floor

import pytest
from dateutil.relativedelta import relativedelta
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.clawback import (
    ALL_FIELDS,
    STATUS_TRANSITIONS,
    InputError,
    Instrument,
    Method,
    Status,
    Trigger,
    calculate,
    can_change_status,
    parse_inputs,
    to_json,
)

CARMARTHENSHIRE_TAPER_PCT = ["100", "80", "60", "40", "20"]
CPI = {"2020-04": "108.6", "2022-06": "120.9", "2021-01": "109.3"}


def stepped(trigger, *, start="2020-04-01", end="2025-03-31", taper=CARMARTHENSHIRE_TAPER_PCT, **extra):
    return dict(
        method="stepped_taper",
        principal="100000.00",
        start_date=start,
        end_date=end,
        trigger_date=trigger,
        taper=taper,
        **extra,
    )


def line(trigger, *, start="2021-01-01", end="2023-01-01", principal="100000", **extra):
    return dict(
        method="straight_line",
        principal=principal,
        start_date=start,
        end_date=end,
        trigger_date=trigger,
        **extra,
    )


def full(trigger, *, start="2015-06-01", end="2025-05-31", **extra):
    return dict(
        method="full", principal="250000", start_date=start, end_date=end, trigger_date=trigger, **extra
    )


def proceeds(trigger="2022-06-15", **extra):
    return dict(
        method="proceeds_share",
        start_date="2020-04-01",
        end_date="2030-03-31",
        trigger_date=trigger,
        **{"net_proceeds": "200000", **extra},
    )


def indexed(trigger="2022-06-15", *, start="2020-04-01", index="cpi", **extra):
    fields = {
        "method": "indexed",
        "principal": "100000",
        "start_date": start,
        "end_date": "2030-03-31",
        "trigger_date": trigger,
        "index": index,
    }
    fields.update({"index_values": CPI} if index in ("cpi", "rpi") else {"fixed_rate": "3"})
    return {**fields, **extra}


def overage(trigger="2022-06-15", **extra):
    fields = {
        "method": "overage",
        "share": "50",
        "value_at_trigger": "500000",
        "base_value": "300000",
        "allowable_costs": "50000",
        "start_date": "2020-04-01",
        "end_date": "2035-03-31",
        "trigger_date": trigger,
    }
    return {**fields, **extra}


def due(fields) -> Decimal:
    return calculate(parse_inputs(fields)).amount_due


WORKED_EXAMPLES = [
    # full repayment within the period (domain §7.3(1))
    pytest.param(full("2020-01-01"), "250000.00", id="full_english_heritage_disposal_within_10_years"),
    pytest.param(full("2015-06-01"), "250000.00", id="full_trigger_on_start_date"),
    pytest.param(full("2025-05-31"), "250000.00", id="full_trigger_on_end_date_inclusive"),
    pytest.param(full("2025-06-01"), "0.00", id="full_day_after_end_date_nothing_due"),
    pytest.param(full("2015-05-31"), "0.00", id="full_trigger_before_start_nothing_due"),
    pytest.param(full("2020-01-01", cap="10000"), "10000.00", id="full_capped"),
    # stepped taper (domain §7.3(2), §7.1(4) Carmarthenshire 100/80/60/40/20)
    pytest.param(stepped("2022-06-15"), "60000.00", id="stepped_taper_year3_carmarthenshire"),
    pytest.param(stepped("2020-04-01"), "100000.00", id="stepped_taper_year1_on_start_date"),
    pytest.param(stepped("2021-03-31"), "100000.00", id="stepped_taper_day_before_first_anniversary"),
    pytest.param(stepped("2021-04-01"), "80000.00", id="stepped_taper_first_anniversary_is_year2"),
    pytest.param(stepped("2025-03-31"), "20000.00", id="stepped_taper_year5_last_day_of_period"),
    pytest.param(stepped("2025-04-01"), "0.00", id="stepped_taper_after_five_years_nothing_due"),
    pytest.param(
        stepped("2026-01-01", end="2030-03-31"), "0.00", id="stepped_taper_past_schedule_before_end"
    ),
    pytest.param(
        stepped("2023-04-01", end="2023-03-31"), "0.00", id="stepped_taper_end_date_before_schedule"
    ),
    pytest.param(
        stepped("2021-02-27", start="2020-02-29"), "100000.00", id="stepped_taper_feb29_start_day_before"
    ),
    # Corresponding-date rule: year 1 of a period beginning with 29 Feb ends on 28 Feb (no 29 Feb),
    # so 28 Feb is still year 1 and year 2 begins on 1 March.
    pytest.param(
        stepped("2021-02-28", start="2020-02-29"), "100000.00", id="stepped_taper_feb29_start_28feb_is_year_1"
    ),
    pytest.param(
        stepped("2021-03-01", start="2020-02-29"), "80000.00", id="stepped_taper_feb29_start_1mar_is_year_2"
    ),
    pytest.param(
        stepped("2025-02-28", start="2024-02-29", end="2029-02-28"), "100000.00",
        id="stepped_taper_start_29feb2024_28feb2025_is_year_1",
    ),
    # §7.3(5): indexation first, then the method. 100000 × 120.9 ÷ 108.6 = 111325.9668…; year 3: × 60%.
    pytest.param(
        stepped("2022-06-15", index="cpi", index_values=CPI), "66795.58", id="cpi_then_stepped_taper_year_3"
    ),
    # Fixed 3% for exactly one year: 103000; then straight line 365 of 730 days left: 51500.
    pytest.param(
        line("2022-01-01", index="fixed", fixed_rate="3"), "51500.00", id="fixed_rate_then_straight_line"
    ),
    # Share = indexed principal ÷ base value: 50000 × 120.9/108.6 ÷ 200000 × 300000 = 83494.475…
    pytest.param(
        proceeds(principal="50000", base_value="200000", net_proceeds="300000", index="cpi", index_values=CPI),
        "83494.48", id="cpi_then_share_of_proceeds_from_principal",
    ),
    pytest.param({**full("2022-06-15", start="2020-04-01", end="2030-03-31", index="cpi", index_values=CPI),
                  "principal": "100000"}, "111325.97", id="cpi_then_full_repayment_same_as_indexed"),
    # Trigger month not yet published: the latest month published before it (May 2022) is used.
    # 100000 × 119.0 ÷ 108.6 = 109576.427…
    pytest.param(indexed(index_values={"2020-04": "108.6", "2022-05": "119.0"}), "109576.43",
                 id="cpi_trigger_month_unpublished_falls_back_to_latest_month"),
    pytest.param(
        stepped("2024-02-28", start="2020-02-29"), "40000.00", id="stepped_taper_feb29_start_leap_year4"
    ),
    pytest.param(
        stepped("2024-02-29", start="2020-02-29"), "20000.00", id="stepped_taper_feb29_start_leap_anniv"
    ),
    pytest.param(
        {**stepped("2020-05-01"), "principal": "100.01", "taper": ["50"]},
        "50.01",
        id="stepped_taper_half_penny_rounds_up",
    ),
    # straight-line taper, daily (domain §7.3(3))
    pytest.param(line("2022-01-01"), "50000.00", id="straight_line_halfway_two_years"),
    pytest.param(line("2021-01-01"), "100000.00", id="straight_line_trigger_on_start_date"),
    pytest.param(line("2023-01-01"), "0.00", id="straight_line_trigger_on_end_date"),
    pytest.param(line("2023-01-02"), "0.00", id="straight_line_day_after_end_date"),
    pytest.param(line("2020-12-31"), "0.00", id="straight_line_before_start"),
    pytest.param(
        line("2024-07-02", start="2024-01-01", end="2025-01-01"),
        "50000.00",
        id="straight_line_leap_year_183_of_366_days",
    ),
    pytest.param(line("2021-01-03", end="2021-01-04"), "33333.33", id="straight_line_one_third_rounds_down"),
    pytest.param(line("2021-01-02", end="2021-01-04"), "66666.67", id="straight_line_two_thirds_rounds_up"),
    pytest.param(line("2022-01-01", cap="20000"), "20000.00", id="straight_line_capped"),
    # proportion of proceeds (domain §7.3(4))
    pytest.param(proceeds(share="25"), "50000.00", id="proceeds_share_explicit_25pct"),
    pytest.param(
        proceeds(principal="30000", base_value="90000", net_proceeds="100000"),
        "33333.33",
        id="proceeds_share_derived_discount_over_market_value",
    ),
    pytest.param(proceeds(share="50", cap="40000"), "40000.00", id="proceeds_share_capped"),
    pytest.param(
        proceeds(share="12.345", net_proceeds="100"), "12.35", id="proceeds_share_half_up_not_half_even"
    ),
    pytest.param(
        proceeds(share="12.349", net_proceeds="10"), "1.23", id="proceeds_share_rounded_once_not_twice"
    ),
    pytest.param(proceeds(share="50", trigger="2030-04-01"), "0.00", id="proceeds_share_after_period"),
    pytest.param(
        proceeds(share="50%", net_proceeds="£100,000.00"), "50000.00", id="proceeds_share_pound_and_pct"
    ),
    pytest.param(
        proceeds(share=0.5, net_proceeds=100000), "500.00", id="proceeds_share_is_a_percentage_not_fraction"
    ),
    # indexed (domain §7.3(5))
    pytest.param(indexed(), "111325.97", id="indexed_cpi_april2020_to_june2022"),
    pytest.param(indexed(index="rpi", trigger="2020-04-30"), "100000.00", id="indexed_rpi_same_month"),
    pytest.param(indexed(cap="105000"), "105000.00", id="indexed_cpi_capped"),
    pytest.param(
        indexed(index_values={"2020-04-01": "108.6", "2022-06-30": "120.9"}),
        "111325.97",
        id="indexed_cpi_table_keyed_by_date",
    ),
    pytest.param(indexed("2031-01-01"), "0.00", id="indexed_after_end_date"),
    pytest.param(
        indexed("2022-01-01", start="2020-01-01", index="fixed"),
        "106090.00",
        id="indexed_fixed_3pct_two_whole_years",
    ),
    pytest.param(
        indexed("2024-06-01", start="2023-06-01", index="fixed"),
        "103000.00",
        id="indexed_fixed_whole_year_across_29_february",
    ),
    pytest.param(
        indexed("2021-07-02", start="2021-01-01", index="fixed"),
        "101484.81",
        id="indexed_fixed_182_days_of_365",
    ),
    # overage (domain §7.3(6))
    pytest.param(overage(), "75000.00", id="overage_50pct_of_planning_uplift_less_costs"),
    pytest.param(overage(value_at_trigger="300000"), "0.00", id="overage_no_uplift"),
    pytest.param(overage(value_at_trigger="320000"), "0.00", id="overage_costs_exceed_uplift"),
    pytest.param(overage(value_at_trigger="350000.01"), "0.01", id="overage_half_penny_rounds_up"),
    pytest.param(overage(trigger="2035-03-31"), "75000.00", id="overage_on_end_date_inclusive"),
    pytest.param(overage(trigger="2035-04-01"), "0.00", id="overage_day_after_period"),
    pytest.param(overage(cap="60000"), "60000.00", id="overage_capped"),
    pytest.param(overage(allowable_costs=None), "100000.00", id="overage_without_allowable_costs"),
]


@pytest.mark.parametrize(("fields", "expected"), WORKED_EXAMPLES)
def test_worked_examples(fields, expected):
    assert due(fields) == Decimal(expected)
    assert str(due(fields)) == expected


def test_carmarthenshire_worked_steps_read_like_the_domain():
    body = to_json(calculate(parse_inputs(stepped("2022-06-15"))))
    texts = [step["text"] for step in body["steps"]]
    assert body["amount_due"] == "60000.00"
    assert body["method"] == "stepped_taper"
    assert "Years elapsed from 1 April 2020 to 15 June 2022: 2 full years (year 3 of 5)" in texts
    assert "Taper for year 3: 60%" in texts
    assert {"text": "£100,000.00 × 60% = £60,000.00", "amount": "60000.00"} in body["steps"]
    assert body["inputs"]["taper"] == CARMARTHENSHIRE_TAPER_PCT
    assert body["inputs"]["principal"] == "100000.00"


@pytest.mark.parametrize(
    "fields",
    [
        stepped("2022-06-15", cap="70000"),
        line("2022-02-03"),
        proceeds(share="33.5"),
        indexed(),
        overage(),
        proceeds(principal="30000", base_value="90000"),
        indexed(index="fixed"),
        full("2020-01-01"),
    ],
    ids=[
        "stepped",
        "straight_line",
        "proceeds_share",
        "indexed_cpi",
        "overage",
        "proceeds_derived",
        "indexed_fixed",
        "full",
    ],
)
def test_json_inputs_round_trip_through_parse_inputs(fields):
    calculation = calculate(parse_inputs(fields))
    body = to_json(calculation)
    assert parse_inputs(body["inputs"]) == calculation.inputs
    assert all(isinstance(step["amount"], str | None) for step in body["steps"])


def test_fields_the_method_does_not_use_are_ignored():
    assert due({**full("2020-01-01"), "taper": ["nonsense"], "share": "500"}) == Decimal("250000.00")


def test_cpi_steps_show_the_index_levels():
    texts = [step.text for step in calculate(parse_inputs(indexed())).steps]
    assert "CPI for April 2020 (start): 108.6" in texts
    assert "£100,000.00 × 120.9 ÷ 108.6 = £111,325.97" in texts


INVALID = [
    pytest.param({**full("2020-01-01"), "method": None}, "method", "method is required", id="method_missing"),
    pytest.param(
        {**full("2020-01-01"), "method": "clawback"}, "method", "method must be one of", id="method_unknown"
    ),
    pytest.param(
        full("2020-01-01", start="01/04/2020"),
        "start_date",
        "start_date must be a date in the form YYYY-MM-DD",
        id="start_date_uk_format",
    ),
    pytest.param(
        full("2021-02-29"),
        "trigger_date",
        "trigger_date must be a date in the form YYYY-MM-DD",
        id="trigger_date_29_february_not_leap_year",
    ),
    pytest.param(full(None), "trigger_date", "trigger_date is required", id="trigger_date_missing"),
    pytest.param(
        full("2020-01-01", end="20250531"),
        "end_date",
        "end_date must be a date in the form YYYY-MM-DD",
        id="end_date_without_dashes",
    ),
    pytest.param(
        full("2020-01-01", end="2014-01-01"),
        "end_date",
        "end_date must be after start_date",
        id="end_date_before_start_date",
    ),
    pytest.param(
        full("2020-01-01", end="2015-06-01"),
        "end_date",
        "end_date must be after start_date",
        id="end_date_same_as_start_date",
    ),
    pytest.param(
        {**full("2020-01-01"), "principal": "-1"},
        "principal",
        "principal must be an amount in pounds",
        id="principal_negative",
    ),
    pytest.param(
        {**full("2020-01-01"), "principal": "100.005"},
        "principal",
        "at most 2 decimal places",
        id="principal_fraction_of_a_penny",
    ),
    pytest.param(
        {**full("2020-01-01"), "principal": "lots"},
        "principal",
        "principal must be an amount",
        id="principal_not_a_number",
    ),
    pytest.param(
        {**full("2020-01-01"), "principal": True},
        "principal",
        "principal must be an amount",
        id="principal_boolean",
    ),
    pytest.param(
        {**full("2020-01-01"), "principal": "NaN"},
        "principal",
        "principal must be an amount",
        id="principal_nan",
    ),
    pytest.param(
        {**full("2020-01-01"), "principal": ""},
        "principal",
        "principal is required for the full method",
        id="principal_blank",
    ),
    pytest.param(
        stepped("2022-06-15", taper="100,80"),
        "taper",
        "taper must be a list of percentages between 0 and 100, one per year",
        id="taper_not_a_list",
    ),
    pytest.param(stepped("2022-06-15", taper=[]), "taper", "one per year", id="taper_empty"),
    pytest.param(stepped("2022-06-15", taper=["120"]), "taper", "between 0 and 100", id="taper_over_100pct"),
    pytest.param(stepped("2022-06-15", taper=["20", "40"]), "taper", "must not rise", id="taper_rising"),
    pytest.param(
        stepped("2022-06-15", taper=None),
        "taper",
        "taper is required for the stepped_taper method",
        id="taper_missing",
    ),
    pytest.param(
        overage(share="150"), "share", "share must be a percentage between 0 and 100", id="share_over_100pct"
    ),
    pytest.param(
        overage(share=None), "share", "share is required for the overage method", id="share_missing"
    ),
    pytest.param(
        proceeds(),
        "share",
        "unless principal and base_value are both given",
        id="proceeds_share_without_share_or_base_value",
    ),
    pytest.param(
        proceeds(principal="100", base_value="50"),
        "base_value",
        "not less than principal",
        id="proceeds_share_discount_above_market_value",
    ),
    pytest.param(
        proceeds(share="10", net_proceeds=None),
        "net_proceeds",
        "net_proceeds is required",
        id="net_proceeds_missing",
    ),
    pytest.param(
        indexed(index="none"), "index", "index must be cpi, rpi or fixed", id="indexed_without_index"
    ),
    pytest.param(
        indexed(index="hpi"), "index", "index must be one of none, cpi, rpi, fixed", id="index_unknown"
    ),
    pytest.param(
        overage(index="cpi", index_values=CPI),
        "index",
        "index does not apply to overage",
        id="index_on_overage",
    ),
    pytest.param(
        proceeds(share="50", index="cpi", index_values=CPI),
        "index",
        "only when the share is principal ÷ base_value",
        id="index_with_an_explicit_share_changes_nothing",
    ),
    pytest.param(
        stepped("2022-06-15", index="cpi"),
        "index_values",
        "index_values is required",
        id="index_on_a_stepped_taper_needs_its_figures",
    ),
    pytest.param(
        indexed(index="fixed", fixed_rate=None),
        "fixed_rate",
        "fixed_rate is required",
        id="fixed_rate_missing",
    ),
    pytest.param(
        indexed(index="fixed", fixed_rate="-2"),
        "fixed_rate",
        "fixed_rate must be an annual percentage",
        id="fixed_rate_negative",
    ),
    pytest.param(
        indexed(index_values=None), "index_values", "index_values is required", id="index_values_missing"
    ),
    pytest.param(
        indexed(index_values={"2020-13": "1"}),
        "index_values",
        "months in the form YYYY-MM",
        id="index_values_month_13",
    ),
    pytest.param(
        indexed(index_values={"2020-04": "0"}), "index_values", "above zero", id="index_values_zero"
    ),
    pytest.param(indexed(index_values=["108.6"]), "index_values", "must map months", id="index_values_list"),
    pytest.param(
        indexed(index_values={"2020-04": "1", "2020-04-15": "2"}),
        "index_values",
        "two different figures for April 2020",
        id="index_values_month_twice",
    ),
    pytest.param(
        indexed(index_values={"2022-06": "120.9"}),
        "index_values",
        "no CPI figure for April 2020",
        id="index_values_start_month_missing",
    ),
    pytest.param(
        overage(value_at_trigger=None),
        "value_at_trigger",
        "value_at_trigger is required",
        id="value_at_trigger_missing",
    ),
    pytest.param(overage(base_value=None), "base_value", "base_value is required", id="base_value_missing"),
    pytest.param(
        overage(allowable_costs="-5"),
        "allowable_costs",
        "allowable_costs must be an amount",
        id="allowable_costs_negative",
    ),
    pytest.param(full("2020-01-01", cap="-1"), "cap", "cap must be an amount", id="cap_negative"),
    pytest.param(full("2020-01-01", caps="10"), "caps", "caps is not a clawback input", id="cap_misspelt"),
]


@pytest.mark.parametrize(("fields", "field", "message"), INVALID)
def test_invalid_inputs_name_the_field(fields, field, message):
    with pytest.raises(InputError) as raised:
        due(fields)
    assert raised.value.field == field
    assert message in raised.value.detail


def test_inputs_that_are_not_an_object_are_refused():
    with pytest.raises(InputError) as raised:
        parse_inputs(["full"])  # type: ignore[arg-type]
    assert raised.value.field is None


@pytest.mark.parametrize(
    ("from_status", "to_status", "allowed"),
    [
        ("active", "triggered", True),
        ("triggered", "settled", True),
        ("active", "expired", True),
        ("settled", "active", True),
        ("waived", "discharged", True),
        ("expired", "triggered", False),
        ("discharged", "active", False),
        ("active", "settled", False),
        ("triggered", "expired", False),
    ],
    ids=lambda value: str(value),
)
def test_status_transitions(from_status, to_status, allowed):
    assert can_change_status(from_status, to_status) is allowed


def test_vocabularies_match_domain_7_2():
    assert set(STATUS_TRANSITIONS) == {status.value for status in Status}
    assert {"lr_restriction", "standard_security", "overage_deed"} <= {i.value for i in Instrument}
    assert {"disposal", "long_lease", "loss_of_charitable_status"} <= {t.value for t in Trigger}
    assert {m.value for m in Method} == {
        "full",
        "stepped_taper",
        "straight_line",
        "proceeds_share",
        "indexed",
        "overage",
    }
    assert "taper" in ALL_FIELDS


# --- properties --------------------------------------------------------------

money = st.decimals(min_value=0, max_value=Decimal(5000000), places=2, allow_nan=False, allow_infinity=False)
pct = st.decimals(min_value=0, max_value=100, places=3, allow_nan=False, allow_infinity=False)
level = st.decimals(min_value=Decimal(50), max_value=Decimal(500), places=1)
starts = st.dates(min_value=date(1996, 1, 1), max_value=date(2040, 12, 31))
BOUNDED = ["full", "stepped_taper", "straight_line"]


@st.composite
def conditions(draw, methods=tuple(m.value for m in Method), trigger=None):
    """A valid input dict; `trigger` maps (start, end) to a strategy of trigger dates."""
    method = draw(st.sampled_from(methods))
    start = draw(starts)
    end = start + timedelta(days=draw(st.integers(1, 30 * 366)))
    when = (
        trigger(start, end) if trigger else st.dates(start - timedelta(days=400), end + timedelta(days=400))
    )
    fields = {
        "method": method,
        "start_date": start.isoformat(),
        "end_date": end.isoformat(),
        "trigger_date": draw(when).isoformat(),
        "principal": str(draw(money)),
    }
    if draw(st.booleans()):
        fields["cap"] = str(draw(money))
    if method == "stepped_taper":
        fields["taper"] = [str(p) for p in sorted(draw(st.lists(pct, min_size=1, max_size=15)), reverse=True)]
    if method == "proceeds_share":
        fields["net_proceeds"] = str(draw(money))
        if draw(st.booleans()):
            fields["share"] = str(draw(pct))
        else:
            fields["base_value"] = str(Decimal(fields["principal"]) + draw(money) + Decimal("0.01"))
    if method == "indexed":
        fields["index"] = draw(st.sampled_from(["cpi", "rpi", "fixed"]))
        fields["fixed_rate"] = str(draw(st.decimals(0, 15, places=2)))
        months = {d.strftime("%Y-%m") for d in (start, date.fromisoformat(fields["trigger_date"]))}
        fields["index_values"] = {month: str(draw(level)) for month in months}
    if method == "overage":
        fields.update(
            share=str(draw(pct)),
            value_at_trigger=str(draw(money)),
            base_value=str(draw(money)),
            allowable_costs=str(draw(money)),
        )
    return fields


def after_end(start, end):
    return st.dates(end + timedelta(days=1), end + timedelta(days=3000))


def within(start, end):
    return st.dates(start, end)


@given(conditions(trigger=after_end))
def test_nothing_due_after_the_period_ends(fields):
    assert due(fields) == Decimal("0.00")


@given(conditions())
def test_never_negative(fields):
    assert due(fields) >= 0


@given(conditions(methods=BOUNDED))
def test_never_above_principal_or_cap_for_bounded_methods(fields):
    amount = due(fields)
    assert amount <= Decimal(fields["principal"])
    assert amount <= Decimal(fields.get("cap", amount))


@given(conditions(methods=["stepped_taper", "straight_line"], trigger=within), st.integers(0, 5000))
def test_tapers_never_increase_with_time(fields, later_by_days):
    later = date.fromisoformat(fields["trigger_date"]) + timedelta(days=later_by_days)
    assert due({**fields, "trigger_date": later.isoformat()}) <= due(fields)


def exact_due(fields) -> Fraction:
    """An independent reference: the unrounded amount in exact rational arithmetic."""
    start, end, trigger = (date.fromisoformat(fields[k]) for k in ("start_date", "end_date", "trigger_date"))
    g = Fraction(fields["principal"])
    if not start <= trigger <= end:
        return Fraction(0)
    match fields["method"]:
        case "full":
            amount = g
        case "stepped_taper":
            years = relativedelta(trigger, start).years
            amount = (
                g * Fraction(fields["taper"][years]) / 100 if years < len(fields["taper"]) else Fraction(0)
            )
        case "straight_line":
            amount = g * (end - trigger).days / (end - start).days
        case "proceeds_share":
            share = (
                Fraction(fields["share"]) / 100 if "share" in fields else g / Fraction(fields["base_value"])
            )
            amount = share * Fraction(fields["net_proceeds"])
        case "indexed":
            levels = {k: Fraction(v) for k, v in fields["index_values"].items()}
            amount = g * levels[trigger.strftime("%Y-%m")] / levels[start.strftime("%Y-%m")]
        case "overage":
            uplift = Fraction(fields["value_at_trigger"]) - Fraction(fields["base_value"])
            amount = (
                Fraction(fields["share"])
                / 100
                * max(Fraction(0), uplift - Fraction(fields["allowable_costs"]))
            )
    return min(amount, Fraction(fields.get("cap", amount)))


def half_up_to_penny(amount: Fraction) -> Decimal:
    return Decimal(floor(amount * 100 + Fraction(1, 2))) / 100


@settings(max_examples=300)
@given(conditions())
def test_money_has_two_places_and_is_the_exact_value_rounded_once(fields):
    calculation = calculate(parse_inputs(fields))
    assert calculation.amount_due.as_tuple().exponent == -2
    assert calculation.amount_due == calculation.amount_before_rounding.quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )
    if fields.get("index") != "fixed":  # a fractional power has no exact rational value
        assert calculation.amount_due == half_up_to_penny(exact_due(fields))


@pytest.mark.parametrize(
    ("share_pct", "net_proceeds", "once", "twice"),
    [("12.349", "10", "1.23", "1.24"), ("0.0449", "100", "0.04", "0.05"), ("33.49", "1", "0.33", "0.34")],
    ids=["share_1_2349", "share_0_0449", "share_0_3349"],
)
def test_double_rounding_would_differ_and_is_not_done(share_pct, net_proceeds, once, twice):
    exact = Decimal(share_pct) / 100 * Decimal(net_proceeds)
    assert exact.quantize(Decimal("0.001"), ROUND_HALF_UP).quantize(
        Decimal("0.01"), ROUND_HALF_UP
    ) == Decimal(twice)
    assert due(proceeds(share=share_pct, net_proceeds=net_proceeds)) == Decimal(once)


def test_fallback_month_is_said_in_the_worked_steps():
    result = to_json(calculate(parse_inputs(indexed(index_values={"2020-04": "108.6", "2022-05": "119.0"}))))
    texts = [step["text"] for step in result["steps"]]
    assert "CPI for June 2022 (trigger) is not yet published, so the latest published month is used: " \
           "May 2022, 119" in texts


def test_indexation_comes_before_the_taper_in_the_steps():
    result = to_json(calculate(parse_inputs(stepped("2022-06-15", index="cpi", index_values=CPI))))
    texts = [step["text"] for step in result["steps"]]
    first_index = next(n for n, text in enumerate(texts) if text.startswith("Indexation (CPI)"))
    taper = next(n for n, text in enumerate(texts) if text.startswith("Taper for year 3"))
    assert first_index < taper


def test_independent_fraction_check_of_cpi_then_taper():
    expected = Fraction(100000) * Fraction("120.9") / Fraction("108.6") * Fraction(60, 100)
    pennies = floor(expected * 100 + Fraction(1, 2))
    got = calculate(parse_inputs(stepped("2022-06-15", index="cpi", index_values=CPI))).amount_due
    assert got == Decimal(pennies) / 100


@pytest.mark.parametrize(("status", "trigger", "refused"), [
    pytest.param("active", "2025-03-31", False, id="active_in_period"),
    pytest.param("expired", "2025-03-31", False, id="expired_but_dated_on_the_last_day"),
    pytest.param("expired", "2020-04-01", False, id="expired_but_dated_on_the_first_day"),
    pytest.param("expired", "2025-04-01", True, id="expired_and_dated_after_the_period"),
    pytest.param("waived", "2024-01-01", True, id="waived"),
    pytest.param("discharged", "2024-01-01", True, id="discharged"),
    pytest.param("triggered", "2024-01-01", True, id="already_triggered"),
])
def test_trigger_refusal(status, trigger, refused):
    from registry.clawback import trigger_refusal

    reason = trigger_refusal(status, date.fromisoformat(trigger), date(2020, 4, 1), date(2025, 3, 31))
    assert (reason is not None) is refused
