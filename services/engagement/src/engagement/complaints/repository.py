"""All SQL about complaints, their stages and service requests."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, func, or_, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from engagement.models import Complaint, ComplaintStageRecord, ComplaintStatus, ServiceRequest
from engagement.residents.repository import in_stock, tenure_when
from engagement.residents.rules import Stock
from hearth_contracts.events.engagement import ComplaintStage


def add(session: AsyncSession, row: Complaint | ComplaintStageRecord | ServiceRequest) -> None:
    session.add(row)


async def get(
    session: AsyncSession, complaint_id: uuid.UUID, *, for_update: bool = False
) -> Complaint | None:
    query = select(Complaint).where(Complaint.id == complaint_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalars().first()


async def stages_of(
    session: AsyncSession, complaint_ids: list[uuid.UUID], *, for_update: bool = False
) -> dict[uuid.UUID, list[ComplaintStageRecord]]:
    """Each complaint's stages, stage 1 first. `for_update` locks them (and reads them
    as they now stand): a change to a stage holds its rows against the breach job, which
    locks them too and skips rows held, so a breach is raised by one or the other."""
    found: dict[uuid.UUID, list[ComplaintStageRecord]] = {i: [] for i in complaint_ids}
    if not complaint_ids:
        return found
    query = (
        select(ComplaintStageRecord)
        .where(col(ComplaintStageRecord.complaint_id).in_(complaint_ids))
        .order_by(col(ComplaintStageRecord.stage))
    )
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    rows = (await session.execute(query)).scalars()
    for row in rows:
        found[row.complaint_id].append(row)
    return found


async def page(
    session: AsyncSession,
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
    resident_id: uuid.UUID | None,
    uprn: str | None,
    status: ComplaintStatus | None,
) -> list[Complaint]:
    """Complaints in the order they were received."""
    query = select(Complaint).order_by(col(Complaint.received_at), col(Complaint.id)).limit(limit)
    if after is not None:
        received_at, complaint_id = after
        query = query.where(
            tuple_(col(Complaint.received_at), col(Complaint.id)) > (received_at, complaint_id)
        )
    if resident_id is not None:
        query = query.where(Complaint.resident_id == resident_id)
    if uprn is not None:
        query = query.where(Complaint.uprn == uprn)
    if status is not None:
        query = query.where(Complaint.status == status)
    return list((await session.execute(query)).scalars().all())


async def unacknowledged_past(
    session: AsyncSession, today: date, limit: int
) -> list[ComplaintStageRecord]:
    """Stages not acknowledged whose acknowledgement day is over and whose breach is not
    raised yet, locked (rows another replica holds are skipped)."""
    query = (
        select(ComplaintStageRecord)
        .where(
            col(ComplaintStageRecord.acknowledged_at).is_(None),
            col(ComplaintStageRecord.acknowledge_breach_raised_at).is_(None),
            col(ComplaintStageRecord.acknowledge_by) < today,
        )
        .order_by(col(ComplaintStageRecord.acknowledge_by))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(query)).scalars().all())


async def unanswered_past(
    session: AsyncSession, today: date, limit: int
) -> list[ComplaintStageRecord]:
    """Stages not answered whose (extended) answer day is over and whose breach is not
    raised yet, locked (rows another replica holds are skipped). Not a stage the
    resident escalated from before its answer fell due (`superseded_at`: its answer is
    owed no more, docs/adr/0205)."""
    query = (
        select(ComplaintStageRecord)
        .where(
            col(ComplaintStageRecord.responded_at).is_(None),
            col(ComplaintStageRecord.respond_breach_raised_at).is_(None),
            col(ComplaintStageRecord.superseded_at).is_(None),
            col(ComplaintStageRecord.respond_by) < today,
        )
        .order_by(col(ComplaintStageRecord.respond_by))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(query)).scalars().all())


async def open_stages(
    session: AsyncSession, *, after: tuple[uuid.UUID, ComplaintStage] | None, limit: int
) -> list[ComplaintStageRecord]:
    """Stages not answered yet (acknowledged or not), in (complaint, stage) order after
    `after`, not locked: what `hearth engagement recompute-complaint-deadlines` reads,
    before it locks each complaint it changes."""
    query = (
        select(ComplaintStageRecord)
        .where(col(ComplaintStageRecord.responded_at).is_(None))
        .order_by(col(ComplaintStageRecord.complaint_id), col(ComplaintStageRecord.stage))
        .limit(limit)
    )
    if after is not None:
        complaint_id, stage = after
        query = query.where(
            or_(
                col(ComplaintStageRecord.complaint_id) > complaint_id,
                and_(
                    col(ComplaintStageRecord.complaint_id) == complaint_id,
                    col(ComplaintStageRecord.stage) > stage,
                ),
            )
        )
    return list((await session.execute(query)).scalars().all())


async def homes_of(session: AsyncSession, complaint_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    rows = await session.execute(
        select(Complaint.id, Complaint.uprn).where(col(Complaint.id).in_(complaint_ids))
    )
    return {complaint_id: uprn for complaint_id, uprn in rows.all()}


def _made_in(stock: Stock) -> Any:
    """Whether the complaint of the outer query's row was made from a home of `stock`,
    by the home's tenure when the complaint was received (docs/adr/0085, 0091): both
    its stages, and its answers, are counted in the stock it was made in. A home whose
    tenure then engagement was never told of counts as let."""
    return in_stock(tenure_when(Complaint.uprn, Complaint.received_at, Complaint), stock)


async def received_between(
    session: AsyncSession, stage: ComplaintStage, start: datetime, end: datetime, *, stock: Stock
) -> int:
    """Stages requested in [start, end) of complaints made from homes of `stock` (CH01:
    a leaseholder's complaint is in neither stock's)."""
    query = (
        select(func.count())
        .select_from(ComplaintStageRecord)
        .join(Complaint, col(Complaint.id) == col(ComplaintStageRecord.complaint_id))
        .where(
            ComplaintStageRecord.stage == stage,
            col(ComplaintStageRecord.requested_at) >= start,
            col(ComplaintStageRecord.requested_at) < end,
            _made_in(stock),
        )
    )
    return int((await session.execute(query)).scalar_one())


async def answered_between(
    session: AsyncSession, stage: ComplaintStage, start: datetime, end: datetime, *, stock: Stock
) -> list[ComplaintStageRecord]:
    """Stages answered in [start, end) of complaints made from homes of `stock` (CH02)."""
    query = (
        select(ComplaintStageRecord)
        .join(Complaint, col(Complaint.id) == col(ComplaintStageRecord.complaint_id))
        .where(
            ComplaintStageRecord.stage == stage,
            col(ComplaintStageRecord.responded_at) >= start,
            col(ComplaintStageRecord.responded_at) < end,
            _made_in(stock),
        )
    )
    return list((await session.execute(query)).scalars().all())


async def service_request(session: AsyncSession, request_id: uuid.UUID) -> ServiceRequest | None:
    """One service request by its id (the primary key)."""
    return await session.get(ServiceRequest, request_id)


async def service_requests_page(
    session: AsyncSession,
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
    uprn: str | None,
    resident_id: uuid.UUID | None,
) -> list[ServiceRequest]:
    query = (
        select(ServiceRequest)
        .order_by(col(ServiceRequest.received_at), col(ServiceRequest.id))
        .limit(limit)
    )
    if after is not None:
        received_at, request_id = after
        query = query.where(
            tuple_(col(ServiceRequest.received_at), col(ServiceRequest.id))
            > (received_at, request_id)
        )
    if uprn is not None:
        query = query.where(ServiceRequest.uprn == uprn)
    if resident_id is not None:
        query = query.where(ServiceRequest.resident_id == resident_id)
    return list((await session.execute(query)).scalars().all())
