"""Pure date arithmetic for statutory periods (domain spec §0.1).

Everything here takes values and returns values: no database, no clock, no
``today()``. The statutory rules that use these functions live as data in
``registry.workflow.rules``.

Counting rules, each a pure function, chosen by the words of the provision
(domain §0.1: "the words decide"):

* **"A period of N … beginning with day D"**: D is day 1, so the period's last
  day (inclusive) is D + N - 1 day. ``period_end`` returns that last day.
* **"within N days of D"**, **"N weeks after D"**, **"N months from D"**: day D
  is not counted, so the last day is D + N days (or, for months and years, the
  corresponding date N months later, or the last day of that month where it has
  no corresponding date). ``period_end_after`` returns that last day.
* **"N working days beginning with D"**: ``working_days_period_end``.
* **Next working day** (e.g. the tribunal rules: an act due on a day that is not
  a working day is in time on the next working day): ``next_working_day``
  carries a last day forward.
* **Months and years** use the corresponding-date rule (Dodds v Walker [1980]
  1 WLR 1061): the period ends on the day before the date that corresponds to D
  N months later; where that later month has no corresponding date (31 March →
  no 31 September), the period ends on the last day of that month.

Working days (domain §0.1, §5.1: "20 working days beginning with the date of the
decision notice") skip Saturdays, Sundays and the bank holidays of the nation,
including substitute ("observed") days, as published by the ``holidays``
package (``holidays.country_holidays("GB", subdiv=…)``). Scotland therefore
has 2 January and St Andrew's Day but not Easter Monday; Northern Ireland has
St Patrick's Day and 12 July. [U] The statutory definition of a "working day"
for the Scottish ATR regulations was not seen (domain §11 item 7); if it turns
out to exclude further days (e.g. Christmas Eve), this is the one place to add
them.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from functools import cache

import holidays
from dateutil.relativedelta import relativedelta

#: Our nation codes → ISO 3166-2 subdivision codes used by ``holidays`` for GB.
NATIONS: dict[str, str] = {
    "england": "ENG",
    "wales": "WLS",
    "scotland": "SCT",
    "northern_ireland": "NIR",
}

NATION_NAMES: dict[str, str] = {
    "england": "England",
    "wales": "Wales",
    "scotland": "Scotland",
    "northern_ireland": "Northern Ireland",
}

_ONE_DAY = timedelta(days=1)


def _require_date(value: object, name: str) -> date:
    # datetime is a subclass of date; refuse it so that a time zone can never
    # shift a statutory date by a day without anyone noticing.
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a datetime.date (not {type(value).__name__})")
    return value


def _require_count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a whole number (not {type(value).__name__})")
    return value


def period_end(start: date, *, days: int = 0, weeks: int = 0, months: int = 0, years: int = 0) -> date:
    """Last day (inclusive) of a period of that length beginning with ``start``.

    Domain §0.1. Give exactly one of ``days``, ``weeks``, ``months`` or ``years``,
    as a positive whole number.

    * days / weeks: ``start + N - 1`` days (``start + 7N - 1`` for weeks). So the
      6-week interim moratorium (Localism Act 2011 s.95(6)) beginning with
      Mon 1 June 2026 ends on Sun 12 July 2026.
    * months / years: corresponding-date rule. 6 months beginning with 1 June
      ends 30 November; beginning with 31 March ends 30 September; beginning
      with 31 August ends on the last day of February (29th in a leap year);
      5 years beginning with 29 February 2024 ends 28 February 2029.
    """
    _require_date(start, "start")
    unit, amount = _one_unit(days=days, weeks=weeks, months=months, years=years)
    if unit == "days":
        return start + timedelta(days=amount - 1)
    if unit == "weeks":
        return start + timedelta(weeks=amount) - _ONE_DAY
    return _months_period_end(start, amount * 12 if unit == "years" else amount)


def _months_period_end(start: date, months: int) -> date:
    # relativedelta clamps a missing day to the last day of the month
    # (31 March + 6 months → 30 September). A clamped result means "no
    # corresponding date", and then the period ends on that last day itself.
    corresponding = start + relativedelta(months=months)
    if corresponding.day != start.day:
        return corresponding
    return corresponding - _ONE_DAY


def period_end_after(start: date, *, days: int = 0, weeks: int = 0, months: int = 0, years: int = 0) -> date:
    """Last day (inclusive) of a period of that length counted *after* ``start``.

    For "within N days of D", "N weeks after D" and "N months from D": D itself
    is not counted (domain §0.1). Give exactly one unit, as for :func:`period_end`.

    * days / weeks: ``start + N`` days (``start + 7N``). So "within 28 days of"
      Sat 31 January 2026 ends Sat 28 February 2026.
    * months / years: the corresponding date N months later; where that month has
      no corresponding date, its last day. "6 months after" 31 August 2026 ends
      28 February 2027; "5 years after" 29 February 2024 ends 28 February 2029.
    """
    _require_date(start, "start")
    unit, amount = _one_unit(days=days, weeks=weeks, months=months, years=years)
    if unit == "days":
        return start + timedelta(days=amount)
    if unit == "weeks":
        return start + timedelta(weeks=amount)
    # relativedelta clamps a missing day to the month's last day, which is the rule.
    return start + relativedelta(months=amount * 12 if unit == "years" else amount)


def _one_unit(**given: int) -> tuple[str, int]:
    for name, amount in given.items():
        _require_count(amount, name)
    chosen = {name: amount for name, amount in given.items() if amount != 0}
    if len(chosen) != 1:
        raise ValueError(
            "a period needs exactly one of days, weeks, months or years; "
            f"got {', '.join(chosen) or 'none'}"
        )
    ((unit, amount),) = chosen.items()
    if amount < 1:
        raise ValueError(f"{unit} must be 1 or more (got {amount})")
    return unit, amount


def anniversary(start: date, years: int) -> date:
    """First day of year ``years + 1`` of a period beginning with ``start``.

    The corresponding-date rule: year 1 of a period beginning with 29 February
    2024 ends on 28 February 2025 (no 29 February 2025), so year 2 begins on
    1 March 2025. For any other start it is the same day and month ``years``
    later. ``anniversary(start, 0)`` is ``start``.
    """
    _require_date(start, "start")
    _require_count(years, "years")
    if years == 0:
        return start
    return period_end(start, years=years) + _ONE_DAY


def whole_years(start: date, on: date) -> int:
    """Whole years of a period beginning with ``start`` completed before ``on``.

    ``on`` falls in year ``whole_years(start, on) + 1``. By anniversaries under
    the corresponding-date rule (see :func:`anniversary`): for a start on
    29 February 2024, 28 February 2025 is still in year 1.
    """
    _require_date(start, "start")
    _require_date(on, "on")
    if on < start:
        raise ValueError("on must not be before start")
    years = relativedelta(on, start).years
    # relativedelta counts 28 Feb 2025 as a whole year from 29 Feb 2024; the
    # corresponding-date rule does not. Step back while the anniversary is later.
    while years > 0 and anniversary(start, years) > on:
        years -= 1
    while anniversary(start, years + 1) <= on:
        years += 1
    return years


def _subdivision(nation: str) -> str:
    try:
        return NATIONS[nation]
    except (KeyError, TypeError):
        raise ValueError(f"unknown nation {nation!r}; expected one of {', '.join(NATIONS)}") from None


@cache
def _bank_holidays(subdivision: str, year: int) -> frozenset[date]:
    # One frozen set per (nation, year): immutable, so safe to share between
    # request threads, unlike a self-expanding HolidayBase.
    return frozenset(holidays.country_holidays("GB", subdiv=subdivision, years=year))


def is_working_day(day: date, nation: str, closures: Collection[date] = ()) -> bool:
    """True unless ``day`` is a Saturday, Sunday or bank holiday in ``nation``
    (or one of ``closures``: local closure days, only for a rule whose definition
    of a working day includes them; see ``registry.workflow.rules``).

    ``nation`` is one of ``england``, ``wales``, ``scotland``, ``northern_ireland``.
    Substitute days count as bank holidays (e.g. Mon 28 Dec 2026 for Boxing Day,
    Mon 4 Jan 2027 for 2 January in Scotland). Domain §0.1.
    """
    _require_date(day, "day")
    subdivision = _subdivision(nation)
    return day.weekday() < 5 and day not in _bank_holidays(subdivision, day.year) and day not in closures


def bank_holidays(nation: str, year: int) -> frozenset[date]:
    """The bank holidays of ``nation`` in ``year`` as gov.uk lists them: the weekdays off, so a
    substitute day stands in for a holiday that falls at a weekend."""
    _require_count(year, "year")
    return frozenset(day for day in _bank_holidays(_subdivision(nation), year) if day.weekday() < 5)


def next_working_day(day: date, nation: str, closures: Collection[date] = ()) -> date:
    """``day`` itself if it is a working day, otherwise the next working day.

    The next-working-day rule: "if the time ... for doing any act ends on a day
    other than a working day, the act is done in time if it is done on the next
    working day" (Upper Tribunal Rules r.12(2); the GRC Rules' r.12 is taken to
    say the same [P]).
    """
    while not is_working_day(day, nation, closures):
        day += _ONE_DAY
    return day


def working_days_period_end(start: date, n: int, nation: str, closures: Collection[date] = ()) -> date:
    """Last day of "a period of ``n`` working days beginning with ``start``".

    Domain §0.1 and §5.1 (SSI 2016/358 reg 3: "20 working days beginning with
    the date of the decision notice").

    * If ``start`` is a working day it is day 1: 1 working day beginning with
      Mon 1 June 2026 ends that Monday.
    * If ``start`` is not a working day (a weekend or bank holiday), counting
      starts with the next working day, which is day 1. This is our reading:
      a non-working day cannot be "a working day" of the period, so the first
      working day of the period is the first one on or after ``start``.

    Example: 20 working days in Scotland beginning with Mon 15 Dec 2025 end on
    Thu 15 Jan 2026 (25, 26 Dec and 1, 2 Jan are skipped); in England they end
    on Wed 14 Jan 2026, because 2 January is not a bank holiday there.
    """
    _require_date(start, "start")
    _require_count(n, "n")
    if n < 1:
        raise ValueError(f"n must be 1 or more (got {n})")
    day = next_working_day(start, nation, closures)
    counted = 1
    while counted < n:
        day += _ONE_DAY
        if is_working_day(day, nation, closures):
            counted += 1
    return day


def add_working_days(start: date, n: int, nation: str) -> date:
    """Same as :func:`working_days_period_end`: the ``n``-th working day *counting
    ``start`` as day 1* (or the next working day, if ``start`` is not one).

    Note this is not "``start`` plus n working days": ``add_working_days(d, 1, …)``
    is ``d`` itself when ``d`` is a working day. The statutes we model all phrase
    working-day periods as "beginning with", so there is deliberately one
    counting rule (domain §0.1). The name is kept because the style guide and
    the workflow modules use it.
    """
    return working_days_period_end(start, n, nation)
