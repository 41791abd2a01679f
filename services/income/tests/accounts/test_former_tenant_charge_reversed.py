"""Former tenant arrears leave the books only by an approved decision (DOMAIN.md: a
write-off is an approved decision with a reason). A correction that takes a charge off
a former tenant's account does what a write-off does, so it needs income:approve too,
and its approver is kept on the reversal. Before, an officer with income:write alone
reversed an ended tenancy's rent charges (or a recharge) and the former tenant arrears
were gone with nobody's approval. A credit reversed there (a returned payment, a
write-off undone) owes more and needs no approval, nor does any correction while the
tenancy is current."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlmodel import col

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from income.models import EntryKind, LedgerEntry
from services.income.tests.arrears.test_personal_contact_cleared import charge
from tests.harness.tokens import InternalTokenAuth

OFFICER = InternalTokenAuth("income", scopes={"income:read", "income:write"})
"""An income officer: corrections and payments, no write-offs."""
APPROVER = InternalTokenAuth(
    "income", scopes={"income:read", "income:write", "income:approve"}, subject="approver-1"
)
"""One who may also approve write-offs."""


async def reverse(
    income: httpx.AsyncClient, account: str, entry_id: str, **auth: Any
) -> httpx.Response:
    return await income.post(
        f"/v1/rent-accounts/{account}/entries/{entry_id}/reversal",
        json={"reason": "posted_in_error"},
        headers={"Idempotency-Key": f"reversal-{uuid.uuid4()}"},
        **auth,
    )


async def a_former_tenancy_owing(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> tuple[str, list[str]]:
    """Started 5 January 2026, charged two weeks, then ended owing them: returns its rent
    account and the ids of the two rent charges."""
    tenancy = await start_tenancy(start_date="2026-01-05")
    account = tenancy["rent_account_id"]
    for week in (date(2026, 1, 5), date(2026, 1, 12)):
        await charge(income_database, week)
    ended = await income.post(
        f"/v1/tenancies/{tenancy['id']}/end",
        json={"end_date": "2026-01-18", "reason": "abandonment"},
        headers={"Idempotency-Key": f"end-{uuid.uuid4()}"},
    )
    assert ended.status_code == 200, ended.text
    summary = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    assert summary["former_tenant_arrears_pence"] == 20_000
    return account, await rent_charge_ids(income_database, account)


async def rent_charge_ids(db: Database, account: str) -> list[str]:
    async with db.sessionmaker() as session:
        ids = await session.scalars(
            select(col(LedgerEntry.id))
            .where(col(LedgerEntry.account_id) == uuid.UUID(account))
            .where(col(LedgerEntry.kind) == EntryKind.RENT)
            .order_by(col(LedgerEntry.charge_week))
        )
        return [str(i) for i in ids]


async def test_an_officer_cannot_take_a_charge_off_former_tenant_arrears(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    account, (first, _) = await a_former_tenancy_owing(income, income_database, start_tenancy)
    refused = await reverse(income, account, first, auth=OFFICER)
    assert refused.status_code == 403, refused.text
    assert refused.json()["missing_scopes"] == ["income:approve"]
    summary = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    assert summary["former_tenant_arrears_pence"] == 20_000  # nothing posted

    approved = await reverse(income, account, first, auth=APPROVER)
    assert approved.status_code == 201, approved.text
    assert approved.json()["entry"]["approved_by"] == "approver-1"
    assert approved.json()["balance_pence"] == 10_000


async def test_a_credit_reversed_on_a_former_tenants_account_needs_no_approval(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """A payment returned after the end owes again what it paid: an officer's correction,
    as is any correction while the tenancy is current."""
    account, _ = await a_former_tenancy_owing(income, income_database, start_tenancy)
    paid = await income.post(
        f"/v1/rent-accounts/{account}/payments",
        json={
            "amount_pence": 5_000,
            "method": "direct_debit",
            "received_on": london_day(datetime.now(UTC)).isoformat(),
        },
        headers={"Idempotency-Key": f"paid-{uuid.uuid4()}"},
        auth=OFFICER,
    )
    assert paid.status_code == 201, paid.text
    returned = await reverse(income, account, paid.json()["entry"]["id"], auth=OFFICER)
    assert returned.status_code == 201, returned.text
    assert returned.json()["entry"]["approved_by"] is None
    assert returned.json()["balance_pence"] == 20_000

    tenancy = await start_tenancy(start_date="2026-01-05")
    await charge(income_database, date(2026, 1, 5))
    [week] = await rent_charge_ids(income_database, tenancy["rent_account_id"])
    corrected = await reverse(income, tenancy["rent_account_id"], week, auth=OFFICER)
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["entry"]["approved_by"] is None


async def test_charges_reversed_after_the_end_draw_on_the_approvers_write_off_limit(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """An approver limited to 100,000 pence on an account (the default) cannot take more
    off its former tenant arrears by reversing charges than by writing them off: the two
    draw on one limit, as a write-off split in two does."""
    tenancy = await start_tenancy(start_date="2026-01-05", weekly_rent_pence=60_000)
    account = tenancy["rent_account_id"]
    for week in (date(2026, 1, 5), date(2026, 1, 12)):
        await charge(income_database, week)
    ended = await income.post(
        f"/v1/tenancies/{tenancy['id']}/end",
        json={"end_date": "2026-01-18", "reason": "abandonment"},
        headers={"Idempotency-Key": f"end-{uuid.uuid4()}"},
    )
    assert ended.status_code == 200, ended.text
    first, second = await rent_charge_ids(income_database, account)

    taken = await reverse(income, account, first, auth=APPROVER)
    assert taken.status_code == 201, taken.text  # 60,000 of the 100,000
    refused = await reverse(income, account, second, auth=APPROVER)
    assert refused.status_code == 422, refused.text
    assert refused.json()["errors"][0]["field"] == "entry_id"
    written_off = await income.post(
        f"/v1/rent-accounts/{account}/write-offs",
        json={"amount_pence": 50_000, "reason": "uneconomic_to_pursue"},
        headers={"Idempotency-Key": f"write-off-{uuid.uuid4()}"},
        auth=APPROVER,
    )
    assert written_off.status_code == 422, written_off.text  # 60,000 + 50,000
    summary = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    assert summary["former_tenant_arrears_pence"] == 60_000  # only the first taken off
