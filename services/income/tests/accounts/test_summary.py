"""The rent account summary (one statement on a read connection): every part it shows
comes from its own row, and an account that does not exist is a 404 problem."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from hearth_contracts.events.income import ArrearsStage
from hearth_kit.db import Database
from hearth_kit.working_days import london_day, start_of_london_day
from income.arrears.rules import CaseState, nosp_live
from income.models import ArrearsCase
from income.tenancies.rules import add_months
from services.income.tests.test_recovery import SETTINGS, an_arrangement, charge


async def _paid(
    income: httpx.AsyncClient, account: str, *payments: tuple[int, str, str]
) -> list[str]:
    """Each payment (pence, method, day received) taken on the account, in turn: the ids
    of their ledger entries."""
    entries = []
    for amount, method, day in payments:
        paid = await income.post(
            f"/v1/rent-accounts/{account}/payments",
            json={"amount_pence": amount, "method": method, "received_on": day},
        )
        assert paid.status_code == 201, paid.text
        entries.append(paid.json()["entry"]["id"])
    return entries


async def test_the_summary_shows_the_balance_latest_payment_arrangement_and_notice(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy(start_date="2026-01-05")
    account = tenancy["rent_account_id"]
    for n in range(3):
        await charge(income_database, date(2026, 1, 5) + timedelta(weeks=n))
    await _paid(
        income,
        account,
        (3_000, "card", "2026-01-20"),
        (2_000, "bank_transfer", "2026-01-27"),
    )
    today = london_day(datetime.now(UTC))
    arrangement = await an_arrangement(income, account, today)
    served = datetime.now(UTC) - timedelta(days=1)
    async with income_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(ArrearsCase)
            .where(ArrearsCase.account_id == uuid.UUID(account))
            .values(nosp_served_at=served, blocked_by="court_stay")
        )

    summary = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()

    assert (summary["account_id"], summary["tenancy_id"]) == (account, tenancy["id"])
    assert summary["uprn"] == tenancy["uprn"]
    assert summary["balance_pence"] == 25_000
    assert summary["tenancy_ended"] is False
    assert summary["former_tenant_arrears_pence"] == 0
    assert summary["weekly_charge_pence"] == 10_000
    assert summary["last_payment"] == {
        "amount_pence": 2_000,
        "method": "bank_transfer",
        "received_on": "2026-01-27",
    }
    assert summary["arrangement"] == {
        "id": arrangement["id"],
        "status": "active",
        "instalment_pence": 2_000,
        "frequency": "weekly",
        "first_instalment_on": today.isoformat(),
        "review_on": arrangement["review_on"],
    }
    # The last day the notice is live: the ladder treats it as expired the day after.
    nosp_until = add_months(london_day(served), SETTINGS.ladder.nosp_live_months) - timedelta(
        days=1
    )
    assert summary["nosp_live_until"] == nosp_until.isoformat()
    assert summary["blocked_by"] == "court_stay"


def served_12_months_ago(today: date) -> date:
    """The day 12 calendar months before `today`: a notice served then expired today."""
    return add_months(today, -12)


def served_364_days_ago(today: date) -> date:
    """A notice served 364 days ago is live today (12 months are at least 365 days)."""
    return today - timedelta(days=364)


@pytest.mark.parametrize(
    ("served_on", "shown"), [(served_364_days_ago, True), (served_12_months_ago, False)]
)
async def test_the_summary_shows_a_notice_on_exactly_the_days_the_ladder_treats_it_as_live(
    income: httpx.AsyncClient,
    income_database: Database,
    start_tenancy: Any,
    served_on: Callable[[date], date],
    shown: bool,
) -> None:
    tenancy = await start_tenancy(start_date="2025-04-07")
    account = tenancy["rent_account_id"]
    now = datetime.now(UTC)
    served = start_of_london_day(served_on(london_day(now))) + timedelta(hours=12)
    async with income_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(ArrearsCase)
            .where(ArrearsCase.account_id == uuid.UUID(account))
            .values(nosp_served_at=served)
        )
    summary = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    live = nosp_live(
        CaseState(ArrearsStage.NOTICE_OF_SEEKING_POSSESSION, nosp_served_at=served),
        now,
        SETTINGS.ladder,
    )
    assert live is shown
    assert (summary["nosp_live_until"] is not None) is shown


async def test_a_new_account_has_no_payment_arrangement_or_case_detail(
    income: httpx.AsyncClient, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy(start_date="2026-01-05")
    summary = (await income.get(f"/v1/rent-accounts/{tenancy['rent_account_id']}/summary")).json()
    assert summary["balance_pence"] == summary["arrears_pence"] == 0
    assert summary["last_payment"] is summary["arrangement"] is summary["nosp_live_until"] is None
    assert summary["arrears_stage"] == "none"
    assert summary["paused_for_review"] is summary["personal_contact_needed"] is False


async def test_the_summary_of_an_unknown_account_is_a_404_problem(
    income: httpx.AsyncClient,
) -> None:
    response = await income.get(f"/v1/rent-accounts/{uuid.uuid4()}/summary")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_the_summary_last_payment_is_one_not_reversed(
    income: httpx.AsyncClient, start_tenancy: Any
) -> None:
    """A direct debit returned (its payment reversed) was not paid: the contact centre
    was shown it as the tenant's last payment."""
    account = (await start_tenancy(start_date="2026-01-05"))["rent_account_id"]
    entries = await _paid(
        income,
        account,
        (3_000, "card", "2026-01-20"),
        (2_000, "direct_debit", "2026-01-27"),
    )
    returned = await income.post(
        f"/v1/rent-accounts/{account}/entries/{entries[1]}/reversal",
        json={"reason": "direct_debit_returned"},
    )
    assert returned.status_code == 201, returned.text

    summary = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    assert summary["last_payment"] == {
        "amount_pence": 3_000,
        "method": "card",
        "received_on": "2026-01-20",
    }
    listed = await income.get(
        "/v1/tenancies", params={"uprn": summary["uprn"], "include": "rent_summary"}
    )
    assert listed.status_code == 200, listed.text
    assert listed.json()["items"][0]["rent_summary"]["last_payment"]["amount_pence"] == 3_000
