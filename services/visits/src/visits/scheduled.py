"""Scheduled work of the visits service (hearth_kit.scheduler):

- programme-rescore: works out again the stored programme scores a date has moved
  (a home passing its due date, a tenancy no longer new, a contact leaving the 12-month
  window), those worked out under another configuration (weights or intervals changed),
  and those of homes never scored; it runs when the process starts and then every 15
  minutes (a round with nothing due is two reads), so a changed configuration is
  applied at the next start and a date's change soon after midnight (docs/adr/0011).
- homes-beyond-interval: keeps hearth_visits_homes_beyond_interval current.
- caseload-review-overdue: a sustainable tenancy referral past its review date raises
  caseload-review-overdue, once (FOR UPDATE SKIP LOCKED and a marker column).

No job moves a tenancy off the introductory caseload: income decides when a trial ends
(its job trial-end, or an officer) and says so in tenancy-type-changed; a trial kept
open by possession proceedings stays on the introductory caseload until then
(docs/adr/0066)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_kit.scheduler import ScheduledJob
from hearth_kit.working_days import london_day
from visits.caseloads.service import raise_overdue_reviews
from visits.metrics import HOMES_BEYOND_INTERVAL
from visits.programme import repository
from visits.programme.service import ProgrammeService
from visits.settings import VisitsSettings


async def count_beyond_interval(session: AsyncSession, now: datetime) -> int:
    """Count the homes past their interval (from the stored due dates) and set the
    gauge; it stamps nothing, so it reports 0 handled and runs again after its interval."""
    HOMES_BEYOND_INTERVAL.set(await repository.beyond_interval(session, london_day(now)))
    return 0


def programme_rescore(
    settings: VisitsSettings,
) -> Callable[[AsyncSession, datetime], Awaitable[int]]:
    return ProgrammeService(settings.programme, settings.intervals).rescore_due


def scheduled_jobs(settings: VisitsSettings) -> list[ScheduledJob]:
    return [
        ScheduledJob("programme-rescore", timedelta(minutes=15), programme_rescore(settings)),
        ScheduledJob("homes-beyond-interval", timedelta(minutes=15), count_beyond_interval),
        ScheduledJob("caseload-review-overdue", timedelta(minutes=15), raise_overdue_reviews),
    ]
