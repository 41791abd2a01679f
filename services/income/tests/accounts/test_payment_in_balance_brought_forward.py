"""ADR 0144: a payment received on or before the day a loaded tenancy's balance was
brought forward (ADR 0132) is already in that balance. Posted again (a bank or direct
debit file overlapping the cut-over, imported through the payments route one row at a
time), it was taken and the balance was then wrong by its amount. It is refused, a 422
naming `received_on`, nothing posted or published; a payment after that day is taken as
any. A tenancy without a balance brought forward is unchanged."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from income.models import EntryKind, LedgerEntry
from services.income.tests.conftest import a_tenancy, events_of

PAID = "payment-received"


def paid_on(day: Any, reference: str | None = None) -> dict[str, Any]:
    body = {"amount_pence": 2_500, "method": "direct_debit", "received_on": day.isoformat()}
    return body if reference is None else {**body, "reference": reference}


async def payments_of(db: Database, account_id: str) -> list[tuple[Any, int]]:
    async with db.sessionmaker() as session:
        found = await session.execute(
            select(LedgerEntry.effective_on, LedgerEntry.amount_pence).where(
                LedgerEntry.account_id == uuid.UUID(account_id),
                LedgerEntry.kind == EntryKind.PAYMENT,
            )
        )
        return [(day, amount) for day, amount in found.all()]


async def test_a_payment_in_the_balance_brought_forward_is_refused_naming_received_on(
    income: httpx.AsyncClient, income_database: Database
) -> None:
    """Loaded with 300.00 owed as at the Sunday a week before last: the bank file's rows
    for that Sunday and the Friday before it are refused, each with the reason, nothing
    posted or published, the balance as brought forward; the row for the Monday after
    is taken."""
    today = london_day(datetime.now(UTC))
    as_at = today - timedelta(days=today.weekday() + 8)
    tenancy = await a_tenancy(
        income,
        start_date="2019-04-01",
        balance_brought_forward={"amount_pence": 30_000, "as_at": as_at.isoformat()},
    )
    account = tenancy["rent_account_id"]
    summary = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    for day, reference in ((as_at, "BACS-0001"), (as_at - timedelta(days=2), None)):
        refused = await income.post(
            f"/v1/rent-accounts/{account}/payments", json=paid_on(day, reference)
        )
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["received_on"]
        assert as_at.isoformat() in refused.json()["detail"]
    assert await payments_of(income_database, account) == []
    assert [t for t, _ in await events_of(income_database, tenancy["uprn"]) if t == PAID] == []
    after = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    assert after["balance_pence"] == summary["balance_pence"]

    taken = await income.post(
        f"/v1/rent-accounts/{account}/payments",
        json=paid_on(as_at + timedelta(days=1), "BACS-0002"),
    )
    assert taken.status_code == 201, taken.text
    assert await payments_of(income_database, account) == [(as_at + timedelta(days=1), -2_500)]


async def test_a_tenancy_without_a_balance_brought_forward_takes_its_old_payments(
    income: httpx.AsyncClient, income_database: Database
) -> None:
    """The refusal is the balance's: a tenancy recorded without one takes a payment
    received on any day since its start."""
    today = london_day(datetime.now(UTC))
    as_at = today - timedelta(days=today.weekday() + 8)
    tenancy = await a_tenancy(income, start_date="2019-04-01")
    account = tenancy["rent_account_id"]
    taken = await income.post(f"/v1/rent-accounts/{account}/payments", json=paid_on(as_at))
    assert taken.status_code == 201, taken.text
    assert await payments_of(income_database, account) == [(as_at, -2_500)]
