"""The working-day calendar: which London days a landlord's office works.

A working day is a Monday to Friday that is neither a bank holiday in England and Wales
(the `holidays` package's calendar for England, which England and Wales share: New
Year's Day, Good Friday, Easter Monday, the early May, spring and summer bank holidays,
Christmas Day and Boxing Day, each with its substitute day when it falls at a weekend,
and one-off days such as coronations) nor one of the landlord's own closure days
(configuration: the days between Christmas and New Year, say).

Days are London days (Europe/London): a moment belongs to the date it is in London, so
00:30 BST on a Tuesday is Tuesday although it is still Monday in UTC. Repairs' target
dates count the landlord's closure days; legal deadlines (Awaab's Law, the Complaint
Handling Code) count `ENGLAND_AND_WALES`, weekends and bank holidays only (docs/adr/0035,
docs/adr/0041).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

LONDON = ZoneInfo("Europe/London")


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("GB", subdiv="ENG", years=year)


def is_bank_holiday(day: date) -> bool:
    """A bank holiday in England and Wales (substitute days included)."""
    return day in _bank_holidays(day.year)


def london_day(moment: datetime) -> date:
    """The date a moment falls on in London. At the very ends of the calendar, where
    London's day is one Python has no date for (the first minute of year 1 in UTC is
    still year 0 in London), the first or last date there is."""
    if moment.tzinfo is None:
        raise ValueError("a moment must be timezone-aware to have a London day")
    try:
        return moment.astimezone(LONDON).date()
    except OverflowError:
        return date.min if moment.year < 5000 else date.max


def start_of_london_day(day: date) -> datetime:
    """Midnight at the start of a London day, in UTC (23:00 UTC the day before in BST)."""
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


def end_of_london_day(day: date) -> datetime:
    """The last second of a London day (23:59:59 London time), in UTC."""
    return datetime.combine(day, time(23, 59, 59), tzinfo=LONDON).astimezone(UTC)


def next_london_day_start(moment: datetime) -> datetime:
    """The start of the London day after the one `moment` falls on, in UTC (a clock
    that "starts the next day" starts here). On the calendar's last day, whose next day
    Python has no date for, the last moment there is."""
    day = london_day(moment)
    if day == date.max:
        return datetime.max.replace(tzinfo=UTC)
    return start_of_london_day(day + timedelta(days=1))


class WorkingDayCalendar:
    """Weekends, England and Wales bank holidays and the landlord's closure days are not
    working days; every other day is."""

    def __init__(self, closure_days: Iterable[date] = ()) -> None:
        self.closure_days = frozenset(closure_days)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and not is_bank_holiday(day) and day not in self.closure_days

    def add_working_days(self, start: date, working_days: int) -> date:
        """The date `working_days` working days after `start` (start itself not counted,
        whether or not it is a working day); `start` itself for zero."""
        if working_days < 0:
            raise ValueError("working_days must not be negative")
        day = start
        remaining = working_days
        while remaining:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def next_working_day(self, day: date) -> date:
        """The first working day after `day`."""
        return self.add_working_days(day, 1)

    def working_days_between(self, start: date, end: date) -> int:
        """How many working days fall after `start` up to and including `end`."""
        return sum(
            self.is_working_day(start + timedelta(days=n)) for n in range(1, (end - start).days + 1)
        )


ENGLAND_AND_WALES = WorkingDayCalendar()
"""Bank holidays and weekends only: no closure days of the landlord's own."""
