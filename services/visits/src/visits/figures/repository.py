"""All SQL the visit figures are counted from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, exists, func, or_, true
from sqlalchemy import select as select_columns
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, aliased
from sqlmodel import col, select

from hearth_contracts.events.visits import HazardType, VisitKind
from visits.models import (
    HomeProfile,
    HomeTenure,
    Visit,
    VisitHazardFinding,
    VisitRepairFinding,
    VisitStatus,
)
from visits.programme.rules import OUT_OF_PROGRAMME
from visits.visits.repository import inventory_recorded

OUT = sorted(OUT_OF_PROGRAMME)


def tenure_at(uprn: Mapped[str], moment: Mapped[datetime | None]) -> ColumnElement[str]:
    """The home's tenure in force at `moment` (ADR 0130): the latest the register said at
    or before it; before the first it said, that first (when a home joined the register is
    not when it became the landlord's: a go-live loads every home at once); NULL when
    visits has heard none (in the programme, as ADR 0115 keeps such a home). Two seeks of
    home_tenure's primary key (uprn, effective_from)."""
    latest = (
        select(col(HomeTenure.tenure))
        .where(col(HomeTenure.uprn) == uprn, col(HomeTenure.effective_from) <= moment)
        .order_by(col(HomeTenure.effective_from).desc())
        .limit(1)
        .scalar_subquery()
    )
    first = (
        select(col(HomeTenure.tenure))
        .where(col(HomeTenure.uprn) == uprn)
        .order_by(col(HomeTenure.effective_from))
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(latest, first)


def in_programme_during(start: datetime, end: datetime) -> ColumnElement[bool]:
    """A condition on home_profile: the home was in the programme at some moment of
    [start, end) by the tenure then in force (ADR 0130), or visits has heard no tenure of
    it (ADR 0115). A tenure row is in force from its `effective_from` (the home's first row from
    the start of time) until the home's next row: it counts when that span meets the
    period and its tenure is not leasehold or shared ownership."""
    row, earlier, next_row = aliased(HomeTenure), aliased(HomeTenure), aliased(HomeTenure)
    in_force_in_period = (
        select(col(row.uprn))
        .where(
            col(row.uprn) == col(HomeProfile.uprn),
            col(row.tenure).not_in(OUT),
            or_(
                col(row.effective_from) < end,
                ~exists().where(
                    col(earlier.uprn) == col(row.uprn),
                    col(earlier.effective_from) < col(row.effective_from),
                ),
            ),
            ~exists().where(
                col(next_row.uprn) == col(row.uprn),
                col(next_row.effective_from) > col(row.effective_from),
                col(next_row.effective_from) <= start,
            ),
        )
        .exists()
    )
    none_heard = ~exists().where(col(HomeTenure.uprn) == col(HomeProfile.uprn))
    return or_(none_heard, in_force_in_period)


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
    at a home the programme left out on the visit's day (leasehold, shared ownership:
    ADR 0115; by the tenure in force at visited_at, ADR 0130, from home_tenure's key) is
    not one of the programme's, and is not counted."""
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
            # the programme's visits: not one made at a leasehold or shared ownership
            # home (ADR 0115), by its tenure on the visit's day, not today's (ADR 0130);
            # a home the register never told of is counted
            tenure_at(col(Visit.uprn), col(Visit.visited_at)).in_(OUT).is_not(true()),
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


async def homes_by_area(
    session: AsyncSession, start: datetime, end: datetime
) -> dict[str | None, int]:
    """The homes in the programme in [start, end), per area: the figures' homes visited
    count against them, so a home leasehold or shared ownership (ADR 0115) all through
    the period is not one; one sold under the right to buy since, or during it, is (its
    tenure then, ADR 0130)."""
    query = (
        select(HomeProfile.area, func.count())
        .where(in_programme_during(start, end))
        .group_by(col(HomeProfile.area))
    )
    return {area: int(n) for area, n in (await session.execute(query)).all()}
