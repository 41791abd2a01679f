"""An arrangement is made on a current tenancy's rent account, the account its arrears
case recovers: the ladder checks the arrangement of the case's account, so one made on
the tenancy's sundry account (recharges) would never be checked, never broken by a
missed instalment and never completed."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import func, select

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from income.models import Arrangement
from services.income.tests.accounts.test_recharges_paid import raise_recharge


async def test_an_arrangement_on_a_sundry_account_is_refused(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy()
    await raise_recharge(income_database, tenancy["uprn"], 30_000, datetime(2026, 2, 1, tzinfo=UTC))
    sundry = (await income.get(f"/v1/tenancies/{tenancy['id']}")).json()["sundry_account_id"]
    made = await income.post(
        f"/v1/rent-accounts/{sundry}/arrangements",
        json={
            "income_and_expenditure": {
                "weekly_income_pence": 30_000,
                "weekly_expenditure_pence": 20_000,
            },
            "instalment_pence": 5_000,
            "frequency": "weekly",
            "first_instalment_on": london_day(datetime.now(UTC)).isoformat(),
        },
    )
    assert made.status_code == 409, made.text
    async with income_database.sessionmaker() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Arrangement)
            .where(Arrangement.tenancy_id == tenancy["id"])
        )
    assert count == 0
