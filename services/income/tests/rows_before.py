"""Rows as an older revision's tables hold them, for income's migration tests: the
models have columns added since, which an ORM insert names and an older table lacks."""

from __future__ import annotations

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from income.models import Tenancy

TENANCY_COLUMNS_SINCE_0029 = frozenset({"withdrawn_at", "withdrawn_by"})
"""The tenancy's columns migration 0029 added (a tenancy withdrawn before its start)."""


async def add_tenancy_before_0029(session: AsyncSession, tenancy: Tenancy) -> None:
    """Insert the tenancy into a table from before migration 0029."""
    await session.execute(
        insert(Tenancy).values(tenancy.model_dump(exclude=set(TENANCY_COLUMNS_SINCE_0029)))
    )
