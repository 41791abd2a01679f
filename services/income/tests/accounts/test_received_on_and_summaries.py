"""A payment is not received before its account was opened (a rent account: the
tenancy's start, or the day it was recorded if earlier; a sundry account: its
opening); an ended tenancy's summary shows no live notice; a sundry account's summary
shows no weekly charge and no weeks in arrears."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from hearth_contracts import Envelope
from hearth_contracts.events.repairs import RechargeRaised
from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from income.handlers import on_recharge_raised
from income.models import Account, AccountKind, ArrearsCase, LedgerEntry


@pytest.fixture(scope="module")
def backdated_charge_weeks() -> int:
    """These tests are about payments and summaries: their tenancies start in the past and the tests
    charge the weeks they choose, so recording one charges none back (ADR 0112)."""
    return 0


def payment(received_on: date) -> dict[str, Any]:
    return {"amount_pence": 1_000, "method": "card", "received_on": received_on.isoformat()}


async def entries_of(db: Database, account_id: str) -> int:
    async with db.sessionmaker() as session:
        found = await session.scalars(
            select(LedgerEntry.id).where(LedgerEntry.account_id == uuid.UUID(account_id))
        )
        return len(found.all())


async def test_a_payment_received_before_the_tenancy_started_is_refused_naming_received_on(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    start = london_day(datetime.now(UTC)) - timedelta(days=3)
    account = (await start_tenancy(start_date=start.isoformat()))["rent_account_id"]
    for before in (date(2001, 1, 1), start - timedelta(days=1)):
        refused = await income.post(f"/v1/rent-accounts/{account}/payments", json=payment(before))
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "received_on"
    assert await entries_of(income_database, account) == 0
    paid = await income.post(f"/v1/rent-accounts/{account}/payments", json=payment(start))
    assert paid.status_code == 201, paid.text


async def test_rent_paid_in_advance_at_sign_up_is_taken_as_credit_before_a_future_start(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """A tenancy recorded today that starts next Monday: the first week's rent taken
    at sign-up (received today) is a credit; a day before the tenancy was recorded
    (nor a mistyped year) is not."""
    today = london_day(datetime.now(UTC))
    start = today + timedelta(days=7 - today.weekday())
    account = (await start_tenancy(start_date=start.isoformat()))["rent_account_id"]
    for before in (date(2001, 1, 1), today - timedelta(days=1)):
        refused = await income.post(f"/v1/rent-accounts/{account}/payments", json=payment(before))
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "received_on"
    paid = await income.post(f"/v1/rent-accounts/{account}/payments", json=payment(today))
    assert paid.status_code == 201, paid.text
    assert paid.json()["balance_pence"] == -1_000
    summary = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    assert summary["balance_pence"] == -1_000


async def sundry_account(db: Database, tenancy: dict[str, Any], raised_at: datetime) -> str:
    recharge = RechargeRaised(
        recharge_id=uuid.uuid4(),
        repair_id=uuid.uuid4(),
        uprn=tenancy["uprn"],
        amount_pence=12_500,
        reason="damage_by_household",
        vulnerability_considered=True,
        raised_at=raised_at,
    )
    async with db.sessionmaker() as session, session.begin():
        await on_recharge_raised(session, Envelope(data=recharge))
    async with db.sessionmaker() as session:
        found = await session.scalars(
            select(Account.id).where(
                Account.tenancy_id == uuid.UUID(tenancy["id"]), Account.kind == AccountKind.SUNDRY
            )
        )
        return str(found.one())


async def test_a_sundry_account_takes_no_payment_before_it_was_opened_and_has_no_weekly_charge(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy(start_date="2026-01-05", weekly_rent_pence=10_000)
    account = await sundry_account(income_database, tenancy, datetime(2026, 2, 2, 12, tzinfo=UTC))
    refused = await income.post(
        f"/v1/rent-accounts/{account}/payments", json=payment(date(2026, 2, 1))
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "received_on"
    paid = await income.post(
        f"/v1/rent-accounts/{account}/payments", json=payment(date(2026, 2, 2))
    )
    assert paid.status_code == 201, paid.text
    summary = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    assert summary["balance_pence"] == 11_500
    assert (
        summary["weekly_charge_pence"],
        summary["weeks_in_arrears"],
        summary["arrears_stage"],
    ) == (0, 0.0, "none")


async def test_an_ended_tenancys_summary_shows_no_live_notice(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy(start_date="2026-01-05")
    account = tenancy["rent_account_id"]
    async with income_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(ArrearsCase)
            .where(ArrearsCase.account_id == uuid.UUID(account))
            .values(nosp_served_at=datetime.now(UTC) - timedelta(days=10))
        )
    live = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    assert live["nosp_live_until"] is not None
    ended = await income.post(
        f"/v1/tenancies/{tenancy['id']}/end",
        json={"end_date": london_day(datetime.now(UTC)).isoformat(), "reason": "notice_given"},
    )
    assert ended.status_code == 200, ended.text
    summary = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    assert summary["tenancy_ended"] is True
    assert summary["nosp_live_until"] is None
