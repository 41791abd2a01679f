"""Rows as an older revision's tables hold them, for income's migration tests: the
models have columns added since, which an ORM insert names and an older table lacks."""

from __future__ import annotations

from sqlalchemy import column, insert, table
from sqlalchemy.ext.asyncio import AsyncSession

from income.models import Tenancy

TENANCY_COLUMNS_SINCE_0029 = frozenset(
    {
        "withdrawn_at",
        "withdrawn_by",
        "backdated_weeks_charged",
        "withdrawal_reason",
        "balance_brought_forward_pence",
        "balance_brought_forward_as_at",
    }
)
"""The tenancy's columns migration 0029 added (a tenancy withdrawn before its start) and
those added since (0030: the rent weeks charged when it was recorded; 0031: why it was
withdrawn; 0032: a balance brought forward at load)."""


async def add_tenancy_before_0029(session: AsyncSession, tenancy: Tenancy) -> None:
    """Insert the tenancy into a table from before migration 0029 (or any later one)."""
    values = tenancy.model_dump(exclude=set(TENANCY_COLUMNS_SINCE_0029))
    # A table of these columns only: the model's would add a later column's default.
    older = table(Tenancy.__tablename__, *(column(name) for name in values))
    await session.execute(insert(older).values(values))
