"""All SQL about tenancies, their tenants and rent accounts."""

from __future__ import annotations

import uuid
from collections import defaultdict

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from income.models import Tenancy, TenancyStatus, Tenant


async def get(session: AsyncSession, tenancy_id: uuid.UUID) -> Tenancy | None:
    return await session.get(Tenancy, tenancy_id)


async def by_reference(session: AsyncSession, tenancy_reference: str) -> Tenancy | None:
    query = select(Tenancy).where(Tenancy.tenancy_reference == tenancy_reference)
    return (await session.execute(query)).scalars().first()


async def current_of_home(session: AsyncSession, uprn: str) -> Tenancy | None:
    query = select(Tenancy).where(Tenancy.uprn == uprn, Tenancy.status == TenancyStatus.CURRENT)
    return (await session.execute(query)).scalars().first()


async def page(
    session: AsyncSession,
    *,
    after: str | None,
    limit: int,
    uprn: str | None,
    status: TenancyStatus | None,
) -> list[Tenancy]:
    """Tenancies in reference order."""
    query = select(Tenancy).order_by(col(Tenancy.tenancy_reference)).limit(limit)
    if after is not None:
        query = query.where(col(Tenancy.tenancy_reference) > after)
    if uprn is not None:
        query = query.where(Tenancy.uprn == uprn)
    if status is not None:
        query = query.where(Tenancy.status == status)
    return list((await session.execute(query)).scalars().all())


async def tenants_of(
    session: AsyncSession, tenancy_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[Tenant]]:
    """The tenants of each tenancy, in the order they are named (one query for a page)."""
    found: dict[uuid.UUID, list[Tenant]] = defaultdict(list)
    if not tenancy_ids:
        return found
    query = (
        select(Tenant)
        .where(col(Tenant.tenancy_id).in_(tenancy_ids))
        .order_by(col(Tenant.tenancy_id), col(Tenant.position))
    )
    for tenant in (await session.execute(query)).scalars().all():
        found[tenant.tenancy_id].append(tenant)
    return found


async def add(session: AsyncSession, tenancy: Tenancy, tenants: list[Tenant]) -> None:
    """Insert a tenancy with its tenants. The tables have no ORM relationships, so the
    tenancy is flushed first: the tenants refer to it."""
    session.add(tenancy)
    await session.flush()
    session.add_all(tenants)
    await session.flush()


async def get_for_update(session: AsyncSession, tenancy_id: uuid.UUID) -> Tenancy | None:
    query = select(Tenancy).where(Tenancy.id == tenancy_id).with_for_update()
    return (await session.execute(query)).scalars().first()
