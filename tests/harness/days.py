"""Days relative to the day a test runs.

The services check many dates against London's today: not in the future, no further
back than a window (a register's history, a report window), no further ahead than a
window (a booking, a review). A fixed date in a test that such a rule checks passes
today and fails on a later day, when the future date has become past or the past one
has fallen out of its window. Test data those rules check is taken from here, asked
at the moment the test needs it (not a module constant taken at import: the suite can
cross midnight between collecting a module and running its tests).

A test about a fixed calendar example (a London summer-time day, a bank holiday) keeps
its month and day and moves only its year: `a_past_year` gives the latest year in
which that day has passed, so the example stays as near today as it was written.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hearth_kit.working_days import london_day


def london_today() -> date:
    """Today as the services see it: the London day now (not `date.today()`, the
    machine's day, a day behind London from 23:00 to midnight in summer time)."""
    return london_day(datetime.now(UTC))


def days_from_today(days: int) -> date:
    """The London day `days` after today (before it if `days` is negative)."""
    return london_today() + timedelta(days=days)


def a_past_year(month: int, day: int) -> int:
    """The latest year in which `month`/`day` is before today (London): last year's if
    this year's has not come yet. Every date of an example written in that year from
    1 January up to `month`/`day` is then in the past, and at most a year and a day old."""
    today = london_today()
    return today.year if date(today.year, month, day) < today else today.year - 1


def a_coming_year(month: int, day: int) -> int:
    """The earliest year in which `month`/`day` is after today (London): this year's if
    it has not come yet, else next year's. Every date of an example written in that year
    from `month`/`day` on is then in the future, and `month`/`day` at most a year ahead."""
    today = london_today()
    return today.year if date(today.year, month, day) > today else today.year + 1
