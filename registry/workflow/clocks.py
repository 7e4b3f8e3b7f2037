"""Pure date arithmetic for statutory periods (domain spec §0.1).

Everything here takes values and returns values: no database, no clock, no
``today()``. The statutory rules that use these functions live as data in
``registry.workflow.rules``.

Two conventions, both from domain §0.1:

* **"A period of N … beginning with day D"**: D is day 1, so the period's last
  day (inclusive) is D + N - 1 day. ``period_end`` returns that last day.
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
    given = {"days": days, "weeks": weeks, "months": months, "years": years}
    for name, amount in given.items():
        _require_count(amount, name)
    chosen = {name: amount for name, amount in given.items() if amount != 0}
    if len(chosen) != 1:
        raise ValueError(
            "period_end needs exactly one of days, weeks, months or years; "
            f"got {', '.join(chosen) or 'none'}"
        )
    ((unit, amount),) = chosen.items()
    if amount < 1:
        raise ValueError(f"{unit} must be 1 or more (got {amount})")
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


def is_working_day(day: date, nation: str) -> bool:
    """True unless ``day`` is a Saturday, Sunday or bank holiday in ``nation``.

    ``nation`` is one of ``england``, ``wales``, ``scotland``, ``northern_ireland``.
    Substitute days count as bank holidays (e.g. Mon 28 Dec 2026 for Boxing Day,
    Mon 4 Jan 2027 for 2 January in Scotland). Domain §0.1.
    """
    _require_date(day, "day")
    subdivision = _subdivision(nation)
    return day.weekday() < 5 and day not in _bank_holidays(subdivision, day.year)


def next_working_day(day: date, nation: str) -> date:
    """``day`` itself if it is a working day, otherwise the next working day."""
    while not is_working_day(day, nation):
        day += _ONE_DAY
    return day


def working_days_period_end(start: date, n: int, nation: str) -> date:
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
    day = next_working_day(start, nation)
    counted = 1
    while counted < n:
        day += _ONE_DAY
        if is_working_day(day, nation):
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
