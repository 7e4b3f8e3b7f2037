"""The one money parser (registry/money.py): what counts as an amount in pounds and pence."""

from decimal import Decimal

import pytest

from registry import money


@pytest.mark.parametrize("raw, expected", [
    ("45000", Decimal("45000")),
    ("£45,000", Decimal("45000")),
    (" £ 1,234.50 ", Decimal("1234.50")),
    (0, Decimal("0")),
    (Decimal("-0"), Decimal("0")),  # no "-0.00" on a page
    (100000.5, Decimal("100000.5")),  # a JSON float, read through its shortest repr
    ("999999999999.99", Decimal("999999999999.99")),  # the largest Numeric(14, 2) holds
], ids=["digits", "pound_sign_and_commas", "spaces_and_pence", "zero", "negative_zero", "json_float", "largest"])
def test_amounts_in_pounds(raw, expected):
    value = money.pounds(raw)
    assert value == expected and str(value) == str(expected)


@pytest.mark.parametrize("raw", [
    "£1 a year", "-5", Decimal("-5"), "1.234", "1e6", "NaN", True, "", None, "1000000000000",
], ids=["words", "negative_text", "negative_number", "three_decimals", "exponent", "nan", "bool", "empty",
        "none", "a_trillion"])
def test_not_amounts(raw):
    with pytest.raises(ValueError):
        money.pounds(raw)
