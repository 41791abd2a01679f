"""All SQL about contacts."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from engagement.models import Contact


def add(session: AsyncSession, contact: Contact) -> None:
    session.add(contact)


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
