"""All SQL about repair requests."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from repairs.models import KnownHome, RepairRequest, RepairStatus


async def get(session: AsyncSession, repair_id: uuid.UUID) -> RepairRequest | None:
    return await session.get(RepairRequest, repair_id)


async def by_finding(session: AsyncSession, finding_id: uuid.UUID) -> RepairRequest | None:
    query = select(RepairRequest).where(RepairRequest.finding_id == finding_id)
    return (await session.execute(query)).scalars().first()


async def page(
    session: AsyncSession,
    *,
    uprn: str | None,
    status: RepairStatus | None,
    appointment_request_id: uuid.UUID | None = None,
    after: uuid.UUID | None,
    limit: int,
) -> list[RepairRequest]:
    query = select(RepairRequest).order_by(col(RepairRequest.id)).limit(limit)
    if uprn is not None:
        query = query.where(RepairRequest.uprn == uprn)
    if status is not None:
        query = query.where(RepairRequest.status == status)
    if appointment_request_id is not None:
        query = query.where(RepairRequest.appointment_request_id == appointment_request_id)
    if after is not None:
        query = query.where(col(RepairRequest.id) > after)
    return list((await session.execute(query)).scalars().all())


async def ids_in_appointment_requests(
    session: AsyncSession, request_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[uuid.UUID]]:
    if not request_ids:
        return {}
    query = (
        select(RepairRequest.appointment_request_id, RepairRequest.id)
        .where(col(RepairRequest.appointment_request_id).in_(request_ids))
        .order_by(col(RepairRequest.reported_at), col(RepairRequest.id))
    )
    grouped: dict[uuid.UUID, list[uuid.UUID]] = {rid: [] for rid in request_ids}
    for request_id, repair_id in (await session.execute(query)).all():
        grouped[request_id].append(repair_id)
    return grouped


def add(session: AsyncSession, repair: RepairRequest) -> None:
    session.add(repair)


async def known_homes(session: AsyncSession, uprns: set[str]) -> dict[str, KnownHome]:
    """The homes (from the asset register's events) among `uprns`, by UPRN."""
    if not uprns:
        return {}
    query = select(KnownHome).where(col(KnownHome.uprn).in_(uprns))
    return {home.uprn: home for home in (await session.execute(query)).scalars().all()}
