"""ADR 0112: a tenancy recorded with its start in the past, at most `backdated_charge_weeks`
back (4 by default), is charged the rent weeks from its start to the current one when it
is recorded. The rent run only charges the current week, so a tenancy signed on Monday
and typed in on Wednesday after the run, or a week late, owed the weeks before and was
never charged them unless someone ran `hearth rent-run --week` for each. An older start
(a go-live load, balances brought forward elsewhere) is not charged back. The charges
are the rent run's own (its unique key per account and week), rent-free weeks charge
nothing, and the arrears they make get a personal first contact, never a letter on the
day the tenancy is recorded."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select
from sqlmodel import col

from hearth_contracts.events.income import ArrearsStage
from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from income.accounts.repository import balance
from income.accounts.rules import weeks_charged_back
from income.arrears.service import ArrearsService
from income.models import ArrearsCase, LedgerEntry
from income.rent_run.service import RentRun
from income.settings import ArrearsLadder, IncomeSettings
from income.tenancies.schemas import TenancyPublic
from income.tenancies.service import tenancy_service
from services.income.tests.conftest import events_of, new_tenancy

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
"""Midday in London on Tuesday 1 December 2026: the rent week from Monday 30 November."""
WEEK = date(2026, 11, 30)
STARTED = "uk.hearth.income.tenancy-started.v2"
CHARGED = "uk.hearth.income.rent-charged.v1"


async def record(db: Database, start_date: date, **charge_back: Any) -> TenancyPublic:
    async with db.sessionmaker() as session, session.begin():
        return await tenancy_service.start(session, new_tenancy(start_date), NOW, **charge_back)


async def charges_of(db: Database, account_id: uuid.UUID) -> list[tuple[date | None, str, int]]:
    async with db.sessionmaker() as session:
        entries = await session.scalars(
            select(LedgerEntry)
            .where(col(LedgerEntry.account_id) == account_id)
            .order_by(col(LedgerEntry.charge_week), col(LedgerEntry.kind))
        )
        return [(e.charge_week, e.kind.value, e.amount_pence) for e in entries]


async def run_the_rent_run(db: Database, week: date, settings: IncomeSettings) -> None:
    """`hearth rent-run --week`, as the command runs it."""
    run = RentRun(settings)
    while True:
        async with db.sessionmaker() as session, session.begin():
            if await run.charge_batch(session, week, NOW) == 0:
                return


def test_the_weeks_charged_back_from_a_start_in_the_window() -> None:
    today = date(2026, 12, 1)
    assert weeks_charged_back(date(2026, 11, 30), today, 4, []) == [WEEK]
    assert weeks_charged_back(date(2026, 11, 3), today, 4, [date(2026, 11, 16)]) == [
        date(2026, 11, 2),
        date(2026, 11, 9),
        date(2026, 11, 23),
        WEEK,
    ]
    assert weeks_charged_back(date(2026, 11, 2), today, 4, []) == []  # a day too far back
    assert weeks_charged_back(today, today, 4, []) == []  # the rent run charges it
    assert weeks_charged_back(date(2026, 12, 7), today, 4, []) == []
    assert weeks_charged_back(date(2026, 11, 30), today, 0, []) == []  # turned off


async def test_a_tenancy_typed_in_after_the_rent_run_is_charged_its_week_once(
    income_database: Database,
) -> None:
    """Signed on Monday, typed in on Tuesday after the week's run: it owes the week, and
    the run (scheduled or `--week`) charges it no second time."""
    tenancy = await record(income_database, WEEK)
    assert tenancy.backdated_weeks_charged == 1
    assert tenancy.rent_account_id is not None
    assert await charges_of(income_database, tenancy.rent_account_id) == [
        (WEEK, "rent", 7_000),
        (WEEK, "service_charge", 1_400),
    ]
    await run_the_rent_run(income_database, WEEK, IncomeSettings())
    assert len(await charges_of(income_database, tenancy.rent_account_id)) == 2
    events = await events_of(income_database, tenancy.uprn)
    assert [t for t, _ in events] == [STARTED, CHARGED]
    assert events[1][1]["week_starting"] == "2026-11-30"
    assert events[1][1]["balance_pence"] == 8_400


async def test_a_week_late_is_charged_from_its_start_less_the_rent_free_weeks(
    income_database: Database,
) -> None:
    """Started on Thursday 19 November, typed in on 1 December, the week from 23 November
    rent-free: the four days of its first week and the current week are charged."""
    free = [date(2026, 11, 23)]
    tenancy = await record(income_database, date(2026, 11, 19), rent_free_weeks=free)
    assert tenancy.backdated_weeks_charged == 2
    assert tenancy.rent_account_id is not None
    charged = [
        (date(2026, 11, 16), "rent", 4_000),
        (date(2026, 11, 16), "service_charge", 800),
        (WEEK, "rent", 7_000),
        (WEEK, "service_charge", 1_400),
    ]
    assert await charges_of(income_database, tenancy.rent_account_id) == charged
    settings = IncomeSettings(rent_free_weeks=free)
    for week in (date(2026, 11, 16), date(2026, 11, 23), WEEK):
        await run_the_rent_run(income_database, week, settings)
    assert await charges_of(income_database, tenancy.rent_account_id) == charged
    events = await events_of(income_database, tenancy.uprn)
    assert [(t, p.get("week_starting"), p.get("balance_pence")) for t, p in events] == [
        (STARTED, None, None),
        (CHARGED, "2026-11-16", 4_800),
        (CHARGED, "2026-11-30", 13_200),
    ]


async def test_an_older_start_is_not_charged_back_nor_any_with_the_window_at_0(
    income_database: Database,
) -> None:
    """A go-live load (a start more than four weeks back) brings its balance forward
    elsewhere; with `backdated_charge_weeks` 0 nothing is charged back at all."""
    for tenancy in (
        await record(income_database, date(2026, 11, 2)),
        await record(income_database, WEEK, backdated_charge_weeks=0),
    ):
        assert tenancy.backdated_weeks_charged == 0
        assert tenancy.rent_account_id is not None
        assert await charges_of(income_database, tenancy.rent_account_id) == []
        assert [t for t, _ in await events_of(income_database, tenancy.uprn)] == [STARTED]
    at_the_edge = await record(income_database, date(2026, 11, 3))
    assert at_the_edge.backdated_weeks_charged == 5


async def look_at(
    db: Database, tenancy: TenancyPublic, ladder: ArrearsLadder, now: datetime
) -> ArrearsCase:
    """The ladder job's look at the tenancy's case (made due), as it stands after."""
    async with db.sessionmaker() as session, session.begin():
        case = await session.get(ArrearsCase, tenancy.rent_account_id)
        assert case is not None
        case.next_check_at = now - timedelta(minutes=1)
    async with db.sessionmaker() as session, session.begin():
        await ArrearsService(IncomeSettings(ladder=ladder)).run_ladder(session, now)
    async with db.sessionmaker() as session:
        found = await session.get(ArrearsCase, tenancy.rent_account_id)
        assert found is not None
        return found


async def test_the_weeks_charged_back_get_a_personal_contact_not_a_letter(
    income_database: Database,
) -> None:
    """Four weeks back, four weeks' rent is in arrears the day it is recorded: within the
    new-tenancy watch, a personal-contact task. A watch shorter than the weeks charged
    back runs from the day it was recorded (a letter 1 before: the watch had run out
    from the start); with the watch turned off, nothing goes that day, and the ladder's
    letter the next."""
    for ladder in (ArrearsLadder(), ArrearsLadder(new_tenancy_watch_weeks=2)):
        tenancy = await record(income_database, date(2026, 11, 3))
        async with income_database.sessionmaker() as session:
            assert tenancy.rent_account_id is not None
            assert await balance(session, tenancy.rent_account_id) == 5 * 8_400 - 1_200
        case = await look_at(income_database, tenancy, ladder, NOW)
        assert (case.stage, case.personal_contact_needed_at) == (ArrearsStage.NONE, NOW)
        assert [t for t, _ in await events_of(income_database, tenancy.uprn)][-1] == CHARGED

    off = ArrearsLadder(new_tenancy_watch_weeks=0)
    tenancy = await record(income_database, date(2026, 11, 3))
    case = await look_at(income_database, tenancy, off, NOW)
    assert (case.stage, case.personal_contact_needed_at) == (ArrearsStage.NONE, None)
    case = await look_at(income_database, tenancy, off, NOW + timedelta(days=1))
    assert case.stage is ArrearsStage.LETTER_1


async def test_the_answer_says_how_many_weeks_were_charged_back(
    income: httpx.AsyncClient, income_database: Database
) -> None:
    """Through the API on the default window: a start a week ago is charged its week and
    the current one, shown on the answer, on a retry and on the tenancy."""
    start = london_day(datetime.now(UTC)) - timedelta(days=7)
    body = new_tenancy(start).model_dump(mode="json")
    headers = {"Idempotency-Key": f"backdated-{uuid.uuid4()}"}
    made = await income.post("/v1/tenancies", json=body, headers=headers)
    assert made.status_code == 201, made.text
    assert made.json()["backdated_weeks_charged"] == 2
    again = await income.post("/v1/tenancies", json=body, headers=headers)
    assert again.json() == made.json()
    shown = await income.get(f"/v1/tenancies/{made.json()['id']}")
    assert shown.json()["backdated_weeks_charged"] == 2
    listed = await income.get("/v1/tenancies", params={"uprn": body["uprn"]})
    assert listed.json()["items"][0]["backdated_weeks_charged"] == 2
    account = uuid.UUID(made.json()["rent_account_id"])
    assert len(await charges_of(income_database, account)) == 4
