"""Clawback, overage and discount-protection calculations (domain §7).

Pure functions: values in, values out. No database, no Flask, no clock; the
trigger date is an input (style habit 4). Money is `Decimal` throughout,
intermediate values stay unrounded, and the amount due is rounded once, at the
end, to the penny, half up. Each calculation returns its worked steps, because
domain §7.3 asks that the working be shown to users.

The period follows domain §0.1: it begins with `start_date`, and `end_date` is
its last day (both included). A trigger before `start_date` or after `end_date`
makes nothing due, whatever the method. Years of the period run from
anniversary to anniversary by the corresponding-date rule: for a start on
29 February 2024, year 1 ends on 28 February 2025 and year 2 begins on 1 March.

Indexation (domain §7.3(5)) is applied to the principal *before* any method that
reads it: full repayment (the `indexed` method is exactly that), the stepped
taper, the straight line, and a share of proceeds worked out from the principal.
Where the trigger month's CPI or RPI figure is not yet published, the latest
month published before it is used, and the worked steps say so.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, localcontext
from enum import StrEnum
from itertools import pairwise
from typing import Any, TypeVar

from dateutil.relativedelta import relativedelta

from . import money  # pure, like this module


class InputError(ValueError):
    """A bad calculation input, naming the field. This module imports nothing of the app: the edge
    (transfers, the calculator page and API) turns it into the app's InvalidInput (errors.invalid_input)."""

    def __init__(self, detail: str, *, field: str | None = None):
        super().__init__(detail)
        self.detail = detail
        self.field = field



class Method(StrEnum):
    """The six computation methods of domain §7.3."""

    FULL = "full"
    STEPPED_TAPER = "stepped_taper"
    STRAIGHT_LINE = "straight_line"
    PROCEEDS_SHARE = "proceeds_share"
    INDEXED = "indexed"
    OVERAGE = "overage"


class Index(StrEnum):
    NONE = "none"
    CPI = "cpi"
    RPI = "rpi"
    FIXED = "fixed"


# How a condition is secured, what makes it bite, and where it stands (domain §7.2).
Instrument = StrEnum(
    "Instrument",
    "grant_agreement lease_covenant transfer_covenant legal_charge lr_restriction standard_security"
    " title_burden overage_deed pre_emption",
)
Trigger = StrEnum(
    "Trigger",
    "disposal part_disposal long_lease change_of_use planning_permission cessation_of_activity"
    " insolvency breach_of_outcomes loss_of_charitable_status",
)
Status = StrEnum("Status", "active triggered settled waived expired discharged")

# The less obvious edges: a trigger can be withdrawn (the sale fell through), so
# triggered -> active; an overage without a "once only" release can bite again
# after settlement (domain §7.3(6)), so settled -> active. Every ended condition
# is finally discharged when its charge or restriction leaves the title.
STATUS_TRANSITIONS: Mapping[str, frozenset[str]] = {
    "active": frozenset({"triggered", "waived", "expired", "discharged"}),
    "triggered": frozenset({"settled", "waived", "active"}),
    "settled": frozenset({"active", "discharged"}),
    "waived": frozenset({"discharged"}),
    "expired": frozenset({"discharged"}),
    "discharged": frozenset(),
}


def can_change_status(from_status: str, to_status: str) -> bool:
    return to_status in STATUS_TRANSITIONS.get(from_status, frozenset())


def trigger_refusal(status: str, trigger_date: date, start_date: date, end_date: date) -> str | None:
    """Why a trigger on `trigger_date` cannot be recorded on a condition in `status`, or None.

    A trigger dated within the period is always recordable, even after the nightly expiry marked
    the condition expired: the right to recover arose on the trigger date, not on the day it was
    keyed in (issue 11). A trigger after the period on an expired condition is refused.
    """
    if status == "expired":
        if start_date <= trigger_date <= end_date:
            return None
        return (f"The condition's period ended on {_day(end_date)}; a trigger on {_day(trigger_date)} "
                "is outside it.")
    if can_change_status(status, "triggered"):
        return None
    return f"A condition that is {status} cannot become triggered."


