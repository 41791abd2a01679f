"""A recharge invoiced on a sundry account already in credit is paid by that credit (the
account's credits pay its recharges oldest first): recharge-paid says so at once, posted
with the invoice, so repairs learns the recharge was paid."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlmodel import col

from hearth_contracts import Envelope
from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from income.handlers import on_recharge_raised
from income.models import LedgerEntry
from services.income.tests.accounts.test_recharges_paid import (
    paid,
    pay,
    raise_recharge,
    recharges_paid,
)


async def invoice_posted_at(db: Database, recharge_id: Any) -> datetime:
    async with db.sessionmaker() as session:
        posted = await session.scalar(
            select(col(LedgerEntry.posted_at)).where(col(LedgerEntry.recharge_id) == recharge_id)
        )
    assert posted is not None
    return posted


async def test_a_recharge_invoiced_on_an_account_in_credit_is_paid_by_it(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy()
    uprn = tenancy["uprn"]
    first = await raise_recharge(income_database, uprn, 3_000, datetime(2026, 2, 1, tzinfo=UTC))
    sundry = (await income.get(f"/v1/tenancies/{tenancy['id']}")).json()["sundry_account_id"]
    overpaid = await pay(income, sundry, 5_000, london_day(datetime.now(UTC)))
    assert overpaid.status_code == 201, overpaid.text
    assert overpaid.json()["balance_pence"] == -2_000
    [payment] = await recharges_paid(income_database, uprn)
    assert paid(payment) == (str(first.recharge_id), str(first.repair_id), 3_000, 0, True)

    # All of it paid by the credit.
    whole = await raise_recharge(income_database, uprn, 1_500, datetime(2026, 3, 1, tzinfo=UTC))
    [_, by_credit] = await recharges_paid(income_database, uprn)
    assert paid(by_credit) == (str(whole.recharge_id), str(whole.repair_id), 1_500, 0, True)
    assert by_credit["correction"] is False
    posted_at = await invoice_posted_at(income_database, whole.recharge_id)
    assert datetime.fromisoformat(by_credit["posted_at"]) == posted_at
    assert datetime.fromisoformat(by_credit["paid_at"]) == posted_at
    assert posted_at > datetime.fromisoformat(payment["posted_at"])

    # Part of it: the 500 left of the credit.
    part = await raise_recharge(income_database, uprn, 4_000, datetime(2026, 4, 1, tzinfo=UTC))
    [*_, by_rest] = await recharges_paid(income_database, uprn)
    assert paid(by_rest) == (str(part.recharge_id), str(part.repair_id), 500, 3_500, False)

    # No credit left: the next one is invoiced with nothing paid, and recharge-raised
    # again (a replay) posts and publishes nothing.
    await raise_recharge(income_database, uprn, 700, datetime(2026, 5, 1, tzinfo=UTC))
    async with income_database.sessionmaker() as session, session.begin():
        await on_recharge_raised(session, Envelope(data=part))
    assert len(await recharges_paid(income_database, uprn)) == 3
    summary = await income.get(f"/v1/rent-accounts/{sundry}")
    assert summary.json()["balance_pence"] == 3_500 + 700


async def test_a_recharge_on_an_account_that_owes_is_paid_by_nothing(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy()
    uprn = tenancy["uprn"]
    await raise_recharge(income_database, uprn, 3_000, datetime(2026, 2, 1, tzinfo=UTC))
    await raise_recharge(income_database, uprn, 1_000, datetime(2026, 3, 1, tzinfo=UTC))
    assert await recharges_paid(income_database, uprn) == []


async def test_an_older_recharge_arriving_late_takes_the_credit_from_a_newer_one(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """Credits pay the oldest recharge first: one raised before the recharge a payment
    paid, invoiced after it, is paid by that credit and the newer one is owed again
    (a correction), so repairs' view matches the account's."""
    tenancy = await start_tenancy()
    uprn = tenancy["uprn"]
    newer = await raise_recharge(income_database, uprn, 1_000, datetime(2026, 3, 1, tzinfo=UTC))
    sundry = (await income.get(f"/v1/tenancies/{tenancy['id']}")).json()["sundry_account_id"]
    assert (await pay(income, sundry, 1_000, london_day(datetime.now(UTC)))).status_code == 201
    older = await raise_recharge(income_database, uprn, 1_000, datetime(2026, 2, 1, tzinfo=UTC))
    [_, *events] = await recharges_paid(income_database, uprn)
    by_recharge = {event["recharge_id"]: event for event in events}
    assert paid(by_recharge[str(older.recharge_id)]) == (
        str(older.recharge_id),
        str(older.repair_id),
        1_000,
        0,
        True,
    )
    assert by_recharge[str(older.recharge_id)]["correction"] is False
    owed_again = by_recharge[str(newer.recharge_id)]
    assert paid(owed_again) == (str(newer.recharge_id), str(newer.repair_id), 1_000, 1_000, False)
    assert owed_again["correction"] is True
    assert owed_again["posted_at"] == by_recharge[str(older.recharge_id)]["posted_at"]
