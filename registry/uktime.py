"""The one "today" of the registry: the UK calendar date (Europe/London).

Statutory days are UK calendar days: just after midnight in British Summer Time
it is already the next day here while UTC still shows the previous one. Rules
never read the clock; the edge (a view, a CLI command) calls ``today_uk()`` and
passes the date in.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")


def today_uk(now: datetime | None = None) -> date:
    """Today's date in the UK; ``now`` (an aware datetime) for tests."""
    return (now or datetime.now(LONDON)).astimezone(LONDON).date()
