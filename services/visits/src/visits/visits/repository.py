"""All SQL about home visits and their findings."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, and_, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from hearth_contracts.events.visits import VisitKind
from visits.models import (
    CommunalIssue,
    CustomerAction,
    RoomInspected,
    Visit,
    VisitHazardFinding,
    VisitRepairFinding,
    VisitStatus,
    VisitTenancyConcern,
)


@dataclass
class Findings:
    """What one visit found, loaded explicitly (no lazy loading under asyncio)."""

    repairs: list[VisitRepairFinding] = field(default_factory=list)
    hazards: list[VisitHazardFinding] = field(default_factory=list)
    tenancy_concerns: list[VisitTenancyConcern] = field(default_factory=list)
    rooms: list[RoomInspected] = field(default_factory=list)
    communal_issues: list[CommunalIssue] = field(default_factory=list)
    customer_actions: list[CustomerAction] = field(default_factory=list)


async def get(session: AsyncSession, visit_id: uuid.UUID) -> Visit | None:
    return await session.get(Visit, visit_id)


async def rebooking_of(session: AsyncSession, visit_id: uuid.UUID) -> Visit | None:
    """The visit booked to replace `visit_id`, if there is one."""
    query = select(Visit).where(col(Visit.rebooked_from_visit_id) == visit_id)
    return (await session.execute(query)).scalars().first()


async def page(
    session: AsyncSession,
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
    uprn: str | None,
    status: VisitStatus | None,
) -> list[Visit]:
    """Visits latest-scheduled first; ties broken by id, so the order is stable."""
    query = (
        select(Visit).order_by(col(Visit.scheduled_for).desc(), col(Visit.id).desc()).limit(limit)
    )
    if after is not None:
        scheduled_for, visit_id = after
        query = query.where(
            or_(
                col(Visit.scheduled_for) < scheduled_for,
                and_(col(Visit.scheduled_for) == scheduled_for, col(Visit.id) < visit_id),
            )
        )
    if uprn is not None:
        query = query.where(col(Visit.uprn) == uprn)
    if status is not None:
        query = query.where(col(Visit.status) == status)
    return list((await session.execute(query)).scalars().all())


async def findings(
    session: AsyncSession, visit_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Findings]:
    """The findings of each visit in `visit_ids` (three queries, whatever the count)."""
    found = {visit_id: Findings() for visit_id in visit_ids}
    if not visit_ids:
        return found
    repairs = await session.execute(
        select(VisitRepairFinding)
        .where(col(VisitRepairFinding.visit_id).in_(visit_ids))
        .order_by(col(VisitRepairFinding.visit_id), col(VisitRepairFinding.position))
    )
    for repair in repairs.scalars():
        found[repair.visit_id].repairs.append(repair)
    hazards = await session.execute(
        select(VisitHazardFinding)
        .where(col(VisitHazardFinding.visit_id).in_(visit_ids))
        .order_by(col(VisitHazardFinding.visit_id), col(VisitHazardFinding.position))
    )
    for hazard in hazards.scalars():
        found[hazard.visit_id].hazards.append(hazard)
    concerns = await session.execute(
        select(VisitTenancyConcern)
        .where(col(VisitTenancyConcern.visit_id).in_(visit_ids))
        .order_by(col(VisitTenancyConcern.visit_id), col(VisitTenancyConcern.position))
    )
    for concern in concerns.scalars():
        found[concern.visit_id].tenancy_concerns.append(concern)
    rooms = await session.execute(
        select(RoomInspected)
        .where(col(RoomInspected.visit_id).in_(visit_ids))
        .order_by(col(RoomInspected.visit_id), col(RoomInspected.position))
    )
    for room in rooms.scalars():
        found[room.visit_id].rooms.append(room)
    issues = await session.execute(
        select(CommunalIssue)
        .where(col(CommunalIssue.visit_id).in_(visit_ids))
        .order_by(col(CommunalIssue.visit_id), col(CommunalIssue.position))
    )
    for issue in issues.scalars():
        found[issue.visit_id].communal_issues.append(issue)
    actions = await session.execute(
        select(CustomerAction)
        .where(col(CustomerAction.visit_id).in_(visit_ids))
        .order_by(
            col(CustomerAction.visit_id), col(CustomerAction.promised_at), col(CustomerAction.id)
        )
    )
    for action in actions.scalars():
        found[action.visit_id].customer_actions.append(action)
    return found


def add(session: AsyncSession, visit: Visit) -> None:
    session.add(visit)


def add_findings(session: AsyncSession, findings: Findings) -> None:
    session.add_all(
        [
            *findings.repairs,
            *findings.hazards,
            *findings.tenancy_concerns,
            *findings.rooms,
            *findings.communal_issues,
            *findings.customer_actions,
        ]
    )


async def open_actions(session: AsyncSession, uprn: str) -> list[CustomerAction]:
    """Customer actions promised at the home and not yet closed, oldest first."""
    query = (
        select(CustomerAction)
        .where(col(CustomerAction.uprn) == uprn, col(CustomerAction.closed_at).is_(None))
        .order_by(col(CustomerAction.promised_at), col(CustomerAction.id))
    )
    return list((await session.execute(query)).scalars().all())


async def close_actions(
    session: AsyncSession,
    *,
    uprn: str,
    action_ids: Sequence[uuid.UUID],
    closed_at: datetime,
    visit_id: uuid.UUID,
) -> int:
    """Close the home's open actions among `action_ids`; how many were closed."""
    if not action_ids:
        return 0
    result = cast(
        CursorResult[Any],
        await session.execute(
            update(CustomerAction)
            .where(
                col(CustomerAction.id).in_(action_ids),
                col(CustomerAction.uprn) == uprn,
                col(CustomerAction.closed_at).is_(None),
            )
            .values(closed_at=closed_at, closed_at_visit_id=visit_id)
            .execution_options(synchronize_session=False)
        ),
    )
    return int(result.rowcount)


async def completed_visits(session: AsyncSession, uprn: str) -> list[Visit]:
    """The home's completed visits, latest first (what the next visit's kind follows)."""
    query = (
        select(Visit)
        .where(col(Visit.uprn) == uprn, col(Visit.status) == VisitStatus.COMPLETED)
        .order_by(col(Visit.visited_at).desc())
    )
    return list((await session.execute(query)).scalars().all())


async def record_report(
    session: AsyncSession, visit: Visit, status: VisitStatus, **values: Any
) -> bool:
    """Move a still-scheduled visit to `status` with the report's values. False when
    another report got there first (the row is no longer scheduled)."""
    result = cast(
        CursorResult[Any],
        await session.execute(
            update(Visit)
            .where(col(Visit.id) == visit.id, col(Visit.status) == VisitStatus.SCHEDULED)
            .values(status=status, version=col(Visit.version) + 1, **values)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        return False
    await session.refresh(visit)
    return True


async def pair_with_check(session: AsyncSession, visit_id: uuid.UUID, check_id: uuid.UUID) -> bool:
    """Name the check done on the same trip, on a booked full visit not paired yet.
    False when the visit is not one to pair (or already paired)."""
    result = cast(
        CursorResult[Any],
        await session.execute(
            update(Visit)
            .where(
                col(Visit.id) == visit_id,
                col(Visit.status) == VisitStatus.SCHEDULED,
                col(Visit.kind) == VisitKind.FULL,
                col(Visit.paired_check_id).is_(None),
            )
            .values(paired_check_id=check_id, version=col(Visit.version) + 1)
            .execution_options(synchronize_session=False)
        ),
    )
    return bool(result.rowcount == 1)
