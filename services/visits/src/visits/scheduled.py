"""Scheduled work: keep hearth_visits_homes_beyond_interval current."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_kit.scheduler import ScheduledJob
from hearth_kit.working_days import london_day
from visits.metrics import HOMES_BEYOND_INTERVAL
from visits.programme import repository, rules
from visits.programme.repository import LastVisits
from visits.settings import VisitsSettings


def count_beyond_interval(
    settings: VisitsSettings,
) -> Callable[[AsyncSession, datetime], Awaitable[int]]:
    async def run(session: AsyncSession, now: datetime) -> int:
        """Count the homes past their interval and set the gauge; it stamps nothing,
        so it reports 0 handled and runs again after its interval."""
        today = london_day(now)
        visits = await repository.last_visits(session, None)
        beyond = 0
        for uprn, _, _ in await repository.homes(session, None):
            last = visits.get(uprn, LastVisits())
            upcoming = rules.next_visit(
                rules.VisitHistory(
                    last.last_visit, last.last_full_visit, last.last_stock_condition_survey
                ),
                today,
                settings.intervals,
            )
            beyond += upcoming.beyond_interval
        HOMES_BEYOND_INTERVAL.set(beyond)
        return 0

    return run


def scheduled_jobs(settings: VisitsSettings) -> list[ScheduledJob]:
    return [
        ScheduledJob(
            "homes-beyond-interval", timedelta(minutes=15), count_beyond_interval(settings)
        )
    ]
