"""POST /v1/tenancies/{id}/rent-change: a tenancy's rent and service charge change from
a rent week not yet charged; the run charges each week the rent in force that week; the
summary, the ladder's thresholds and the rent roll use the rent in force now."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlmodel import col

from hearth_contracts.events.income import ArrearsStage
from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from income.accounts.rules import rent_week_of
from income.arrears.service import ArrearsService
from income.figures.repository import weekly_rent_roll
from income.models import ArrearsCase, RentChange
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


@pytest.fixture
def this_week() -> date:
    return rent_week_of(london_day(datetime.now(UTC)))


def change(effective_from: date, rent: int = 12_000, service: int = 2_000) -> dict[str, Any]:
    return {
        "weekly_rent_pence": rent,
        "weekly_service_charge_pence": service,
        "effective_from": effective_from.isoformat(),
    }


async def test_each_week_is_charged_the_rent_in_force_that_week(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any, this_week: date
) -> None:
    first = this_week - timedelta(weeks=5)
    tenancy = await start_tenancy(
        start_date=first.isoformat(), weekly_rent_pence=10_000, weekly_service_charge_pence=1_500
    )
    account = tenancy["rent_account_id"]
    for n in range(3):
        await charge(income_database, first + timedelta(weeks=n))
    new_from = first + timedelta(weeks=3)
    made = await income.post(f"/v1/tenancies/{tenancy['id']}/rent-change", json=change(new_from))
    assert made.status_code == 201, made.text
    assert made.json()["effective_from"] == new_from.isoformat()
    assert made.json()["weekly_rent_pence"] == 12_000
    for n in range(3, 6):
        await charge(income_database, first + timedelta(weeks=n))
    lines = (
        await income.get(
            f"/v1/rent-accounts/{account}/statement",
            params={"from": first.isoformat(), "to": this_week.isoformat()},
        )
    ).json()["lines"]
    charged = [(line["effective_on"], line["kind"], line["debit_pence"]) for line in lines]
    assert charged == [
        (
            (first + timedelta(weeks=n)).isoformat(),
            kind,
            (10_000, 1_500)[k] if n < 3 else (12_000, 2_000)[k],
        )
        for n in range(6)
        for k, kind in enumerate(("rent", "service_charge"))
    ]
    summary = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    assert summary["weekly_charge_pence"] == 14_000
    assert summary["arrears_pence"] == 3 * 11_500 + 2 * 14_000
    assert summary["weeks_in_arrears"] == 4.4  # 62,500 / 14,000, rounded down


async def test_a_change_for_a_later_week_is_not_in_force_yet(
    income: httpx.AsyncClient, start_tenancy: Any, this_week: date
) -> None:
    tenancy = await start_tenancy(
        start_date=(this_week - timedelta(weeks=1)).isoformat(), weekly_rent_pence=10_000
    )
    made = await income.post(
        f"/v1/tenancies/{tenancy['id']}/rent-change",
        json=change(this_week + timedelta(weeks=4), rent=11_000, service=0),
    )
    assert made.status_code == 201, made.text
    summary = (await income.get(f"/v1/rent-accounts/{tenancy['rent_account_id']}/summary")).json()
    assert summary["weekly_charge_pence"] == 10_000


async def test_a_week_already_charged_is_not_changed(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any, this_week: date
) -> None:
    first = this_week - timedelta(weeks=3)
    tenancy = await start_tenancy(start_date=first.isoformat())
    await charge(income_database, first + timedelta(weeks=1))
    for week in (first, first + timedelta(weeks=1)):  # before, and at, the charged week
        refused = await income.post(f"/v1/tenancies/{tenancy['id']}/rent-change", json=change(week))
        assert refused.status_code == 409, refused.text
        assert refused.json()["errors"][0]["field"] == "effective_from"
    allowed = await income.post(
        f"/v1/tenancies/{tenancy['id']}/rent-change", json=change(first + timedelta(weeks=2))
    )
    assert allowed.status_code == 201, allowed.text


@pytest.mark.parametrize(
    ("effective_from", "why"),
    [(date(2026, 4, 7), "a tuesday"), (date(2026, 3, 30), "before the tenancy started")],
)
async def test_a_bad_effective_from_is_refused_naming_it(
    income: httpx.AsyncClient,
    income_database: Database,
    start_tenancy: Any,
    effective_from: date,
    why: str,
) -> None:
    tenancy = await start_tenancy(start_date="2026-04-06")
    refused = await income.post(
        f"/v1/tenancies/{tenancy['id']}/rent-change", json=change(effective_from)
    )
    assert refused.status_code == 422, why
    assert refused.json()["errors"][0]["field"] == "effective_from"
    assert await changes_of(income_database, tenancy["id"]) == 0


async def changes_of(db: Database, tenancy_id: str) -> int:
    async with db.sessionmaker() as session:
        query = select(func.count()).where(RentChange.tenancy_id == uuid.UUID(tenancy_id))
        return int((await session.execute(query)).scalar_one())


async def test_a_retry_with_the_same_key_gets_the_first_answer_and_the_same_week_again_replaces_it(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any, this_week: date
) -> None:
    tenancy = await start_tenancy(start_date=this_week.isoformat())
    url = f"/v1/tenancies/{tenancy['id']}/rent-change"
    april = this_week + timedelta(weeks=2)
    headers = {"Idempotency-Key": f"rent-change-{tenancy['id']}"}
    first = await income.post(url, json=change(april), headers=headers)
    again = await income.post(url, json=change(april), headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    corrected = await income.post(url, json=change(april, rent=12_500))
    assert corrected.status_code == 201
    assert corrected.json()["id"] == first.json()["id"]
    assert corrected.json()["weekly_rent_pence"] == 12_500
    assert await changes_of(income_database, tenancy["id"]) == 1


async def test_an_ended_or_unknown_tenancy_or_a_caller_without_income_write_is_refused(
    income: httpx.AsyncClient, start_tenancy: Any, this_week: date
) -> None:
    tenancy = await start_tenancy(start_date=(this_week - timedelta(weeks=1)).isoformat())
    url = f"/v1/tenancies/{tenancy['id']}/rent-change"
    body = change(this_week + timedelta(weeks=1))
    tenancies_only = InternalTokenAuth("income", scopes={"tenancies:write", "tenancies:read"})
    forbidden = await income.post(url, json=body, auth=tenancies_only)
    assert forbidden.status_code == 403
    assert forbidden.json()["missing_scopes"] == ["income:write"]
    unknown = await income.post(f"/v1/tenancies/{uuid.uuid4()}/rent-change", json=body)
    assert unknown.status_code == 404
    ended = await income.post(
        f"/v1/tenancies/{tenancy['id']}/end",
        json={"end_date": this_week.isoformat(), "reason": "notice_given"},
    )
    assert ended.status_code == 200, ended.text
    assert (await income.post(url, json=body)).status_code == 409


async def run_ladder(db: Database, now: datetime) -> None:
    service = ArrearsService(IncomeSettings())
    while True:
        async with db.sessionmaker() as session, session.begin():
            if await service.run_ladder(session, now) == 0:
                return


async def test_the_ladder_counts_weeks_of_the_rent_in_force_now(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any, this_week: date
) -> None:
    """5 weeks of the old rent owed: the notice's 4 weeks of gross rent at the old rent
    (40,000) but not at the rent in force now (60,000)."""
    first = this_week - timedelta(weeks=8)
    raised = await start_tenancy(start_date=first.isoformat(), weekly_rent_pence=10_000)
    kept = await start_tenancy(start_date=first.isoformat(), weekly_rent_pence=10_000)
    for n in range(5):
        await charge(income_database, first + timedelta(weeks=n))
    made = await income.post(
        f"/v1/tenancies/{raised['id']}/rent-change",
        json=change(first + timedelta(weeks=5), rent=15_000, service=0),
    )
    assert made.status_code == 201, made.text
    now = datetime.now(UTC)
    async with income_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(ArrearsCase)
            .where(
                col(ArrearsCase.account_id).in_(
                    [uuid.UUID(raised["rent_account_id"]), uuid.UUID(kept["rent_account_id"])]
                )
            )
            .values(
                stage=ArrearsStage.LETTER_2,
                letter_1_at=now - timedelta(days=30),
                letter_2_at=now - timedelta(days=8),
                next_check_at=now - timedelta(minutes=1),
            )
        )
    await run_ladder(income_database, now)
    stage_of = {
        name: (await income.get(f"/v1/rent-accounts/{t['rent_account_id']}/arrears-case")).json()[
            "stage"
        ]
        for name, t in (("raised", raised), ("kept", kept))
    }
    assert stage_of == {"raised": "letter_2", "kept": "notice_of_seeking_possession"}


async def test_the_rent_roll_counts_the_rent_in_force_now(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any, this_week: date
) -> None:
    # Begun before last week: in both weeks' rolls (a tenancy is in a week's roll from
    # the week it starts in, as the rent run charges it).
    tenancy = await start_tenancy(
        start_date=(this_week - timedelta(weeks=2)).isoformat(), weekly_rent_pence=10_000
    )
    async with income_database.sessionmaker() as session:
        before = await weekly_rent_roll(session, this_week)
        last_week = await weekly_rent_roll(session, this_week - timedelta(weeks=1))
    made = await income.post(
        f"/v1/tenancies/{tenancy['id']}/rent-change",
        json=change(this_week, rent=12_000, service=2_000),
    )
    assert made.status_code == 201, made.text
    async with income_database.sessionmaker() as session:
        assert await weekly_rent_roll(session, this_week) == before + 4_000
        assert await weekly_rent_roll(session, this_week - timedelta(weeks=1)) == last_week
