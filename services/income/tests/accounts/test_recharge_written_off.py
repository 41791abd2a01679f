"""A write-off of former tenant arrears on a sundry account tells repairs which recharges
it took off the books (docs/adr/0179): recharge-paid, `settled_by` write_off, never
`paid_in_full` (nothing was paid), in the write-off's transaction. Before, it published
nothing for the recharges, so repairs kept a written-off recharge owed for ever, and
undoing the write-off then sent a correction for a change repairs had never heard of."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from services.income.tests.accounts.test_recharges_paid import (
    paid,
    pay,
    raise_recharge,
    recharges_paid,
    two_recharges,
)
from services.income.tests.arrears.test_personal_contact_cleared import charge
from tests.harness.tokens import InternalTokenAuth

APPROVER = InternalTokenAuth(
    "income", scopes={"income:read", "income:write", "income:approve"}, subject="approver-1"
)


def settled(event: dict[str, Any]) -> tuple[Any, ...]:
    return (*paid(event), event["settled_by"], event["correction"])


async def test_a_write_off_says_which_recharges_it_took_off_and_its_undoing_owes_them_again(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy, uprn, _older, _newer, first, second, sundry = await two_recharges(
        income, income_database, start_tenancy, start_date="2026-01-05"
    )
    assert (await pay(income, sundry, 2_000, london_day(datetime.now(UTC)))).status_code == 201
    ended = await income.post(
        f"/v1/tenancies/{tenancy['id']}/end",
        json={"end_date": "2026-03-29", "reason": "abandonment"},
        headers={"Idempotency-Key": f"end-{uuid.uuid4()}"},
    )
    assert ended.status_code == 200, ended.text
    [payment] = await recharges_paid(income_database, uprn)
    assert settled(payment) == (*first, 2_000, 3_000, False, "payment", False)

    # 4,000 of the 6,000 former tenant arrears written off: the older recharge's 3,000
    # left and 1,000 of the newer, oldest first as a payment would pay them.
    written = await income.post(
        f"/v1/rent-accounts/{sundry}/write-offs",
        json={"amount_pence": 4_000, "reason": "untraceable"},
        auth=APPROVER,
    )
    assert written.status_code == 201, written.text
    events = (await recharges_paid(income_database, uprn))[1:]
    assert [settled(e) for e in events] == [
        (*first, 3_000, 0, False, "write_off", False),
        (*second, 1_000, 2_000, False, "write_off", False),
    ]
    # Posted after the payment, so repairs keeps it as each recharge's latest word.
    assert all(e["posted_at"] > payment["posted_at"] for e in events)

    # The write-off undone: both owe again what it took off, and say it was a write-off.
    undone = await income.post(
        f"/v1/rent-accounts/{sundry}/entries/{written.json()['entry']['id']}/reversal",
        json={"reason": "posted_in_error"},
        auth=APPROVER,
    )
    assert undone.status_code == 201, undone.text
    corrections = (await recharges_paid(income_database, uprn))[3:]
    assert [settled(e) for e in corrections] == [
        (*first, 3_000, 3_000, False, "write_off", True),
        (*second, 1_000, 3_000, False, "write_off", True),
    ]
    assert all(e["posted_at"] > events[-1]["posted_at"] for e in corrections)


async def test_a_rent_accounts_write_off_pays_no_recharge(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """The rent account's former tenant arrears written off: the sundry account's
    recharges are still owed, and nothing says otherwise."""
    tenancy = await start_tenancy(start_date="2026-01-05")
    uprn = tenancy["uprn"]
    await raise_recharge(income_database, uprn, 5_000, datetime(2026, 2, 1, tzinfo=UTC))
    await charge(income_database, date(2026, 1, 5))
    ended = await income.post(
        f"/v1/tenancies/{tenancy['id']}/end",
        json={"end_date": "2026-03-29", "reason": "abandonment"},
        headers={"Idempotency-Key": f"end-{uuid.uuid4()}"},
    )
    assert ended.status_code == 200, ended.text
    rent = tenancy["rent_account_id"]
    owed = (await income.get(f"/v1/rent-accounts/{rent}/summary")).json()
    assert owed["former_tenant_arrears_pence"] > 0
    written = await income.post(
        f"/v1/rent-accounts/{rent}/write-offs",
        json={"amount_pence": owed["former_tenant_arrears_pence"], "reason": "untraceable"},
        auth=APPROVER,
    )
    assert written.status_code == 201, written.text
    assert await recharges_paid(income_database, uprn) == []
