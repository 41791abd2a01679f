"""Recharges held for a decision: a home's sundry account with no tenancy (a home never
let, or a recharge dated before its first tenancy) is listed for the income team with
its balance and its recharges still owed, by home, a page at a time, and leaves the
list once nothing is owed on it. No personal data: the home, the account, the
recharges."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select

from hearth_kit.db import Database
from income.models import LedgerEntry
from services.income.tests.accounts.test_recharge_debtor import a_home
from services.income.tests.accounts.test_recharges_paid import raise_recharge
from tests.harness.tokens import InternalTokenAuth

URL = "/v1/income/held-recharges"


async def entry_of(db: Database, recharge_id: uuid.UUID) -> uuid.UUID:
    async with db.sessionmaker() as session:
        entry_id = await session.scalar(
            select(LedgerEntry.id).where(LedgerEntry.recharge_id == recharge_id)
        )
    assert entry_id is not None
    return entry_id


async def held_at(income: httpx.AsyncClient, uprn: str) -> list[dict[str, Any]]:
    listed = await income.get(URL, params={"uprn": uprn})
    assert listed.status_code == 200, listed.text
    items: list[dict[str, Any]] = listed.json()["items"]
    return items


async def test_a_never_let_homes_held_account_is_listed_with_its_recharges_still_owed(
    income: httpx.AsyncClient, income_database: Database
) -> None:
    uprn = a_home()
    older = await raise_recharge(income_database, uprn, 3_000, datetime(2026, 2, 1, tzinfo=UTC))
    newer = await raise_recharge(income_database, uprn, 1_200, datetime(2026, 3, 1, tzinfo=UTC))

    [held] = await held_at(income, uprn)
    account = (await income.get(f"/v1/rent-accounts/{held['account_id']}")).json()
    assert account["tenancy_id"] is None
    assert account["kind"] == "sundry"
    assert held == {
        "account_id": account["id"],
        "uprn": uprn,
        "balance_pence": 4_200,
        "recharges": [
            {
                "entry_id": str(await entry_of(income_database, older.recharge_id)),
                "recharge_id": str(older.recharge_id),
                "amount_pence": 3_000,
                "outstanding_pence": 3_000,
                "raised_on": "2026-02-01",
            },
            {
                "entry_id": str(await entry_of(income_database, newer.recharge_id)),
                "recharge_id": str(newer.recharge_id),
                "amount_pence": 1_200,
                "outstanding_pence": 1_200,
                "raised_on": "2026-03-01",
            },
        ],
    }


async def test_a_cancelled_or_paid_recharge_is_not_listed_and_a_settled_account_leaves_the_list(
    income: httpx.AsyncClient, income_database: Database
) -> None:
    uprn = a_home()
    cancelled = await raise_recharge(income_database, uprn, 5_000, datetime(2026, 2, 1, tzinfo=UTC))
    kept = await raise_recharge(income_database, uprn, 2_000, datetime(2026, 3, 1, tzinfo=UTC))
    [held] = await held_at(income, uprn)
    account_id = held["account_id"]

    entry_id = await entry_of(income_database, cancelled.recharge_id)
    reversed_ = await income.post(
        f"/v1/rent-accounts/{account_id}/entries/{entry_id}/reversal",
        json={"reason": "no_one_to_charge"},
    )
    assert reversed_.status_code == 201, reversed_.text
    paid = await income.post(
        f"/v1/rent-accounts/{account_id}/payments",
        json={"amount_pence": 500, "method": "bank_transfer", "received_on": "2026-03-02"},
    )
    assert paid.status_code == 201, paid.text
    [held] = await held_at(income, uprn)
    assert (held["balance_pence"], held["recharges"]) == (
        1_500,
        [
            {
                "entry_id": str(await entry_of(income_database, kept.recharge_id)),
                "recharge_id": str(kept.recharge_id),
                "amount_pence": 2_000,
                "outstanding_pence": 1_500,
                "raised_on": "2026-03-01",
            }
        ],
    )

    entry_id = await entry_of(income_database, kept.recharge_id)
    reversed_ = await income.post(
        f"/v1/rent-accounts/{account_id}/entries/{entry_id}/reversal",
        json={"reason": "no_one_to_charge"},
    )
    assert reversed_.status_code == 201, reversed_.text
    assert await held_at(income, uprn) == []


async def test_a_recharge_from_before_the_first_tenancy_is_listed_and_the_tenancys_are_not(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy(start_date="2026-08-03")
    uprn = tenancy["uprn"]
    before = await raise_recharge(income_database, uprn, 2_500, datetime(2026, 7, 1, tzinfo=UTC))
    await raise_recharge(income_database, uprn, 800, datetime(2026, 9, 1, tzinfo=UTC))

    [held] = await held_at(income, uprn)
    assert held["balance_pence"] == 2_500
    assert [r["recharge_id"] for r in held["recharges"]] == [str(before.recharge_id)]


async def test_held_accounts_come_by_home_a_page_at_a_time(
    income: httpx.AsyncClient, income_database: Database
) -> None:
    homes = sorted(a_home() for _ in range(3))
    for uprn in homes:
        await raise_recharge(income_database, uprn, 1_000, datetime(2026, 2, 1, tzinfo=UTC))

    seen: list[str] = []
    params: dict[str, Any] = {"limit": 1}
    for _ in range(1_000):  # bounded: every held account in this module's database
        page = await income.get(URL, params=params)
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) <= 1
        seen += [item["uprn"] for item in body["items"]]
        if body.get("next_cursor") is None:
            break
        params = {"limit": 1, "cursor": body["next_cursor"]}
    assert seen == sorted(seen)
    assert len(seen) == len(set(seen))
    assert [uprn for uprn in seen if uprn in homes] == homes


async def test_held_recharges_need_income_read_and_an_issued_cursor(
    income: httpx.AsyncClient,
) -> None:
    bad = await income.get(URL, params={"cursor": "WyJ4Il0"})  # ["x"]
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "cursor"
    not_a_home = await income.get(URL, params={"uprn": "not-a-uprn"})
    assert not_a_home.status_code == 422
    tenancies_only = InternalTokenAuth("income", scopes={"tenancies:read"})
    forbidden = await income.get(URL, auth=tenancies_only)
    assert forbidden.status_code == 403
    assert forbidden.json()["missing_scopes"] == ["income:read"]
