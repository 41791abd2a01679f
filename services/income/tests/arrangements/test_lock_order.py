"""Income takes a tenancy's rows in one order: the tenancy, then its account, then the
account's arrears case and arrangement. An arrangement made while the tenancy ends
waits at the tenancy instead of holding the account the end wants next.

The two transactions are interleaved on purpose: the first takes the tenancy (as the
end does first) and is held until the request is seen waiting for a lock, then ends
the tenancy and commits. PostgreSQL only: the wait is a row lock, seen in
pg_stat_activity (on SQLite a writer holds the whole database, docs/adr/0027)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hearth_contracts.events.income import TenancyEndReason
from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from income.models import Arrangement, Tenancy, TenancyStatus
from income.rent_run.service import RentRun
from income.settings import IncomeSettings
from income.tenancies import repository as tenancies
from income.tenancies.schemas import TenancyEnd
from income.tenancies.service import tenancy_service
from tests.harness.locks import until_a_backend_waits_for_a_lock


def on_postgresql(db: Database) -> None:
    if db.url.get_backend_name() != "postgresql":
        pytest.skip("waits for a PostgreSQL row lock, seen in pg_stat_activity")


async def a_tenancy_in_arrears(income_database: Database, start_tenancy: Any) -> dict[str, Any]:
    """A current tenancy charged three weeks' rent and paying nothing."""
    tenancy: dict[str, Any] = await start_tenancy(start_date="2026-01-05")
    run = RentRun(IncomeSettings())
    for n in range(3):
        async with income_database.sessionmaker() as session, session.begin():
            await run.charge_batch(
                session, date(2026, 1, 5) + timedelta(weeks=n), datetime.now(UTC)
            )
    return tenancy


async def test_an_arrangement_made_as_the_tenancy_ends_waits_for_the_end_not_deadlocks(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """The end holds the tenancy and then takes its rent account; the arrangement
    took the account first and then (inserting a row referring to the tenancy) waited
    for the tenancy: a deadlock, a 503 on one side. Taking the tenancy first, the
    arrangement waits for the end and is then refused: the tenancy has ended."""
    on_postgresql(income_database)
    tenancy = await a_tenancy_in_arrears(income_database, start_tenancy)
    tenancy_id = uuid.UUID(tenancy["id"])
    now = datetime.now(UTC)
    async with income_database.sessionmaker() as session, session.begin():
        assert await tenancies.get_for_update(session, tenancy_id)  # the end's first lock
        made = asyncio.create_task(
            income.post(
                f"/v1/rent-accounts/{tenancy['rent_account_id']}/arrangements",
                json={
                    "income_and_expenditure": {
                        "weekly_income_pence": 30_000,
                        "weekly_expenditure_pence": 0,
                    },
                    "instalment_pence": 3_000,
                    "frequency": "weekly",
                    "first_instalment_on": london_day(now).isoformat(),
                },
            )
        )
        await until_a_backend_waits_for_a_lock(income_database)
        await tenancy_service.end(
            session,
            tenancy_id,
            TenancyEnd(end_date=london_day(now), reason=TenancyEndReason.NOTICE_GIVEN),
            now,
        )
    response = await made
    assert response.status_code == 409, response.text
    async with income_database.sessionmaker() as session:
        ended = await session.get(Tenancy, tenancy_id)
        assert ended is not None
        assert ended.status is TenancyStatus.ENDED
        arrangements = (
            await session.execute(select(Arrangement).where(Arrangement.tenancy_id == tenancy_id))
        ).all()
        assert arrangements == []
