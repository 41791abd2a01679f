"""An arrangement's first instalment falls due within the configured days of today,
and the longest arrangement counts from today: putting the first instalment off cannot
freeze recovery."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st

from hearth_contracts.events.income import InstalmentFrequency
from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from income.arrangements.rules import weeks_to_clear, weeks_to_clear_from
from income.rent_run.service import RentRun
from income.settings import IncomeSettings


async def tenancy_owing_30_000(income_database: Database, start_tenancy: Any) -> str:
    tenancy = await start_tenancy(start_date="2026-01-05")
    run = RentRun(IncomeSettings())
    for n in range(3):
        async with income_database.sessionmaker() as session, session.begin():
            await run.charge_batch(
                session, date(2026, 1, 5) + timedelta(weeks=n), datetime.now(UTC)
            )
    return str(tenancy["rent_account_id"])


def body(first: date, instalment_pence: int) -> dict[str, Any]:
    return {
        "income_and_expenditure": {"weekly_income_pence": 30_000, "weekly_expenditure_pence": 0},
        "instalment_pence": instalment_pence,
        "frequency": "weekly",
        "first_instalment_on": first.isoformat(),
    }


async def test_a_first_instalment_years_away_is_refused_naming_it(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    account = await tenancy_owing_30_000(income_database, start_tenancy)
    today = london_day(datetime.now(UTC))
    for first in (today + timedelta(days=32), today + timedelta(days=3 * 365)):
        refused = await income.post(
            f"/v1/rent-accounts/{account}/arrangements", json=body(first, 3_000)
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "first_instalment_on"
    made = await income.post(
        f"/v1/rent-accounts/{account}/arrangements",
        json=body(today + timedelta(days=31), 3_000),
    )
    assert made.status_code == 201, made.text


async def test_the_longest_arrangement_counts_from_today_not_the_first_instalment(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    account = await tenancy_owing_30_000(income_database, start_tenancy)
    today = london_day(datetime.now(UTC))
    # 101 weekly instalments of 298 pence: 101 weeks from the first, 105 from today.
    too_long = await income.post(
        f"/v1/rent-accounts/{account}/arrangements", json=body(today + timedelta(days=30), 298)
    )
    assert too_long.status_code == 422, too_long.text
    assert too_long.json()["errors"][0]["field"] == "instalment_pence"
    assert "from today" in too_long.json()["detail"]
    made = await income.post(f"/v1/rent-accounts/{account}/arrangements", json=body(today, 298))
    assert made.status_code == 201, made.text


@given(
    st.integers(1, 500_000),
    st.integers(1, 50_000),
    st.sampled_from(list(InstalmentFrequency)),
    st.integers(0, 400),
)
def test_putting_the_first_instalment_off_adds_the_weeks_put_off(
    arrears: int, instalment: int, frequency: InstalmentFrequency, days_off: int
) -> None:
    today = date(2026, 11, 30)
    first = today + timedelta(days=days_off)
    from_today = weeks_to_clear_from(today, first, arrears, instalment, frequency)
    from_first = weeks_to_clear_from(first, first, arrears, instalment, frequency)
    assert from_first <= from_today <= from_first + days_off // 7 + 1
    if frequency is not InstalmentFrequency.MONTHLY:  # months differ in length
        assert from_first == weeks_to_clear(arrears, instalment, frequency)