@dataclass(frozen=True)
class ClawbackInputs:
    """Validated inputs. Percentages are 0-100, except `share_fraction` (0-1)."""

    method: Method
    start_date: date
    end_date: date  # the last day of the period, included
    trigger_date: date
    principal_gbp: Decimal | None = None  # G: the grant or the discount
    taper_pct: tuple[Decimal, ...] = ()  # year 1 first
    share_fraction: Decimal | None = None
    net_proceeds_gbp: Decimal | None = None
    index: Index = Index.NONE
    fixed_rate_pct: Decimal | None = None  # a year, compounded annually
    index_values: Mapping[tuple[int, int], Decimal] = field(default_factory=dict)  # (year, month) -> level
    base_value_gbp: Decimal | None = None  # market value at transfer
    value_at_trigger_gbp: Decimal | None = None
    allowable_costs_gbp: Decimal = Decimal(0)
    cap_gbp: Decimal | None = None


@dataclass(frozen=True)
class Step:
    text: str
    amount_gbp: Decimal | None = None  # unrounded


@dataclass(frozen=True)
class Calculation:
    amount_due: Decimal  # pounds, exactly 2 decimal places
    steps: list[Step]
    inputs: ClawbackInputs
    amount_before_rounding: Decimal


# --- parsing -----------------------------------------------------------------

_E = TypeVar("_E", bound=StrEnum)
PENNY = money.PENNY
MAX_AMOUNT_GBP = money.MAX_AMOUNT_GBP
_MONTH_KEY = re.compile(r"^(\d{4})-(\d{2})(-\d{2})?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INDEX_VALUES_MESSAGE = (
    'index_values must map months in the form YYYY-MM to index levels above zero, e.g. {"2020-04": "108.6"}'
)


def _decimal(raw: Any, name: str, message: str, strip: str = "") -> Decimal:
    """A finite Decimal from a JSON number or a string; a float goes through its shortest repr."""
    try:
        return money.plain_decimal(raw, strip=strip)
    except ValueError:
        raise InputError(message, field=name) from None


def _money(raw: Any, name: str) -> Decimal:
    message = (
        f"{name} must be an amount in pounds, zero or more, with at most 2 decimal places (e.g. 100000.00)"
    )
    try:
        return money.pounds(raw)
    except ValueError:
        raise InputError(message, field=name) from None


def _percent(raw: Any, name: str, message: str) -> Decimal:
    value = _decimal(raw, name, message, strip="%")
    if not 0 <= value <= 100:
        raise InputError(message, field=name)
    return value


def _date(raw: Any, name: str) -> date:
    message = f"{name} must be a date in the form YYYY-MM-DD"
    if raw is None or raw == "":
        raise InputError(f"{name} is required: {message}", field=name)
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    if isinstance(raw, str) and _ISO_DATE.match(raw.strip()):
        try:
            return date.fromisoformat(raw.strip())
        except ValueError:
            pass
    raise InputError(message, field=name)


def _choice(raw: Any, enum: type[_E], name: str) -> _E:
    choices = ", ".join(member.value for member in enum)
    if raw is None or raw == "":
        raise InputError(f"{name} is required: one of {choices}", field=name)
    try:
        return enum(str(raw).strip().lower())
    except ValueError:
        raise InputError(f"{name} must be one of {choices}", field=name) from None


def _taper(raw: Any, name: str) -> tuple[Decimal, ...]:
    message = f"{name} must be a list of percentages between 0 and 100, one per year"
    if isinstance(raw, str | bytes) or not isinstance(raw, Sequence) or not raw:
        raise InputError(message, field=name)
    pcts = tuple(_percent(pct, name, message) for pct in raw)
    if any(later > earlier for earlier, later in pairwise(pcts)):
        raise InputError(
            f"{name} must not rise from one year to the next: year 1 first, e.g. 100, 80, 60", field=name
        )
    return pcts


def _share(raw: Any, name: str) -> Decimal:
    return _percent(raw, name, f"{name} must be a percentage between 0 and 100 (e.g. 50 for a half)") / 100


def _rate(raw: Any, name: str) -> Decimal:
    return _percent(
        raw, name, f"{name} must be an annual percentage between 0 and 100 (e.g. 3 for 3% a year)"
    )


def _month_of(key: Any, name: str) -> tuple[int, int]:
    """(year, month) from a date, a (year, month) pair, or "YYYY-MM" / "YYYY-MM-DD"."""
    if isinstance(key, date):
        return key.year, key.month
    if isinstance(key, str) and (match := _MONTH_KEY.match(key.strip())):
        if match[3]:
            _date(key, name)  # a real day, not 2020-04-31
        key = (int(match[1]), int(match[2]))
    if (
        isinstance(key, tuple)
        and len(key) == 2
        and all(isinstance(n, int) for n in key)
        and 1 <= key[1] <= 12
    ):
        return key[0], key[1]
    raise InputError(_INDEX_VALUES_MESSAGE, field=name)


