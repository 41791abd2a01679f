"""All SQL about contacts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from engagement.models import Contact, TenancyTenant


def add(session: AsyncSession, contact: Contact) -> None:
    session.add(contact)


async def of_tenants_since(
    session: AsyncSession, tenancy_id: uuid.UUID, uprn: str, since: datetime
) -> list[Contact]:
    """The contacts at the tenancy's home naming one of its tenants, made at or after
    `since`, oldest first."""
    tenants = select(col(TenancyTenant.resident_id)).where(TenancyTenant.tenancy_id == tenancy_id)
    query = (
        select(Contact)
        .where(
            Contact.uprn == uprn,
            col(Contact.resident_id).in_(tenants),
            col(Contact.contacted_at) >= since,
        )
        .order_by(col(Contact.contacted_at), col(Contact.id))
    )
    return list((await session.execute(query)).scalars().all())


async def get(session: AsyncSession, contact_id: uuid.UUID) -> Contact | None:
    """One contact by its id (the primary key)."""
    return await session.get(Contact, contact_id)


async def page(
    session: AsyncSession,
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
    uprn: str | None,
    resident_id: uuid.UUID | None,
) -> list[Contact]:
    """Contacts, latest first."""
    query = (
        select(Contact)
        .order_by(col(Contact.contacted_at).desc(), col(Contact.id).desc())
        .limit(limit)
    )
    if after is not None:
        contacted_at, contact_id = after
        query = query.where(
            tuple_(col(Contact.contacted_at), col(Contact.id)) < (contacted_at, contact_id)
        )
    if uprn is not None:
        query = query.where(Contact.uprn == uprn)
    if resident_id is not None:
        query = query.where(Contact.resident_id == resident_id)
    return list((await session.execute(query)).scalars().all())
