"""GET /v1/tenancies/{id}/rent-changes lists the changes recorded, by the week they
take effect from (cursor pages); DELETE .../rent-changes/{effective_from} withdraws a
change recorded by mistake before its week is charged (a 409 naming effective_from
once it is), and the run then charges the rent in force before it."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from income.accounts.rules import rent_week_of
from income.models import EntryKind, LedgerEntry
from income.rent_run.service import RentRun
from income.settings import IncomeSettings
from tests.harness.tokens import InternalTokenAuth


@pytest.fixture(scope="module")
def backdated_charge_weeks() -> int:
    """These tests are about rent changes: their tenancies start in the past and the tests
    charge the weeks they choose, so recording one charges none back (ADR 0112)."""
    return 0


async def charge(db: Database, week: date) -> None:
    run = RentRun(IncomeSettings())
    while True:
        async with db.sessionmaker() as session, session.begin():
            if await run.charge_batch(session, week, datetime.now(UTC)) == 0:
                return


async def rent_charged(db: Database, account_id: str, week: date) -> int:
    async with db.sessionmaker() as session:
        found = await session.scalars(
            select(LedgerEntry.amount_pence).where(
                LedgerEntry.account_id == uuid.UUID(account_id),
                LedgerEntry.kind == EntryKind.RENT,
                LedgerEntry.charge_week == week,
            )
        )
        return sum(found.all())


def change(effective_from: date, rent: int) -> dict[str, Any]:
    return {
        "weekly_rent_pence": rent,
        "weekly_service_charge_pence": 0,
        "effective_from": effective_from.isoformat(),
    }


async def test_the_changes_recorded_are_listed_by_week_in_cursor_pages(
    income: httpx.AsyncClient, start_tenancy: Any
) -> None:
    this_week = rent_week_of(london_day(datetime.now(UTC)))
    tenancy = await start_tenancy(start_date=this_week.isoformat(), weekly_rent_pence=10_000)
    url = f"/v1/tenancies/{tenancy['id']}"
    weeks = [this_week + timedelta(weeks=n) for n in (9, 3, 6)]
    for n, week in enumerate(weeks):
        made = await income.post(f"{url}/rent-change", json=change(week, 11_000 + n))
        assert made.status_code == 201, made.text
    first = await income.get(f"{url}/rent-changes", params={"limit": 2})
    assert first.status_code == 200, first.text
    page = first.json()
    assert [c["effective_from"] for c in page["items"]] == [
        w.isoformat() for w in sorted(weeks)[:2]
    ]
    assert page["items"][0]["weekly_rent_pence"] == 11_001
    assert set(page["items"][0]) >= {
        "effective_from",
        "weekly_rent_pence",
        "weekly_service_charge_pence",
        "made_at",
    }
    rest = await income.get(f"{url}/rent-changes", params={"cursor": page["next_cursor"]})
    assert [c["effective_from"] for c in rest.json()["items"]] == [weeks[0].isoformat()]
    assert rest.json().get("next_cursor") is None
    bad = await income.get(f"{url}/rent-changes", params={"cursor": "WyJ4Il0"})  # ["x"]
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "cursor"
    unknown = await income.get(f"/v1/tenancies/{uuid.uuid4()}/rent-changes")
    assert unknown.status_code == 404
    tenancies_only = InternalTokenAuth("income", scopes={"tenancies:read"})
    forbidden = await income.get(f"{url}/rent-changes", auth=tenancies_only)
    assert forbidden.status_code == 403
    assert forbidden.json()["missing_scopes"] == ["income:read"]


async def test_a_change_withdrawn_before_its_week_is_charged_leaves_the_old_rent(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    this_week = rent_week_of(london_day(datetime.now(UTC)))
    first = this_week - timedelta(weeks=2)
    tenancy = await start_tenancy(start_date=first.isoformat(), weekly_rent_pence=10_000)
    account = tenancy["rent_account_id"]
    url = f"/v1/tenancies/{tenancy['id']}"
    await charge(income_database, first)
    mistaken = first + timedelta(weeks=1)
    made = await income.post(f"{url}/rent-change", json=change(mistaken, 99_000))
    assert made.status_code == 201, made.text
    readers_only = InternalTokenAuth("income", scopes={"income:read"})
    forbidden = await income.delete(f"{url}/rent-changes/{mistaken.isoformat()}", auth=readers_only)
    assert forbidden.status_code == 403
    withdrawn = await income.delete(f"{url}/rent-changes/{mistaken.isoformat()}")
    assert withdrawn.status_code == 204, withdrawn.text
    assert (await income.get(f"{url}/rent-changes")).json()["items"] == []
    again = await income.delete(f"{url}/rent-changes/{mistaken.isoformat()}")
    assert again.status_code == 404
    await charge(income_database, mistaken)
    assert await rent_charged(income_database, account, mistaken) == 10_000


async def test_a_change_whose_week_is_charged_cannot_be_withdrawn(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    this_week = rent_week_of(london_day(datetime.now(UTC)))
    first = this_week - timedelta(weeks=2)
    tenancy = await start_tenancy(start_date=first.isoformat(), weekly_rent_pence=10_000)
    url = f"/v1/tenancies/{tenancy['id']}"
    week = first + timedelta(weeks=1)
    made = await income.post(f"{url}/rent-change", json=change(week, 12_000))
    assert made.status_code == 201, made.text
    await charge(income_database, first)
    await charge(income_database, week)
    refused = await income.delete(f"{url}/rent-changes/{week.isoformat()}")
    assert refused.status_code == 409, refused.text
    assert refused.json()["errors"][0]["field"] == "effective_from"
    listed = (await income.get(f"{url}/rent-changes")).json()["items"]
    assert [c["effective_from"] for c in listed] == [week.isoformat()]
