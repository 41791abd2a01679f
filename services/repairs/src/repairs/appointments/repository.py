"""All SQL about appointment requests."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from repairs.models import AppointmentRequest, AppointmentRequestStatus, RepairRequest


async def for_visit(session: AsyncSession, visit_id: uuid.UUID) -> AppointmentRequest | None:
    query = select(AppointmentRequest).where(AppointmentRequest.visit_id == visit_id)
    return (await session.execute(query)).scalars().first()


async def page(
    session: AsyncSession,
    *,
    uprn: str | None,
    status: AppointmentRequestStatus | None,
    after: uuid.UUID | None,
    limit: int,
) -> list[AppointmentRequest]:
    query = select(AppointmentRequest).order_by(col(AppointmentRequest.id)).limit(limit)
    if uprn is not None:
        query = query.where(AppointmentRequest.uprn == uprn)
    if status is not None:
        query = query.where(AppointmentRequest.status == status)
    if after is not None:
        query = query.where(col(AppointmentRequest.id) > after)
    return list((await session.execute(query)).scalars().all())


async def repairs_of(
    session: AsyncSession, request_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[RepairRequest]]:
    grouped: dict[uuid.UUID, list[RepairRequest]] = {rid: [] for rid in request_ids}
    if not request_ids:
        return grouped
    query = (
        select(RepairRequest)
        .where(col(RepairRequest.appointment_request_id).in_(request_ids))
        .order_by(col(RepairRequest.reported_at), col(RepairRequest.id))
    )
    for repair in (await session.execute(query)).scalars().all():
        assert repair.appointment_request_id is not None
        grouped[repair.appointment_request_id].append(repair)
    return grouped


def add(session: AsyncSession, request: AppointmentRequest) -> None:
    session.add(request)
