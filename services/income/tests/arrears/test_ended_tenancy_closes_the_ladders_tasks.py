"""A tenancy's end takes its arrears case off the ladder (former tenant arrears are
recovered apart), and with it what the ladder had asked of the officer: the first weeks'
personal-contact task, the court step's block and the pause for a vulnerability review.
The ladder never looks at an ended tenancy's case again, so before, these stayed set for
good and the account's summary, shown to whoever handles a contact from the household,
said a former tenant needed personal contact or was paused for review."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from services.income.tests.arrears.test_personal_contact_cleared import (
    contact_needed,
    make_due,
    missing_a_payment,
)


async def end(income: httpx.AsyncClient, tenancy: dict[str, Any]) -> None:
    ended = await income.post(
        f"/v1/tenancies/{tenancy['id']}/end",
        json={"end_date": london_day(datetime.now(UTC)).isoformat(), "reason": "abandonment"},
        headers={"Idempotency-Key": f"end-{uuid.uuid4()}"},
    )
    assert ended.status_code == 200, ended.text


async def test_the_first_weeks_personal_contact_task_closes_with_the_tenancy(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await missing_a_payment(income_database, start_tenancy)
    account = tenancy["rent_account_id"]
    assert await contact_needed(income, account)

    await end(income, tenancy)
    summary = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    assert summary["former_tenant_arrears_pence"] > 0
    assert summary["personal_contact_needed"] is False
    case = (await income.get(f"/v1/rent-accounts/{account}/arrears-case")).json()
    assert case["personal_contact_needed_at"] is None


async def test_an_ended_tenancys_summary_shows_no_task_left_on_its_case(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """A case closed before the end cleared them (or by a replica of the release before)
    keeps them on its row: the summary does not show them for an ended tenancy."""
    tenancy = await start_tenancy()
    account = tenancy["rent_account_id"]
    await end(income, tenancy)
    await make_due(
        income_database,
        account,
        personal_contact_needed_at=datetime.now(UTC),
        blocked_by="tenant_contacted",
        paused_for_review=True,
    )
    summary = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    assert (
        summary["personal_contact_needed"],
        summary["blocked_by"],
        summary["paused_for_review"],
    ) == (False, None, False)
