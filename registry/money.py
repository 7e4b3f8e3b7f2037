"""Amounts of money in pounds, as people type them and as JSON sends them: the one money parser.

Pure and imports nothing of the app, so the pure calculator (`clawback.py`) can use it as well as the
domain's parsers (`parsing.money`). Each caller turns the `ValueError` into its own error, worded for
its own users.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

PENNY = Decimal("0.01")
MAX_AMOUNT_GBP = Decimal(10) ** 12  # Numeric(14, 2) holds less than a trillion pounds
_PLAIN_NUMBER = re.compile(r"^\d+(\.\d+)?$")


def plain_decimal(raw: Any, strip: str = "") -> Decimal:
    """A finite Decimal from a JSON number or from text of digits like "£45,000" (no sign or exponent;
    thousands commas and the `strip` sign around it ignored); a float goes through its shortest repr.
    Raises ValueError."""
    if isinstance(raw, str):
        text = raw.replace(",", "").strip()
        if strip:
            text = text.removeprefix(strip).removesuffix(strip).strip()
        raw = Decimal(text) if _PLAIN_NUMBER.match(text) else None
    elif isinstance(raw, float):
        raw = Decimal(repr(raw))
    if isinstance(raw, bool) or not isinstance(raw, int | Decimal) or not Decimal(raw).is_finite():
        raise ValueError("not a number")
    return Decimal(raw).copy_abs() if raw == 0 else Decimal(raw)  # no "-0.00"


def pounds(raw: Any) -> Decimal:
    """An amount in pounds and pence: zero or more, at most 2 decimal places, under MAX_AMOUNT_GBP.

    "£45,000", "45000.50", 45000 and Decimal("45000") are amounts; "£1 a year", "-5", "1.234" and
    "1e6" are not. Raises ValueError.
    """
    value = plain_decimal(raw, strip="£")
    if not 0 <= value < MAX_AMOUNT_GBP or value != value.quantize(PENNY):
        raise ValueError("not an amount in pounds and pence")
    return value
