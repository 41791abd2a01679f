"""Migration 0015's index serves the held-recharges listing: held accounts (sundry,
no tenancy) are read in home order from a partial index holding only them, the page
stopping at its limit, not by finding every held account, summing its ledger and
sorting them. PostgreSQL only (its planner, EXPLAIN)."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from hearth_kit.db import Database
from income.accounts.repository import _held_recharges_statement


async def plan_of(connection: AsyncConnection, after: bool, uprn: bool) -> str:
    """PostgreSQL's plan for the listing's statement, compiled as the driver runs it."""
    compiled = _held_recharges_statement(after=after, uprn=uprn).compile(dialect=connection.dialect)
    values = compiled.construct_params(
        {"limit": 51, "after_uprn": "100000000001", "after_id": uuid.UUID(int=1), "uprn": "1" * 12}
    )
    arguments = tuple(values[name] for name in compiled.positiontup or ())
    result = await connection.exec_driver_sql(f"EXPLAIN {compiled.string}", arguments)
    return "\n".join(row[0] for row in result.all())


@pytest.mark.parametrize(("after", "uprn"), [(False, False), (True, False), (False, True)])
async def test_the_held_recharges_listing_reads_the_held_accounts_index(
    income_database: Database, after: bool, uprn: bool
) -> None:
    if income_database.url.get_backend_name() != "postgresql":
        pytest.skip("asks PostgreSQL's planner")
    async with income_database.engine.connect() as connection:
        # Seq scans off: on a test database's few rows a scan is always cheaper; what
        # is asked is whether an index serves the statement at all.
        await connection.execute(text("SET LOCAL enable_seqscan = off"))
        plan = await plan_of(connection, after, uprn)
    assert "ix_account_held_recharges" in plan, plan
    # The page is read in index order and stops at its end: nothing sorts (or sums
    # every held account's ledger) before the limit.
    lines = [line.strip().removeprefix("->").strip() for line in plan.splitlines()]
    below_limit = lines[next(n for n, line in enumerate(lines) if line.startswith("Limit")) + 1]
    assert "using ix_account_held_recharges" in below_limit, plan
