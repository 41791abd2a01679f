"""A charge reversed on a former tenant's account with approval (income:approve, on the
approver's write-off limit) takes former tenant arrears off the books as a write-off
does, but it is a correction, not a write-off with one of DOMAIN.md's reasons: the
figures show it beside the write-offs, under its own codes (ADR 0170). Before, it was
counted nowhere: only the rent it cancelled left the collection rate's charges, and the
figures' write-offs did not show the arrears an approver had taken off this way. The
ledger's own reversals at a tenancy's end and a credit reversed by an officer are not
such reversals. A module of its own: its database holds no other test's entries."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from services.income.tests.accounts.test_former_tenant_charge_reversed import (
    APPROVER,
    OFFICER,
    rent_charge_ids,
    reverse,
)
from services.income.tests.arrears.test_personal_contact_cleared import charge
from services.income.tests.test_figures import measure


async def test_charges_reversed_after_the_end_are_counted_beside_the_write_offs(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    today = london_day(datetime.now(UTC))
    tenancy = await start_tenancy(start_date="2026-01-05")
    account = tenancy["rent_account_id"]
    for week in (date(2026, 1, 5), date(2026, 1, 12)):
        await charge(income_database, week)  # 2 x 10,000
    # Ended on the Wednesday: the ledger reverses the 4 days after it itself (no approver).
    ended = await income.post(
        f"/v1/tenancies/{tenancy['id']}/end",
        json={"end_date": "2026-01-14", "reason": "abandonment"},
        headers={"Idempotency-Key": f"end-{uuid.uuid4()}"},
    )
    assert ended.status_code == 200, ended.text
    first, _ = await rent_charge_ids(income_database, account)
    taken = await reverse(income, account, first, auth=APPROVER)
    assert taken.status_code == 201, taken.text
    written_off = await income.post(
        f"/v1/rent-accounts/{account}/write-offs",
        json={"amount_pence": 2_000, "reason": "uneconomic_to_pursue"},
        headers={"Idempotency-Key": f"write-off-{uuid.uuid4()}"},
        auth=APPROVER,
    )
    assert written_off.status_code == 201, written_off.text
    # A payment returned after the end owes more: an officer's correction, not counted.
    paid = await income.post(
        f"/v1/rent-accounts/{account}/payments",
        json={"amount_pence": 1_000, "method": "card", "received_on": today.isoformat()},
        headers={"Idempotency-Key": f"paid-{uuid.uuid4()}"},
        auth=OFFICER,
    )
    assert paid.status_code == 201, paid.text
    returned = await reverse(income, account, paid.json()["entry"]["id"], auth=OFFICER)
    assert returned.status_code == 201, returned.text

    figures = await income.get(
        "/v1/income/figures", params={"from": "2026-01-01", "to": today.isoformat()}
    )
    assert figures.status_code == 200, figures.text
    counted = {
        code: measure(figures.json(), code)["value"]
        for code in (
            "income.former_tenant_charges_reversed_pence",
            "income.former_tenant_charges_reversed",
            "income.written_off_pence",
            "income.write_offs",
        )
    }
    assert counted == {
        "income.former_tenant_charges_reversed_pence": 10_000,
        "income.former_tenant_charges_reversed": 1,
        "income.written_off_pence": 2_000,
        "income.write_offs": 1,
    }
    # Taken off by the two approved decisions, never paid: what is still owed.
    assert measure(figures.json(), "income.former_tenant_arrears_pence")["value"] == (
        10_000 + 10_000 * 3 // 7 - 10_000 - 2_000
    )
