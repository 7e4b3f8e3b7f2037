"""Parsers for the fields of a domain record typed in a form or sent as JSON (transfers, conditions, indices).

Each takes the raw value and the field's name and returns a value, or raises `InvalidInput` naming the
field in words the user knows. Money goes through the one money parser, `money.pounds`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from . import money
from .errors import InvalidInput


def label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def text(raw: Any, name: str, *, required: bool = False, max_length: int = 200) -> str | None:
    value = str(raw).strip() if raw is not None else ""
    if required and not value:
        raise InvalidInput(f"Enter the {name.replace('_', ' ')}.", field=name)
    if len(value) > max_length:
        raise InvalidInput(f"{label(name)} must be {max_length} characters or fewer.", field=name)
    return value or None


def pounds(raw: Any, name: str, *, required: bool = False) -> Decimal | None:
    if raw is None or raw == "":
        if required:
            raise InvalidInput(f"Enter the {name.replace('_', ' ')} in pounds.", field=name)
        return None
    try:
        return money.pounds(raw)
    except ValueError:
        raise InvalidInput(f"{label(name)} must be an amount in pounds, zero or more, like 100000.00.",
                           field=name) from None


def whole(raw: Any, name: str, *, minimum: int = 1) -> int | None:
    if raw is None or raw == "":
        return None
    if (isinstance(raw, bool) or not str(raw).strip().isdigit() or int(str(raw).strip()) < minimum
            or int(str(raw).strip()) > 2**31 - 1):
        raise InvalidInput(f"{label(name)} must be a whole number of at least {minimum}.", field=name)
    return int(str(raw).strip())


def iso_date(raw: Any, name: str, *, required: bool = False) -> date | None:
    """A date, or text in the form YYYY-MM-DD (forms turn the GOV.UK day, month and year into that)."""
    if isinstance(raw, date):
        return raw
    value = str(raw).strip() if raw is not None else ""
    if not value:
        if required:
            raise InvalidInput(f"Enter the {name.replace('_', ' ')}.", field=name)
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{label(name)} must be a date like 2024-03-31.", field=name) from None


def choice(raw: Any, name: str, vocabulary: Mapping[str, str]) -> str:
    value = (str(raw).strip().lower() if raw is not None else "")
    if value not in vocabulary:
        raise InvalidInput(f"{label(name)} must be one of: {', '.join(vocabulary)}.", field=name)
    return value


def items(raw: Any) -> list:
    """A list as JSON sends it, or as typed: "a, b; c"."""
    if raw is None or raw == "":
        return []
    if isinstance(raw, str):
        return [item for item in re.split(r"[,;\s]+", raw.strip()) if item]
    if isinstance(raw, Sequence):
        return list(raw)
    return [raw]


def without_units(data: Mapping[str, Any]) -> dict[str, Any]:
    """Accept `market_value_gbp` for `market_value` (the case data may carry units in its names)."""
    return {key.removesuffix("_gbp"): value for key, value in data.items()}
