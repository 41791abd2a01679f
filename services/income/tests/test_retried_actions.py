"""A retried action with the same Idempotency-Key (the gateway resends a keyed write
once when a kept-alive connection drops) gets the first answer and changes nothing
more: ending a tenancy, a type decision and an arrears review each happen once. The
same key with another body is a 422 and changes nothing."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import httpx
from sqlalchemy import func, select

from hearth_kit.db import Database
from income.models import LedgerEntry
from services.income.tests.test_recovery import charge, events


async def ledger_entries(db: Database, account_id: str) -> int:
    async with db.sessionmaker() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(LedgerEntry)
            .where(LedgerEntry.account_id == uuid.UUID(account_id))
        )
    return int(count or 0)


def key() -> dict[str, str]:
    return {"Idempotency-Key": f"retry-{uuid.uuid4()}"}


async def test_a_retried_tenancy_end_answers_as_the_first_and_ends_it_once(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy(start_date="2026-01-05")
    account = tenancy["rent_account_id"]
    await charge(income_database, date(2026, 1, 5))
    path, headers = f"/v1/tenancies/{tenancy['id']}/end", key()
    body = {"end_date": "2026-01-07", "reason": "notice_given"}
    first = await income.post(path, json=body, headers=headers)
    assert first.status_code == 200, first.text
    entries = await ledger_entries(income_database, account)  # the charge and its reversal
    again = await income.post(path, json=body, headers=headers)
    assert again.status_code == 200, again.text  # not a 409 for a tenancy already ended
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert len(await events(income_database, tenancy["uprn"], "tenancy-ended")) == 1
    assert await ledger_entries(income_database, account) == entries
    other = await income.post(path, json={**body, "end_date": "2026-01-08"}, headers=headers)
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert len(await events(income_database, tenancy["uprn"], "tenancy-ended")) == 1


async def test_a_retried_type_decision_answers_as_the_first_and_is_published_once(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy(tenancy_type="introductory", start_date="2025-06-02")
    path, headers = f"/v1/tenancies/{tenancy['id']}/type-decision", key()
    body = {"change": "extended", "effective_on": "2026-05-01"}
    first = await income.post(path, json=body, headers=headers)
    assert first.status_code == 200, first.text
    assert first.json()["introductory_ends_on"] == "2026-12-02"
    again = await income.post(path, json=body, headers=headers)
    assert again.status_code == 200, again.text  # not a 409 for a trial already extended
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert len(await events(income_database, tenancy["uprn"], "tenancy-type-changed")) == 1
    other = await income.post(path, json={**body, "effective_on": "2026-05-02"}, headers=headers)
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    assert len(await events(income_database, tenancy["uprn"], "tenancy-type-changed")) == 1


async def test_a_retried_arrears_review_answers_as_the_first_and_is_recorded_once(
    income: httpx.AsyncClient, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy(start_date="2026-01-05")
    account = tenancy["rent_account_id"]
    path, headers = f"/v1/rent-accounts/{account}/arrears-case/review", key()
    first = await income.post(path, headers=headers)
    assert first.status_code == 200, first.text
    reviewed_at = first.json()["vulnerability_considered_at"]
    again = await income.post(path, headers=headers)
    assert again.status_code == 200, again.text
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    case = (await income.get(f"/v1/rent-accounts/{account}/arrears-case")).json()
    assert (case["vulnerability_considered_at"], case["next_check_at"]) == (
        reviewed_at,
        first.json()["next_check_at"],
    )
    # The review takes no body, so a request with one under the same key is another.
    other = await income.post(path, json={"note": "again"}, headers=headers)
    assert other.status_code == 422
    assert other.json()["errors"][0]["field"] == "Idempotency-Key"
    later = (await income.get(f"/v1/rent-accounts/{account}/arrears-case")).json()
    assert later["vulnerability_considered_at"] == reviewed_at
