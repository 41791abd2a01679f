"""Former tenant arrears in the figures are what ended tenancies owe on all their
accounts: the rent account and the sundry account a former tenant's recharge is invoiced
on (ADR 0036: damage found at the void inspection, the common case). DOMAIN.md: at
tenancy end what is owed becomes former tenant arrears. Before, the figure read rent
accounts only, so a former tenant owing only a recharge was not counted at all, while a
write-off of that recharge was counted as former tenant arrears written off (ADR 0171).
A module of its own: its database holds no other test's tenancies."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from services.income.tests.accounts.test_recharges_paid import raise_recharge
from services.income.tests.arrears.test_personal_contact_cleared import charge
from services.income.tests.test_figures import measure


async def test_a_former_tenants_unpaid_recharge_is_former_tenant_arrears(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    owing_rent = await start_tenancy(start_date="2026-01-05")
    rent_paid = await start_tenancy(start_date="2026-01-05")
    for week in (date(2026, 1, 5), date(2026, 1, 12)):
        await charge(income_database, week)  # 2 x 10,000 on each
    paid = await income.post(
        f"/v1/rent-accounts/{rent_paid['rent_account_id']}/payments",
        json={"amount_pence": 20_000, "method": "bank_transfer", "received_on": "2026-01-14"},
    )
    assert paid.status_code == 201, paid.text
    for tenancy in (owing_rent, rent_paid):
        ended = await income.post(
            f"/v1/tenancies/{tenancy['id']}/end",
            json={"end_date": "2026-01-18", "reason": "notice_given"},
            headers={"Idempotency-Key": f"end-{uuid.uuid4()}"},
        )
        assert ended.status_code == 200, ended.text
    # Damage found at the void inspection after each left: their recharges.
    void_inspection = datetime(2026, 1, 26, 10, tzinfo=UTC)
    await raise_recharge(income_database, owing_rent["uprn"], 3_000, void_inspection)
    await raise_recharge(income_database, rent_paid["uprn"], 2_000, void_inspection)
    sundry = (await income.get(f"/v1/tenancies/{rent_paid['id']}")).json()["sundry_account_id"]
    summary = (await income.get(f"/v1/rent-accounts/{sundry}/summary")).json()
    assert summary["former_tenant_arrears_pence"] == 2_000  # what its summary says

    today = london_day(datetime.now(UTC))
    figures = await income.get(
        "/v1/income/figures", params={"from": "2026-01-01", "to": today.isoformat()}
    )
    assert figures.status_code == 200, figures.text
    owed = measure(figures.json(), "income.former_tenant_arrears_pence")["value"]
    owing = measure(figures.json(), "income.former_tenant_arrears_accounts")["value"]
    assert (owed, owing) == (20_000 + 3_000 + 2_000, 2)