def _index_values(raw: Any, name: str) -> Mapping[tuple[int, int], Decimal]:
    if not isinstance(raw, Mapping) or not raw:
        raise InputError(_INDEX_VALUES_MESSAGE, field=name)
    levels: dict[tuple[int, int], Decimal] = {}
    for key, raw_level in raw.items():
        month, level = _month_of(key, name), _decimal(raw_level, name, _INDEX_VALUES_MESSAGE)
        if level <= 0:
            raise InputError(_INDEX_VALUES_MESSAGE, field=name)
        if levels.setdefault(month, level) != level:
            raise InputError(f"{name} gives two different figures for {_month_name(*month)}", field=name)
    return levels


# JSON name -> (ClawbackInputs attribute, parser)
_PARSERS: Mapping[str, tuple[str, Callable[[Any, str], Any]]] = {
    "principal": ("principal_gbp", _money),
    "taper": ("taper_pct", _taper),
    "share": ("share_fraction", _share),
    "net_proceeds": ("net_proceeds_gbp", _money),
    "fixed_rate": ("fixed_rate_pct", _rate),
    "index_values": ("index_values", _index_values),
    "base_value": ("base_value_gbp", _money),
    "value_at_trigger": ("value_at_trigger_gbp", _money),
    "allowable_costs": ("allowable_costs_gbp", _money),
    "cap": ("cap_gbp", _money),
}
# Inputs each method reads, besides method, the three dates, index and cap.
METHOD_FIELDS: Mapping[Method, tuple[str, ...]] = {
    Method.FULL: ("principal", "fixed_rate", "index_values"),
    Method.STEPPED_TAPER: ("principal", "taper", "fixed_rate", "index_values"),
    Method.STRAIGHT_LINE: ("principal", "fixed_rate", "index_values"),
    Method.PROCEEDS_SHARE: ("net_proceeds", "share", "principal", "base_value", "fixed_rate", "index_values"),
    Method.INDEXED: ("principal", "fixed_rate", "index_values"),
    Method.OVERAGE: ("share", "value_at_trigger", "base_value", "allowable_costs"),
}
ALL_FIELDS = frozenset({"method", "start_date", "end_date", "trigger_date", "index", *_PARSERS})
_REQUIRED: Mapping[Method, tuple[str, ...]] = {
    Method.FULL: ("principal",),
    Method.STEPPED_TAPER: ("principal", "taper"),
    Method.STRAIGHT_LINE: ("principal",),
    Method.PROCEEDS_SHARE: ("net_proceeds",),
    Method.INDEXED: ("principal",),
    Method.OVERAGE: ("share", "value_at_trigger", "base_value"),
}


def parse_inputs(data: Mapping[str, Any]) -> ClawbackInputs:
    """Validate a JSON-like dict (names in `ALL_FIELDS`) into `ClawbackInputs`.

    Null or "" counts as absent. Inputs the chosen method does not read are
    ignored; unknown names are refused, so a misspelt `cap` cannot silently drop
    the cap. Raises `InputError(detail, field=name)` for the first bad input.
    """
    if not isinstance(data, Mapping):
        raise InputError("Send the calculation inputs as a JSON object")
    for name in data:
        if name not in ALL_FIELDS:
            known = ", ".join(sorted(ALL_FIELDS))
            raise InputError(f"{name} is not a clawback input; the inputs are: {known}", field=str(name))
    present = {name: raw for name, raw in data.items() if raw is not None and raw != ""}
    method = _choice(present.get("method"), Method, "method")
    values: dict[str, Any] = {
        name: _date(present.get(name), name) for name in ("start_date", "end_date", "trigger_date")
    }
    values["index"] = _choice(present.get("index", Index.NONE), Index, "index")
    for name in ("cap", *METHOD_FIELDS[method]):
        if name in present:
            attribute, parse = _PARSERS[name]
            values[attribute] = parse(present[name], name)
    inputs = ClawbackInputs(method=method, **values)
    check_complete(inputs)
    return inputs


