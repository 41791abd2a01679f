"""All SQL the visit figures are counted from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_
from sqlalchemy import select as select_columns
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from hearth_contracts.events.visits import HazardType, VisitKind
from visits.models import HomeProfile, Visit, VisitHazardFinding, VisitRepairFinding, VisitStatus
from visits.programme.repository import programmed_home
from visits.visits.repository import inventory_recorded


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
    kind: VisitKind
    stock_condition_survey: bool
    inventory_recorded: bool
    """Its report holds a room inventory (ADR 0098: a full visit completed without one
    is counted, and a survey without one is not the survey)."""


async def reported_visits(
    session: AsyncSession, start: datetime, end: datetime
) -> list[ReportedVisit]:
    """Visits reported with a visit time in [start, end), each with its counts and
    whether it was the home's first completed visit.

    Every read is by an index, so a period costs its own visits, not every visit ever
    made: the period's visits from ix_visit_visited_at (every reported visit has its
    visited_at: required on every report, and migration 0003 gave the older ones their
    reported_at); each one's findings counted by visit id; its home's first completed
    visit from that home's visits (ix_visit_uprn_scheduled_for). The findings counted
    over the whole table, grouped, then joined, and the period found by a filter over
    every visit, read every visit and finding ever recorded on each request. Whether
    its report holds a room inventory, by its id too (ix_visit_room_visit_id). A visit
    at a home the programme leaves out (leasehold, shared ownership: ADR 0115) is not
    one of the programme's, and is not counted."""
    earlier = aliased(Visit)
    repairs = (
        select(func.count())
        .select_from(VisitRepairFinding)
        .where(col(VisitRepairFinding.visit_id) == col(Visit.id))
        .scalar_subquery()
    )
    hazards = (
        select(func.count())
        .select_from(VisitHazardFinding)
        .where(col(VisitHazardFinding.visit_id) == col(Visit.id))
        .scalar_subquery()
    )
    damp = (
        select(func.count())
        .select_from(VisitHazardFinding)
        .where(
            col(VisitHazardFinding.visit_id) == col(Visit.id),
            col(VisitHazardFinding.hazard_type) == HazardType.DAMP_AND_MOULD.value,
        )
        .scalar_subquery()
    )
    first_at = (
        select(func.min(col(earlier.visited_at)))
        .where(
            col(earlier.uprn) == col(Visit.uprn),
            col(earlier.status) == VisitStatus.COMPLETED,
        )
        .scalar_subquery()
    )
    query = (
        select_columns(
            col(Visit.uprn),
            col(HomeProfile.area),
            col(Visit.status),
            col(Visit.visited_at),
            first_at,
            repairs,
            hazards,
            damp,
            col(Visit.kind),
            col(Visit.stock_condition_survey),
            inventory_recorded(),
        )
        .outerjoin(HomeProfile, col(HomeProfile.uprn) == col(Visit.uprn))
        .where(
            col(Visit.visited_at) >= start,
            col(Visit.visited_at) < end,
            col(Visit.status) != VisitStatus.SCHEDULED,
            # the programme's visits: not one booked on request at a leasehold or shared
            # ownership home (ADR 0115); a home the register never told of is counted
            or_(col(HomeProfile.uprn).is_(None), programmed_home()),
        )
    )
    return [
        ReportedVisit(
            uprn=uprn,
            area=area,
            status=status,
            at=visited_at,
            first_visit=status is VisitStatus.COMPLETED and first == visited_at,
            repairs=int(n_repairs),
            hazards=int(n_hazards),
            damp_hazards=int(n_damp),
            kind=kind,
            stock_condition_survey=bool(survey),
            inventory_recorded=bool(inventory),
        )
        for (
            uprn,
            area,
            status,
            visited_at,
            first,
            n_repairs,
            n_hazards,
            n_damp,
            kind,
            survey,
            inventory,
        ) in (await session.execute(query)).all()
    ]


async def homes_by_area(session: AsyncSession) -> dict[str | None, int]:
    """The homes in the programme, per area: the figures' homes visited count against
    them, so a leasehold or shared ownership home (ADR 0115) is not one."""
    query = (
        select(HomeProfile.area, func.count())
        .where(programmed_home())
        .group_by(col(HomeProfile.area))
    )
    return {area: int(n) for area, n in (await session.execute(query)).all()}
