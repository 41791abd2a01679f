"""The weekly rent run charges every current rent account exactly once a week: re-run,
killed in the middle, or run twice at once."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from hearth_kit.db import Database
from hearth_kit.scheduler import ScheduledJob, run_until_done
from hearth_kit.tables import outbox_message
from income.models import EntryKind, LedgerEntry
from income.rent_run.service import RentRun
from income.settings import IncomeSettings

WEEK = date(2025, 6, 2)


class Crash(Exception):
    """The process dies in the middle of a batch."""


async def charge_then_die(db: Database, run: RentRun, now: datetime) -> None:
    """A batch charged, its events written, then the process dies before the commit."""
    async with db.sessionmaker() as session, session.begin():
        assert await run.charge_batch(session, WEEK, now) == 5
        raise Crash


def job_for(run: RentRun, week: date) -> ScheduledJob:
    return ScheduledJob(
        "rent-run", timedelta(hours=1), lambda s, now: run.charge_batch(s, week, now)
    )


async def rent_entries(db: Database, week: date) -> dict[uuid.UUID, int]:
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(LedgerEntry.account_id, func.count())
            .where(LedgerEntry.kind == EntryKind.RENT, LedgerEntry.charge_week == week)
            .group_by(LedgerEntry.account_id)
        )
        return {account_id: count for account_id, count in rows.all()}


async def rent_charged_events(db: Database, week: date) -> int:
    async with db.sessionmaker() as session:
        payloads = await session.scalars(
            select(outbox_message.c.payload).where(
                outbox_message.c.event_type == "uk.hearth.income.rent-charged.v1"
            )
        )
        marker = f'"week_starting":"{week.isoformat()}"'.encode()
        return sum(1 for payload in payloads if marker in payload)


@pytest.fixture(scope="module")
async def accounts(income: httpx.AsyncClient) -> list[str]:
    found = []
    for n in range(23):
        response = await income.post(
            "/v1/tenancies",
            json={
                "tenancy_reference": f"RR-{uuid.uuid4().hex[:10]}",
                "uprn": str(10**11 + uuid.uuid4().int % (9 * 10**11)),
                "tenants": [{"full_name": "A Tenant"}],
                "start_date": "2025-04-07",
                "tenancy_type": "secure",
                "weekly_rent_pence": 9_000 + n,
                "weekly_service_charge_pence": 500 if n % 2 else 0,
            },
        )
        assert response.status_code == 201
        found.append(response.json()["rent_account_id"])
    return found


async def test_the_rent_run_charges_each_account_once_across_a_crash_in_the_middle(
    income_database: Database, accounts: list[str]
) -> None:
    run = RentRun(IncomeSettings(rent_run_batch_size=5))
    now = datetime.now(UTC)
    async with income_database.sessionmaker() as session, session.begin():
        assert await run.charge_batch(session, WEEK, now) == 5
    with pytest.raises(Crash):
        await charge_then_die(income_database, run, now)
    assert len(await rent_entries(income_database, WEEK)) == 5
    charged = await run_until_done(income_database, job_for(run, WEEK), now)
    assert charged == len(accounts) - 5
    again = await run_until_done(income_database, job_for(run, WEEK), now)
    assert again == 0
    entries = await rent_entries(income_database, WEEK)
    assert set(entries) == {uuid.UUID(a) for a in accounts}
    assert set(entries.values()) == {1}
    assert await rent_charged_events(income_database, WEEK) == len(accounts)


async def test_two_runs_at_once_share_the_accounts_and_charge_each_once(
    income_database: Database, accounts: list[str]
) -> None:
    week = WEEK + timedelta(weeks=1)
    run = RentRun(IncomeSettings(rent_run_batch_size=3))
    now = datetime.now(UTC)
    totals = await asyncio.gather(
        run_until_done(income_database, job_for(run, week), now),
        run_until_done(income_database, job_for(run, week), now),
    )
    assert sum(totals) == len(accounts)
    assert set((await rent_entries(income_database, week)).values()) == {1}
    assert await rent_charged_events(income_database, week) == len(accounts)


async def test_a_rent_free_week_charges_nothing(
    income_database: Database, accounts: list[str]
) -> None:
    week = WEEK + timedelta(weeks=2)
    run = RentRun(IncomeSettings(rent_free_weeks=[week]))
    assert await run_until_done(income_database, job_for(run, week), datetime.now(UTC)) == 0
    assert await rent_entries(income_database, week) == {}


async def test_the_week_is_named_by_its_monday(
    income: httpx.AsyncClient, income_database: Database, accounts: list[str]
) -> None:
    run = RentRun(IncomeSettings())
    async with income_database.sessionmaker() as session:
        with pytest.raises(Exception, match="Monday"):
            await run.charge_batch(session, WEEK + timedelta(days=1), datetime.now(UTC))


async def test_charges_are_in_advance_on_the_monday_with_the_service_charge_apart(
    income: httpx.AsyncClient, income_database: Database, accounts: list[str]
) -> None:
    account = accounts[1]  # 9,001 rent and 500 service charge a week
    lines = (
        await income.get(
            f"/v1/rent-accounts/{account}/statement",
            params={"from": WEEK.isoformat(), "to": WEEK.isoformat()},
        )
    ).json()["lines"]
    assert [(line["kind"], line["debit_pence"]) for line in lines] == [
        ("rent", 9_001),
        ("service_charge", 500),
    ]
    assert {line["effective_on"] for line in lines} == {WEEK.isoformat()}


async def test_a_tenancy_starting_mid_week_pays_its_days_only(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    week = date(2025, 9, 1)
    tenancy = await start_tenancy(start_date="2025-09-04", weekly_rent_pence=7_000)  # Thursday
    run = RentRun(IncomeSettings())
    await run_until_done(income_database, job_for(run, week), datetime.now(UTC))
    balance = (await income.get(f"/v1/rent-accounts/{tenancy['rent_account_id']}")).json()
    assert balance["balance_pence"] == 4_000  # Thursday to Sunday: 4 of 7 days