def check_complete(i: ClawbackInputs) -> None:
    """Raise `InputError` if the method lacks an input it needs (domain §7.3)."""

    def need(name: str, why: str = "", *, field: str = "") -> None:
        if getattr(i, _PARSERS[name][0]) in (None, (), {}):
            raise InputError(
                f"{field or name} is required for the {i.method} method{why}", field=field or name
            )

    if i.end_date <= i.start_date:
        raise InputError("end_date must be after start_date", field="end_date")
    if i.method is Method.INDEXED and i.index is Index.NONE:
        raise InputError("index must be cpi, rpi or fixed for the indexed method", field="index")
    if i.method is Method.OVERAGE and i.index is not Index.NONE:
        raise InputError("index does not apply to overage, which has no principal; set it to none",
                           field="index")
    if i.method is Method.PROCEEDS_SHARE and i.index is not Index.NONE and i.share_fraction is not None:
        raise InputError("index applies to a share of proceeds only when the share is principal ÷ "
                           "base_value; leave share empty or set index to none", field="index")
    for name in _REQUIRED[i.method]:
        need(name)
    if i.index is not Index.NONE:
        need("fixed_rate" if i.index is Index.FIXED else "index_values", f" with index {i.index}")
    if i.method is Method.PROCEEDS_SHARE and i.share_fraction is None:
        why = ", unless principal and base_value are both given (share = principal ÷ base_value)"
        need("principal", why, field="share")
        need("base_value", why, field="share")
        assert i.principal_gbp is not None and i.base_value_gbp is not None
        if i.base_value_gbp == 0 or i.base_value_gbp < i.principal_gbp:
            raise InputError(
                "base_value must be more than zero and not less than principal", field="base_value"
            )


# --- calculation -------------------------------------------------------------


def _month_name(year: int, month: int) -> str:
    return f"{calendar.month_name[month]} {year}"  # C locale: English names


def _month(d: date) -> str:
    return _month_name(d.year, d.month)


def _day(d: date) -> str:
    return f"{d.day} {_month(d)}"


