"""A recharge cancelled on its sundry account (staff reversed its own charge) tells
repairs it is owed no more (docs/adr/0176): recharge-paid, `cancelled` true, never
`paid_in_full`, in the reversal's transaction, after the corrections for the credit it
freed. Before, a cancellation published nothing for the recharge itself, so repairs
kept it owed (or collected) for ever."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlmodel import select

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from income.models import LedgerEntry
from services.income.tests.accounts.test_recharges_paid import (
    paid,
    pay,
    recharges_paid,
    two_recharges,
)


def told(event: dict[str, Any]) -> tuple[Any, ...]:
    return (*paid(event), event["correction"], event["settled_by"], event["cancelled"])


async def test_a_cancelled_recharge_is_announced_once_and_for_good(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    _tenancy, uprn, older, _newer, first, second, sundry = await two_recharges(
        income, income_database, start_tenancy
    )
    # 6,000 paid: the older recharge in full, 1,000 of the newer.
    assert (await pay(income, sundry, 6_000, london_day(datetime.now(UTC)))).status_code == 201
    payments = await recharges_paid(income_database, uprn)
    assert [told(e) for e in payments] == [
        (*first, 5_000, 0, True, False, "payment", False),
        (*second, 1_000, 2_000, False, False, "payment", False),
    ]

    # The older recharge cancelled: the 5,000 paid on it frees credit for the newer one,
    # and the older is owed no more, and not paid: its own event says cancelled.
    async with income_database.sessionmaker() as session:
        entry_id = (
            await session.scalars(
                select(LedgerEntry.id).where(LedgerEntry.recharge_id == older.recharge_id)
            )
        ).one()
    reversed_ = await income.post(
        f"/v1/rent-accounts/{sundry}/entries/{entry_id}/reversal",
        json={"reason": "raised_in_error"},
    )
    assert reversed_.status_code == 201, reversed_.text
    events = (await recharges_paid(income_database, uprn))[2:]
    assert [told(e) for e in events] == [
        (*second, 2_000, 0, True, True, "payment", False),
        (*first, 5_000, 0, False, True, "payment", True),
    ]
    # Posted after the payment, so repairs keeps it as the recharge's latest word.
    assert all(e["posted_at"] > payments[-1]["posted_at"] for e in events)

    # A cancellation is never undone: its reversal is refused, and says nothing.
    cancellation = reversed_.json()["entry"]["id"]
    again = await income.post(
        f"/v1/rent-accounts/{sundry}/entries/{cancellation}/reversal",
        json={"reason": "posted_in_error"},
    )
    assert again.status_code == 422, again.text
    assert len(await recharges_paid(income_database, uprn)) == 4
