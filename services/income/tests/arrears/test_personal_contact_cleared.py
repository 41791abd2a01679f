"""A new tenancy's personal-contact task is done once the contact is recorded (at or
after it was asked for, or an arrangement is agreed) and is not asked for again in the
first weeks; a move up the ladder closes it too."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update

from hearth_contracts.events.income import ArrearsStage
from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from income.arrears.service import ArrearsService
from income.models import ArrearsCase
from income.rent_run.service import RentRun
from income.settings import IncomeSettings


async def charge(db: Database, week: date) -> None:
    run = RentRun(IncomeSettings())
    while True:
        async with db.sessionmaker() as session, session.begin():
            if await run.charge_batch(session, week, datetime.now(UTC)) == 0:
                return


async def run_ladder(db: Database, now: datetime) -> None:
    service = ArrearsService(IncomeSettings())
    while True:
        async with db.sessionmaker() as session, session.begin():
            if await service.run_ladder(session, now) == 0:
                return


async def make_due(db: Database, account_id: str, **values: Any) -> None:
    async with db.sessionmaker() as session, session.begin():
        await session.execute(
            update(ArrearsCase)
            .where(ArrearsCase.account_id == uuid.UUID(account_id))
            .values(next_check_at=datetime(2000, 1, 1, tzinfo=UTC), **values)
        )


async def missing_a_payment(income_database: Database, start_tenancy: Any) -> dict[str, Any]:
    """A tenancy started two weeks before this week's Monday, charged both weeks and
    paying nothing, its case then run by the ladder: in its first weeks, so the ladder
    asks for a personal contact with the tenant."""
    today = london_day(datetime.now(UTC))
    monday = today - timedelta(days=today.weekday())
    tenancy = await start_tenancy(start_date=(monday - timedelta(weeks=2)).isoformat())
    for weeks in (2, 1):
        await charge(income_database, monday - timedelta(weeks=weeks))
    await make_due(income_database, tenancy["rent_account_id"])
    await run_ladder(income_database, datetime.now(UTC))
    return tenancy


async def contact_needed(income: httpx.AsyncClient, account: str) -> bool:
    summary = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    needed: bool = summary["personal_contact_needed"]
    return needed


async def test_recording_the_contact_clears_the_task_and_it_is_not_asked_for_again(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await missing_a_payment(income_database, start_tenancy)
    account = tenancy["rent_account_id"]
    assert await contact_needed(income, account)
    case_path = f"/v1/rent-accounts/{account}/arrears-case"
    etag = (await income.get(case_path)).headers["etag"]
    recorded = await income.patch(
        f"{case_path}/protocol",
        json={"tenant_contacted_at": datetime.now(UTC).isoformat()},
        headers={"If-Match": etag},
    )
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["personal_contact_needed_at"] is None
    assert not await contact_needed(income, account)
    await make_due(income_database, account)
    await run_ladder(income_database, datetime.now(UTC) + timedelta(seconds=1))
    assert not await contact_needed(income, account)  # still within the first weeks


async def test_agreeing_an_arrangement_closes_the_task_while_it_is_kept(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """An arrangement is a contact made with the tenant: the task closes when it is
    agreed (the ladder says only "arrangement kept" while it is kept, so it would
    never close it), and the case's ETag changes."""
    tenancy = await missing_a_payment(income_database, start_tenancy)
    account = tenancy["rent_account_id"]
    assert await contact_needed(income, account)
    case_path = f"/v1/rent-accounts/{account}/arrears-case"
    etag = (await income.get(case_path)).headers["etag"]
    made = await income.post(
        f"/v1/rent-accounts/{account}/arrangements",
        json={
            "income_and_expenditure": {
                "weekly_income_pence": 30_000,
                "weekly_expenditure_pence": 0,
            },
            "instalment_pence": 3_000,
            "frequency": "weekly",
            "first_instalment_on": (london_day(datetime.now(UTC)) + timedelta(days=3)).isoformat(),
        },
    )
    assert made.status_code == 201, made.text
    case = await income.get(case_path)
    assert case.json()["personal_contact_needed_at"] is None
    assert case.json()["tenant_contacted_at"] is not None
    assert case.headers["etag"] != etag
    assert not await contact_needed(income, account)
    await make_due(income_database, account)
    await run_ladder(income_database, datetime.now(UTC) + timedelta(seconds=1))
    assert not await contact_needed(income, account)


async def test_a_contact_recorded_as_made_before_the_task_was_asked_for_leaves_it_open(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    account = (await start_tenancy())["rent_account_id"]
    now = datetime.now(UTC)
    await make_due(income_database, account, personal_contact_needed_at=now - timedelta(hours=1))
    case_path = f"/v1/rent-accounts/{account}/arrears-case"
    etag = (await income.get(case_path)).headers["etag"]
    recorded = await income.patch(
        f"{case_path}/protocol",
        json={"tenant_contacted_at": (now - timedelta(days=3)).isoformat()},
        headers={"If-Match": etag},
    )
    assert recorded.status_code == 200, recorded.text
    assert await contact_needed(income, account)


async def test_a_move_up_the_ladder_closes_the_task(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy(start_date="2026-01-05")
    account = tenancy["rent_account_id"]
    for n in range(3):
        await charge(income_database, date(2026, 1, 5) + timedelta(weeks=n))
    await make_due(
        income_database, account, personal_contact_needed_at=datetime(2026, 2, 1, tzinfo=UTC)
    )
    assert await contact_needed(income, account)
    await run_ladder(income_database, datetime.now(UTC))
    case = (await income.get(f"/v1/rent-accounts/{account}/arrears-case")).json()
    assert case["stage"] == ArrearsStage.LETTER_1
    assert not await contact_needed(income, account)