def _text(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _gbp(amount: Decimal) -> str:
    pennies = abs(amount).quantize(PENNY, ROUND_HALF_UP)
    return f"{'−' if amount < 0 and pennies else ''}£{pennies:,.2f}"


def _pct(pct: Decimal) -> str:
    shown = pct.quantize(Decimal("0.0001"), ROUND_HALF_UP)
    return f"{_text(shown)}%" if shown == pct else f"about {_text(shown)}%"


def _count(count: int, unit: str = "full year") -> str:
    return f"{count} {unit}{'' if count == 1 else 's'}"


def _anniversary(start: date, years: int) -> date:
    """First day of year `years + 1`: the corresponding date, or the day after the last day of the
    month where there is none (a year beginning with 29 Feb 2024 ends 28 Feb 2025; year 2 begins 1 Mar)."""
    later = start + relativedelta(years=years)
    return later if later.day == start.day else later + timedelta(days=1)


def _whole_count(start: date, on: date) -> int:
    """Whole years of the period completed before `on`, by the corresponding-date rule (§0.1)."""
    years = relativedelta(on, start).years
    while years > 0 and _anniversary(start, years) > on:
        years -= 1
    while _anniversary(start, years + 1) <= on:
        years += 1
    return years


def _full(i: ClawbackInputs, g: Decimal, steps: list[Step]) -> Decimal:
    steps.append(Step("Triggered within the period, so the whole principal is due", g))
    return g


def _stepped_taper(i: ClawbackInputs, g: Decimal, steps: list[Step]) -> Decimal:
    years, schedule_years = _whole_count(i.start_date, i.trigger_date), len(i.taper_pct)
    where = f"year {years + 1} of {schedule_years}" if years < schedule_years else "past the taper"
    steps.append(
        Step(f"Years elapsed from {_day(i.start_date)} to {_day(i.trigger_date)}: {_count(years)} ({where})")
    )
    if years >= schedule_years:
        steps.append(Step(f"The taper covers {_count(schedule_years)}, so nothing is due", Decimal(0)))
        return Decimal(0)
    pct = i.taper_pct[years]
    due = g * pct / 100
    steps.append(Step(f"Taper for year {years + 1}: {_pct(pct)}"))
    steps.append(Step(f"{_gbp(g)} × {_pct(pct)} = {_gbp(due)}", due))
    return due


def _straight_line(i: ClawbackInputs, g: Decimal, steps: list[Step]) -> Decimal:
    days_left, days_total = (i.end_date - i.trigger_date).days, (i.end_date - i.start_date).days
    due = g * days_left / days_total
    steps.append(Step(f"Days from {_day(i.trigger_date)} to {_day(i.end_date)}: {days_left} of {days_total}"))
    steps.append(Step(f"{_gbp(g)} × {days_left} ÷ {days_total} = {_gbp(due)}", due))
    return due


def _proceeds_share(i: ClawbackInputs, g: Decimal, steps: list[Step]) -> Decimal:
    """An explicit share wins; otherwise share = principal ÷ base_value."""
    assert i.net_proceeds_gbp is not None
    if i.share_fraction is not None:
        share = i.share_fraction
        steps.append(Step(f"Share of proceeds: {_pct(share * 100)}"))
    else:
        assert i.base_value_gbp is not None
        share = g / i.base_value_gbp
        steps.append(Step(f"Share of proceeds: {_gbp(g)} ÷ {_gbp(i.base_value_gbp)} = {_pct(share * 100)}"))
    due = share * i.net_proceeds_gbp
    steps.append(Step(f"{_pct(share * 100)} × {_gbp(i.net_proceeds_gbp)} net proceeds = {_gbp(due)}", due))
    return due


def _index_level(i: ClawbackInputs, on: date, name: str) -> Decimal:
    """The level for the calendar month that contains `on` (the start month has no fallback)."""
    level = i.index_values.get((on.year, on.month))
    if level is None:
        detail = f"index_values has no {i.index.upper()} figure for {_month(on)}, needed for {name}; add it"
        raise InputError(detail, field="index_values")
    return level


def _trigger_level(i: ClawbackInputs) -> tuple[tuple[int, int], Decimal]:
    """The trigger month's level, or, if it is not yet published, the latest month before it
    (and not before the start month). Raises `InputError` if there is none."""
    wanted = (i.trigger_date.year, i.trigger_date.month)
    start = (i.start_date.year, i.start_date.month)
    published = [month for month in i.index_values if start <= month <= wanted]
    if not published:
        detail = (f"index_values has no {i.index.upper()} figure for {_month(i.trigger_date)} or any month "
                  f"since {_month(i.start_date)}, needed for trigger_date; add it")
        raise InputError(detail, field="index_values")
    month = max(published)
    return month, i.index_values[month]


def _indexed(i: ClawbackInputs, g: Decimal, steps: list[Step]) -> Decimal:
    """G × index(trigger month) ÷ index(start month), or G grown at a fixed annual rate.

    Fixed rate: compounded on each anniversary, with the part-year since the last
    anniversary counted as days ÷ 365, so one whole year is exactly (1 + rate).
    """
    if i.index is Index.FIXED:
        assert i.fixed_rate_pct is not None
        years = _whole_count(i.start_date, i.trigger_date)
        days = (i.trigger_date - _anniversary(i.start_date, years)).days
        growth = 1 + i.fixed_rate_pct / 100
        factor = growth**years * growth ** (Decimal(days) / 365)
        rate = _pct(i.fixed_rate_pct)
        elapsed = f"{_count(years)} and {_count(days, 'day')}"
        steps.append(Step(f"From {_day(i.start_date)} to {_day(i.trigger_date)}: {elapsed}"))
        steps.append(Step(f"Fixed rate {rate} a year: (1 + {rate})^({years} + {days}/365) = {factor:.10f}"))
        factor_text = f"{factor:.10f}"
    else:
        start_level = _index_level(i, i.start_date, "start_date")
        month, trigger_level = _trigger_level(i)
        factor, factor_text = trigger_level / start_level, f"{_text(trigger_level)} ÷ {_text(start_level)}"
        steps.append(Step(f"{i.index.upper()} for {_month(i.start_date)} (start): {_text(start_level)}"))
        if month == (i.trigger_date.year, i.trigger_date.month):
            steps.append(
                Step(f"{i.index.upper()} for {_month(i.trigger_date)} (trigger): {_text(trigger_level)}")
            )
        else:
            steps.append(Step(
                f"{i.index.upper()} for {_month(i.trigger_date)} (trigger) is not yet published, so the "
                f"latest published month is used: {_month_name(*month)}, {_text(trigger_level)}"
            ))
    steps.append(Step(f"{_gbp(g)} × {factor_text} = {_gbp(g * factor)}", g * factor))
    return g * factor


def _apply_index(i: ClawbackInputs, g: Decimal, steps: list[Step]) -> Decimal:
    """Domain §7.3(5): index the principal from start to trigger before the method uses it."""
    if i.index is Index.NONE or i.method is Method.INDEXED:
        return g
    steps.append(Step(f"Indexation ({i.index.upper()}) is applied to the principal first (domain §7.3(5))"))
    return _indexed(i, g, steps)


def _indexed_full(i: ClawbackInputs, g: Decimal, steps: list[Step]) -> Decimal:
    due = _indexed(i, g, steps)
    steps.append(Step("Triggered within the period, so the whole indexed principal is due", due))
    return due


def _overage(i: ClawbackInputs, g: Decimal, steps: list[Step]) -> Decimal:
    assert (
        i.share_fraction is not None and i.value_at_trigger_gbp is not None and i.base_value_gbp is not None
    )
    uplift = i.value_at_trigger_gbp - i.base_value_gbp - i.allowable_costs_gbp
    figures = f"{_gbp(i.value_at_trigger_gbp)} − {_gbp(i.base_value_gbp)} − {_gbp(i.allowable_costs_gbp)}"
    steps.append(
        Step(f"Uplift (value at trigger − base value − allowable costs): {figures} = {_gbp(uplift)}", uplift)
    )
    if uplift <= 0:
        steps.append(Step("No uplift, so nothing is due", Decimal(0)))
        return Decimal(0)
    due = i.share_fraction * uplift
    steps.append(Step(f"{_pct(i.share_fraction * 100)} × {_gbp(uplift)} = {_gbp(due)}", due))
    return due


_METHODS: Mapping[Method, Callable[[ClawbackInputs, Decimal, list[Step]], Decimal]] = {
    Method.FULL: _full,
    Method.STEPPED_TAPER: _stepped_taper,
    Method.STRAIGHT_LINE: _straight_line,
    Method.PROCEEDS_SHARE: _proceeds_share,
    Method.INDEXED: _indexed_full,
    Method.OVERAGE: _overage,
}


def calculate(inputs: ClawbackInputs) -> Calculation:
    """Work out the amount due under domain §7.3, with the working shown.

    Nothing is due for a trigger outside the period; the cap, if any, applies to
    every method; the result is never negative and is rounded once, half up.
    """
    check_complete(inputs)
    i = inputs
    steps = [Step(f"Period: {_day(i.start_date)} to {_day(i.end_date)}, both days included")]
    with localcontext() as context:
        context.prec = 50  # far beyond the penny, so rounding the result once is exact
        if i.start_date <= i.trigger_date <= i.end_date:
            g = _apply_index(i, i.principal_gbp or Decimal(0), steps)
            due = max(Decimal(0), _METHODS[i.method](i, g, steps))
        else:
            outside = "before the period began" if i.trigger_date < i.start_date else "after the period ended"
            steps.append(
                Step(f"Trigger on {_day(i.trigger_date)} is {outside}, so nothing is due", Decimal(0))
            )
            due = Decimal(0)
        if i.cap_gbp is not None:
            steps.append(Step(f"Cap of {_gbp(i.cap_gbp)}: {'applied' if due > i.cap_gbp else 'not reached'}"))
            due = min(due, i.cap_gbp)
        amount_due = due.quantize(PENNY, ROUND_HALF_UP)
    steps.append(Step(f"Amount due, rounded once to the nearest penny: {_gbp(amount_due)}", amount_due))
    return Calculation(amount_due=amount_due, steps=steps, inputs=inputs, amount_before_rounding=due)


# --- JSON --------------------------------------------------------------------


def inputs_to_json(i: ClawbackInputs) -> dict[str, Any]:
    """The inputs as strings, under the names `parse_inputs` accepts, so they round-trip."""
    out: dict[str, Any] = {"method": i.method.value, "index": i.index.value}
    out.update({name: getattr(i, name).isoformat() for name in ("start_date", "end_date", "trigger_date")})
    for name, (attribute, parse) in _PARSERS.items():
        value = getattr(i, attribute)
        if value in (None, (), {}) or (name == "allowable_costs" and i.method is not Method.OVERAGE):
            continue
        if parse is _money:
            out[name] = f"{value.quantize(PENNY):f}"
        elif name == "taper":
            out[name] = [_text(pct) for pct in value]
        elif name == "index_values":
            out[name] = {
                f"{year:04d}-{month:02d}": _text(level) for (year, month), level in sorted(value.items())
            }
        else:
            out[name] = _text(value * 100 if name == "share" else value)
    return out


def to_json(calculation: Calculation) -> dict[str, Any]:
    """Amounts as decimal strings; step amounts are shown to the penny, for display only."""
    steps = [
        {
            "text": step.text,
            "amount": None
            if step.amount_gbp is None
            else f"{step.amount_gbp.quantize(PENNY, ROUND_HALF_UP):f}",
        }
        for step in calculation.steps
    ]
    return {
        "method": calculation.inputs.method.value,
        "amount_due": f"{calculation.amount_due:f}",
        "steps": steps,
        "inputs": inputs_to_json(calculation.inputs),
    }
