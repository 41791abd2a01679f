"""All SQL about homes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from compliance.models import Home


async def get(session: AsyncSession, uprn: str) -> Home | None:
    return await session.get(Home, uprn)


async def page(
    session: AsyncSession, *, after: str | None, limit: int, postcode: str | None
) -> list[Home]:
    query = select(Home).order_by(col(Home.uprn)).limit(limit)
    if after is not None:
        query = query.where(col(Home.uprn) > after)
    if postcode is not None:
        query = query.where(Home.postcode == postcode)
    return list((await session.execute(query)).scalars().all())


def add(session: AsyncSession, home: Home) -> None:
    session.add(home)
