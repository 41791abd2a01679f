"""All SQL the visit figures are counted from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func
from sqlalchemy import select as select_columns
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from hearth_contracts.events.visits import HazardType
from visits.models import HomeProfile, Visit, VisitHazardFinding, VisitRepairFinding, VisitStatus


@dataclass(frozen=True)
class ReportedVisit:
    """A visit that happened (or was attempted) in the period, with what it found."""

    uprn: str
    area: str | None
    status: VisitStatus
    at: datetime
    first_visit: bool
    repairs: int
    hazards: int
    damp_hazards: int


async def reported_visits(
    session: AsyncSession, start: datetime, end: datetime
) -> list[ReportedVisit]:
    """Visits reported with a visit time in [start, end), each with its counts and
    whether it was the home's first completed visit."""
    repairs = (
        select(VisitRepairFinding.visit_id, func.count().label("n"))
        .group_by(col(VisitRepairFinding.visit_id))
        .subquery()
    )
    hazards = (
        select(
            VisitHazardFinding.visit_id,
            func.count().label("n"),
            func.count()
            .filter(col(VisitHazardFinding.hazard_type) == HazardType.DAMP_AND_MOULD.value)
            .label("damp"),
        )
        .group_by(col(VisitHazardFinding.visit_id))
        .subquery()
    )
    first = (
        select(Visit.uprn, func.min(Visit.visited_at).label("first_at"))
        .where(col(Visit.status) == VisitStatus.COMPLETED)
        .group_by(col(Visit.uprn))
        .subquery()
    )
    at = func.coalesce(col(Visit.visited_at), col(Visit.reported_at))
    query = (
        select_columns(
            col(Visit.uprn),
            col(HomeProfile.area),
            col(Visit.status),
            at,
            first.c.first_at,
            col(Visit.visited_at),
            func.coalesce(repairs.c.n, 0),
            func.coalesce(hazards.c.n, 0),
            func.coalesce(hazards.c.damp, 0),
        )
        .outerjoin(HomeProfile, col(HomeProfile.uprn) == col(Visit.uprn))
        .outerjoin(repairs, repairs.c.visit_id == col(Visit.id))
        .outerjoin(hazards, hazards.c.visit_id == col(Visit.id))
        .outerjoin(first, first.c.uprn == col(Visit.uprn))
        .where(col(Visit.status) != VisitStatus.SCHEDULED, at >= start, at < end)
    )
    return [
        ReportedVisit(
            uprn=uprn,
            area=area,
            status=status,
            at=moment,
            first_visit=status is VisitStatus.COMPLETED and first_at == visited_at,
            repairs=int(n_repairs),
            hazards=int(n_hazards),
            damp_hazards=int(n_damp),
        )
        for uprn, area, status, moment, first_at, visited_at, n_repairs, n_hazards, n_damp in (
            await session.execute(query)
        ).all()
    ]


async def homes_by_area(session: AsyncSession) -> dict[str | None, int]:
    query = select(HomeProfile.area, func.count()).group_by(col(HomeProfile.area))
    return {area: int(n) for area, n in (await session.execute(query)).all()}
