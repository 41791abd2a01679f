"""The income figures on a database of their own: the collection rate counts payments
on rent accounts only, each side net of reversals, and an arrangement whose tenancy
ended owing is closed with it and no longer counted as kept."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from income.models import Arrangement
from services.income.tests.accounts.test_recharges_paid import raise_recharge
from services.income.tests.test_recovery import an_arrangement, charge


def measure(figures: dict[str, Any], code: str) -> dict[str, Any]:
    (found,) = [m for m in figures["measures"] if m["code"] == code]
    return found


async def test_collection_counts_rent_payments_net_of_reversals_and_ended_arrangements_are_not_kept(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    today = london_day(datetime.now(UTC))
    # Three weeks from a Monday eight weeks or more before the day the test runs (a fixed
    # January would put the period asked for, to today, over the figures' five years).
    eight_weeks_ago = today - timedelta(days=56)
    monday = eight_weeks_ago - timedelta(days=eight_weeks_ago.weekday())
    paying = await start_tenancy(start_date=monday.isoformat())
    leaving = await start_tenancy(start_date=monday.isoformat())
    for week in (monday, monday + timedelta(days=7), monday + timedelta(days=14)):
        await charge(income_database, week)  # 3 x 10,000 on each rent account
    rent = f"/v1/rent-accounts/{paying['rent_account_id']}"
    for amount, day in ((10_000, 15), (5_000, 16)):  # the third week's Tuesday, Wednesday
        paid = await income.post(
            f"{rent}/payments",
            json={
                "amount_pence": amount,
                "method": "direct_debit",
                "received_on": (monday + timedelta(days=day)).isoformat(),
            },
        )
        assert paid.status_code == 201, paid.text
    returned = await income.post(
        f"{rent}/entries/{paid.json()['entry']['id']}/reversal",
        json={"reason": "direct_debit_returned"},
    )
    assert returned.status_code == 201, returned.text
    # A recharge paid on the sundry account is not rent collected.
    await raise_recharge(
        income_database,
        paying["uprn"],
        3_000,
        datetime.combine(monday + timedelta(days=1), time(), tzinfo=UTC),
    )
    sundry = (await income.get(f"/v1/tenancies/{paying['id']}")).json()["sundry_account_id"]
    assert (
        await income.post(
            f"/v1/rent-accounts/{sundry}/payments",
            json={
                "amount_pence": 3_000,
                "method": "card",
                "received_on": (monday + timedelta(days=17)).isoformat(),
            },
        )
    ).status_code == 201
    # An arrangement, then the tenancy ends owing: the arrangement ends with it.
    made = await an_arrangement(income, leaving["rent_account_id"], today)
    ended = await income.post(
        f"/v1/tenancies/{leaving['id']}/end",
        json={"end_date": (monday + timedelta(days=16)).isoformat(), "reason": "transfer"},
    )
    assert ended.status_code == 200, ended.text
    async with income_database.sessionmaker() as session:
        arrangement = await session.get(Arrangement, uuid.UUID(made["id"]))
        assert arrangement is not None
        assert (arrangement.status.value, arrangement.ended_at is not None) == (
            "tenancy_ended",
            True,
        )
        assert (await session.scalars(select(Arrangement.status))).all() == [arrangement.status]

    figures = await income.get(
        "/v1/income/figures",
        params={"from": (monday - timedelta(days=4)).isoformat(), "to": today.isoformat()},
    )
    assert figures.status_code == 200, figures.text
    collection = measure(figures.json(), "income.collection_rate")
    # 60,000 charged less the 5,715 reversed for the 4 days after the leaving tenancy's
    # last day (10,000 x 3 // 7 kept); 10,000 collected (the returned 5,000 and the
    # recharge's 3,000 not).
    assert (collection["numerator"], collection["denominator"]) == (10_000, 54_285)
    kept = measure(figures.json(), "income.arrangements_kept")
    assert (kept["numerator"], kept["denominator"]) == (0, 1)
