"""Whose account a recharge lands on. Repairs raises a recharge against a home (its
tenancy id null unless it was held for approval, ADR 0105), so income finds the
household: the tenancy last in the home on the day the recharge was raised, a former
tenant's included (damage found after they left is their former tenant arrears, not the
next household's). The income team chases one sundry account per debtor, so a second
recharge finds the account the first opened, and a replay of the same recharge posts
and opens nothing."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlmodel import col

from hearth_contracts import Envelope
from hearth_contracts.events.repairs import RechargeRaised
from hearth_kit.db import Database
from income.handlers import on_recharge_raised
from income.models import Account, AccountKind, LedgerEntry
from services.income.tests.accounts.test_recharges_paid import raise_recharge
from tests.harness.locks import until_done_or_waiting


def a_home() -> str:
    return str(10**11 + uuid.uuid4().int % (9 * 10**11))


async def sundry_accounts(db: Database, uprn: str) -> list[Account]:
    async with db.sessionmaker() as session:
        query = select(Account).where(Account.uprn == uprn, Account.kind == AccountKind.SUNDRY)
        return list((await session.scalars(query)).all())


async def recharges_on(db: Database, account_id: uuid.UUID) -> list[int]:
    async with db.sessionmaker() as session:
        query = (
            select(LedgerEntry.amount_pence)
            .where(LedgerEntry.account_id == account_id)
            .order_by(col(LedgerEntry.effective_on))
        )
        return list((await session.scalars(query)).all())


async def entries_at(db: Database, uprn: str) -> int:
    async with db.sessionmaker() as session:
        query = (
            select(func.count())
            .select_from(LedgerEntry)
            .join(Account, col(Account.id) == col(LedgerEntry.account_id))
            .where(Account.uprn == uprn)
        )
        return int((await session.execute(query)).scalar_one())


def recharge_at(uprn: str, amount_pence: int, raised_at: datetime) -> RechargeRaised:
    return RechargeRaised(
        recharge_id=uuid.uuid4(),
        repair_id=uuid.uuid4(),
        uprn=uprn,
        amount_pence=amount_pence,
        reason="damage_by_household",
        vulnerability_considered=True,
        raised_at=raised_at,
    )


async def replay(db: Database, recharge: RechargeRaised) -> None:
    """The same recharge again, in a new envelope (repairs publishing it twice)."""
    async with db.sessionmaker() as session, session.begin():
        await on_recharge_raised(session, Envelope(data=recharge))


async def end(income: httpx.AsyncClient, tenancy: dict[str, Any], last_day: str) -> None:
    ended = await income.post(
        f"/v1/tenancies/{tenancy['id']}/end",
        json={"end_date": last_day, "reason": "notice_given"},
    )
    assert ended.status_code == 200, ended.text


async def test_recharges_for_a_home_no_one_has_held_go_to_one_account_held_for_a_decision(
    income: httpx.AsyncClient, income_database: Database
) -> None:
    uprn = a_home()
    first = await raise_recharge(income_database, uprn, 3_000, datetime(2026, 2, 1, tzinfo=UTC))
    await raise_recharge(income_database, uprn, 1_200, datetime(2026, 3, 1, tzinfo=UTC))
    await replay(income_database, first)

    [held] = await sundry_accounts(income_database, uprn)
    assert held.tenancy_id is None
    assert await recharges_on(income_database, held.id) == [3_000, 1_200]
    account = await income.get(f"/v1/rent-accounts/{held.id}")
    assert account.json()["balance_pence"] == 4_200

    # The decision: one is cancelled (its entry reversed), the other stays held.
    async with income_database.sessionmaker() as session:
        entry_id = await session.scalar(
            select(LedgerEntry.id).where(LedgerEntry.recharge_id == first.recharge_id)
        )
    cancelled = await income.post(
        f"/v1/rent-accounts/{held.id}/entries/{entry_id}/reversal",
        json={"reason": "no_one_to_charge"},
    )
    assert cancelled.status_code == 201, cancelled.text
    account = await income.get(f"/v1/rent-accounts/{held.id}")
    assert account.json()["balance_pence"] == 1_200


async def test_two_recharges_at_once_for_a_home_with_no_tenancy_open_one_account(
    income_database: Database,
) -> None:
    """The second recharge arrives while the first is still being invoiced: it waits
    for the home and then finds the account the first opened."""
    if income_database.url.get_backend_name() != "postgresql":
        pytest.skip("waits for a PostgreSQL advisory lock, seen in pg_stat_activity")
    uprn = a_home()
    raised = datetime(2026, 2, 1, tzinfo=UTC)
    async with income_database.sessionmaker() as first, first.begin():
        await on_recharge_raised(first, Envelope(data=recharge_at(uprn, 1_000, raised)))
        second = asyncio.create_task(raise_recharge(income_database, uprn, 2_000, raised))
        await until_done_or_waiting(second, income_database)
    await second
    [held] = await sundry_accounts(income_database, uprn)
    assert sorted(await recharges_on(income_database, held.id)) == [1_000, 2_000]


async def test_a_recharge_after_the_tenancy_ended_is_the_former_tenants_arrears(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy()
    uprn = tenancy["uprn"]
    await end(income, tenancy, "2026-10-30")
    first = await raise_recharge(income_database, uprn, 4_500, datetime(2026, 11, 2, tzinfo=UTC))
    await raise_recharge(income_database, uprn, 500, datetime(2026, 11, 9, tzinfo=UTC))
    entries = await entries_at(income_database, uprn)
    await replay(income_database, first)
    assert await entries_at(income_database, uprn) == entries

    [sundry] = await sundry_accounts(income_database, uprn)
    assert str(sundry.tenancy_id) == tenancy["id"]
    shown = (await income.get(f"/v1/tenancies/{tenancy['id']}")).json()
    assert shown["sundry_account_id"] == str(sundry.id)
    summary = (await income.get(f"/v1/rent-accounts/{sundry.id}/summary")).json()
    assert summary["tenancy_ended"] is True
    assert summary["balance_pence"] == 5_000
    assert summary["former_tenant_arrears_pence"] == 5_000


async def test_a_recharge_goes_to_the_household_in_the_home_when_it_was_raised(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """Damage found while the home stood empty is the former tenant's, even when the
    recharge arrives after the next household moved in; damage raised in the new
    tenancy is theirs."""
    former = await start_tenancy()
    uprn = former["uprn"]
    await end(income, former, "2026-06-30")
    current = await start_tenancy(uprn=uprn, start_date="2026-08-03")
    void = await raise_recharge(income_database, uprn, 2_500, datetime(2026, 7, 10, tzinfo=UTC))
    theirs = await raise_recharge(income_database, uprn, 800, datetime(2026, 9, 1, tzinfo=UTC))
    await replay(income_database, void)
    await replay(income_database, theirs)

    by_tenancy = {
        str(a.tenancy_id): await recharges_on(income_database, a.id)
        for a in await sundry_accounts(income_database, uprn)
    }
    assert by_tenancy == {former["id"]: [2_500], current["id"]: [800]}


async def test_a_recharge_dated_before_any_tenancy_of_the_home_is_held_not_the_first_households(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """Damage from before the first household moved in is not theirs: the recharge is
    held on the home's account with no tenancy, as a never-let home's is. A recharge
    raised on the day their tenancy starts is theirs (it is in force that day)."""
    first = await start_tenancy(start_date="2026-08-03")
    uprn = first["uprn"]
    before = await raise_recharge(
        income_database, uprn, 2_500, datetime(2026, 8, 2, 12, tzinfo=UTC)
    )
    # 23:30 UTC on 2 August is 00:30 on 3 August in London: the tenancy's first day.
    await raise_recharge(income_database, uprn, 800, datetime(2026, 8, 2, 23, 30, tzinfo=UTC))
    await replay(income_database, before)

    by_tenancy = {
        str(a.tenancy_id) if a.tenancy_id else None: await recharges_on(income_database, a.id)
        for a in await sundry_accounts(income_database, uprn)
    }
    assert by_tenancy == {None: [2_500], first["id"]: [800]}


async def test_a_recharge_naming_a_tenancy_of_another_home_goes_to_the_homes_household(
    income_database: Database, start_tenancy: Any
) -> None:
    """Repairs names the household held for approval (ADR 0105); a tenancy of another
    home is not the household the damage is at, and its tenants were charged for it."""
    elsewhere = await start_tenancy(uprn=a_home(), start_date="2026-01-05")
    here = await start_tenancy(uprn=a_home(), start_date="2026-01-05")
    recharge = recharge_at(here["uprn"], 7_500, datetime(2026, 3, 2, 10, tzinfo=UTC))
    recharge = recharge.model_copy(update={"tenancy_id": uuid.UUID(elsewhere["id"])})
    await replay(income_database, recharge)
    assert await sundry_accounts(income_database, elsewhere["uprn"]) == []
    [account] = await sundry_accounts(income_database, here["uprn"])
    assert account.tenancy_id == uuid.UUID(here["id"])
    assert await recharges_on(income_database, account.id) == [7_500]
