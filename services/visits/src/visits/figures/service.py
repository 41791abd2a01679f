"""The visit programme's headline figures for a period: visits done against the
programme, the no-access rate, repairs found per visit (first and later visits apart)
and hazards found, and the full visits and stock condition surveys completed without a
room inventory (ADR 0098); overall, by area and by month (each month against the homes in
the programme in that month, ADR 0142). Never commits."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts.events.visits import VisitKind
from hearth_kit.figures import Figures, Measure, Period
from hearth_kit.working_days import london_day, start_of_london_day
from visits.figures import repository
from visits.figures.repository import ReportedVisit
from visits.models import VisitStatus


def measures(visits: Iterable[ReportedVisit], homes: int) -> list[Measure]:
    """The measures of a set of visits; `homes` is the programme they count against."""
    visits = list(visits)
    completed = [v for v in visits if v.status is VisitStatus.COMPLETED]
    no_access = sum(1 for v in visits if v.status is VisitStatus.NO_ACCESS)
    first = [v for v in completed if v.first_visit]
    later = [v for v in completed if not v.first_visit]
    full = [v for v in completed if v.kind is VisitKind.FULL]
    surveys = [v for v in full if v.stock_condition_survey]
    return [
        Measure.ratio(
            "visits.homes_visited",
            "Homes with a completed visit in the period, out of the homes in the programme",
            len({v.uprn for v in completed}),
            homes,
        ),
        Measure.count("visits.completed", "Visits completed", len(completed)),
        Measure.ratio(
            "visits.no_access_rate",
            "Visits attempted that got no access",
            no_access,
            len(visits),
        ),
        Measure.ratio(
            "visits.repairs_per_first_visit",
            "Repairs found per visit, at a home's first visit",
            sum(v.repairs for v in first),
            len(first),
        ),
        Measure.ratio(
            "visits.repairs_per_later_visit",
            "Repairs found per visit, at later visits",
            sum(v.repairs for v in later),
            len(later),
        ),
        Measure.count("visits.hazards_found", "Hazards found", sum(v.hazards for v in completed)),
        Measure.count(
            "visits.damp_and_mould_found",
            "Damp and mould hazards found",
            sum(v.damp_hazards for v in completed),
        ),
        Measure.ratio(
            "visits.full_visits_without_inventory",
            "Full visits completed without a room-by-room inventory, out of full visits completed",
            sum(1 for v in full if not v.inventory_recorded),
            len(full),
        ),
        Measure.ratio(
            "visits.surveys_without_inventory",
            "Stock condition surveys completed without a room-by-room inventory, out of "
            "surveys completed: not counted as the survey, which stays due",
            sum(1 for v in surveys if not v.inventory_recorded),
            len(surveys),
        ),
    ]


def month_within(month: str, period: Period) -> tuple[datetime, datetime]:
    """The London month `month` (YYYY-MM) as [start, end), cut to the period's days: a
    period from the 15th has that month from the 15th."""
    first = date.fromisoformat(f"{month}-01")
    next_first = (first + timedelta(days=31)).replace(day=1)
    return (
        start_of_london_day(max(first, period.first)),
        start_of_london_day(min(next_first, period.last + timedelta(days=1))),
    )


async def figures(session: AsyncSession, period: Period) -> Figures:
    start = start_of_london_day(period.first)
    end = start_of_london_day(period.last + timedelta(days=1))
    visits = await repository.reported_visits(session, start, end)
    homes = await repository.homes_by_area(session, start, end)
    by_area: dict[str, list[ReportedVisit]] = defaultdict(list)
    by_month: dict[str, list[ReportedVisit]] = defaultdict(list)
    for visit in visits:
        by_area[visit.area or "unknown"].append(visit)
        by_month[london_day(visit.at).strftime("%Y-%m")].append(visit)
    breakdowns = {
        f"area:{area}": measures(group, homes.get(None if area == "unknown" else area, 0))
        for area, group in sorted(by_area.items())
    }
    # Each month counts its visits against the homes in the programme in that month (a
    # home sold in March is not owed December's visit), by ADR 0130's rule for the
    # period: in the programme at some moment of it (ADR 0142).
    for month, group in sorted(by_month.items()):
        homes_then = await repository.homes_by_area(session, *month_within(month, period))
        breakdowns[f"month:{month}"] = measures(group, sum(homes_then.values()))
    return period.figures(measures(visits, sum(homes.values())), breakdowns)
