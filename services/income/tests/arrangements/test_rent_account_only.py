"""An arrangement is made on a current tenancy's rent account, the account its arrears
case recovers: the ladder checks the arrangement of the case's account, so one made on
the tenancy's sundry account (recharges) would never be checked, never broken by a
missed instalment and never completed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from income.models import Arrangement, ArrangementReview
from services.income.tests.accounts.test_recharges_paid import raise_recharge
from services.income.tests.arrangements.test_kept_across_charges import an_active_arrangement


async def test_an_arrangement_on_a_sundry_account_is_refused(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy()
    await raise_recharge(income_database, tenancy["uprn"], 30_000, datetime(2026, 2, 1, tzinfo=UTC))
    sundry = (await income.get(f"/v1/tenancies/{tenancy['id']}")).json()["sundry_account_id"]
    made = await income.post(
        f"/v1/rent-accounts/{sundry}/arrangements",
        json={
            "income_and_expenditure": {
                "weekly_income_pence": 30_000,
                "weekly_expenditure_pence": 20_000,
            },
            "instalment_pence": 5_000,
            "frequency": "weekly",
            "first_instalment_on": london_day(datetime.now(UTC)).isoformat(),
        },
    )
    assert made.status_code == 409, made.text
    async with income_database.sessionmaker() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(Arrangement)
            .where(Arrangement.tenancy_id == tenancy["id"])
        )
    assert count == 0


async def test_an_arrangement_made_on_a_sundry_account_before_is_only_ended_at_a_review(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """One made on a sundry account before making was refused there stays live, and the
    ladder never checks it: a review that continued it or changed its instalment kept it
    live and unwatched, the thing the refusal above stops (was: 201). It is 409, nothing
    recorded; a review ending it is taken (the upgrading runbook has officers end them)."""
    tenancy = await start_tenancy()
    await raise_recharge(income_database, tenancy["uprn"], 30_000, datetime(2026, 2, 1, tzinfo=UTC))
    sundry = (await income.get(f"/v1/tenancies/{tenancy['id']}")).json()["sundry_account_id"]
    made_at = datetime.now(UTC) - timedelta(days=1)
    arrangement_id = await an_active_arrangement(
        income_database,
        sundry,
        tenancy["id"],
        first_instalment_on=london_day(made_at),
        arrears_pence=30_000,
        review_on=london_day(made_at),
        made_at=made_at,
    )
    reviewed_at = datetime.now(UTC).isoformat()
    today = london_day(datetime.now(UTC)).isoformat()
    for body in (
        {"reviewed_at": reviewed_at, "outcome": "continue"},
        {
            "reviewed_at": reviewed_at,
            "outcome": "change_instalment",
            "instalment_pence": 2_500,
            "first_instalment_on": today,
        },
    ):
        kept = await income.post(
            f"/v1/arrangements/{arrangement_id}/review",
            json=body,
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert kept.status_code == 409, kept.text
        assert kept.json()["errors"][0]["field"] == "outcome"
    async with income_database.sessionmaker() as session:
        reviews = await session.scalar(
            select(func.count())
            .select_from(ArrangementReview)
            .where(ArrangementReview.arrangement_id == arrangement_id)
        )
    assert reviews == 0
    ended = await income.post(
        f"/v1/arrangements/{arrangement_id}/review",
        json={"reviewed_at": reviewed_at, "outcome": "end"},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert ended.status_code == 201, ended.text
    assert ended.json()["arrangement"]["status"] == "ended"
