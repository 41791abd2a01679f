"""Rent is charged a week in advance: ending a tenancy inside a charged week, or before
weeks already charged, reverses the charges for the days after its last day. The
charges stay posted (the ledger is append-only); the balance is the sum of the entries,
and tenancy-ended carries the balance after the reversals."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from hypothesis import given
from hypothesis import strategies as st
from sqlmodel import col, select

from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from income.accounts.rules import charge_after_end, week_charge
from income.models import EntryKind, LedgerEntry
from income.rent_run.service import RentRun
from income.settings import IncomeSettings

MONDAY = date(2025, 4, 7)


def test_a_week_starting_after_the_last_day_is_reversed_whole() -> None:
    assert (
        charge_after_end(10_000, MONDAY + timedelta(weeks=1), MONDAY, MONDAY + timedelta(days=6))
        == 10_000
    )
    assert charge_after_end(10_000, MONDAY + timedelta(weeks=1), MONDAY, MONDAY) == 10_000


def test_a_week_ending_by_the_last_day_stays_whole() -> None:
    sunday = MONDAY + timedelta(days=6)
    assert charge_after_end(10_000, MONDAY, MONDAY, sunday) == 0
    assert charge_after_end(10_000, MONDAY, MONDAY, sunday + timedelta(days=30)) == 0


def test_the_week_it_ends_in_keeps_the_days_up_to_the_last_one() -> None:
    # Ends on Wednesday: Monday to Wednesday stay (3/7 of 10,000 = 4,285.7, kept 4,285).
    assert charge_after_end(10_000, MONDAY, MONDAY, MONDAY + timedelta(days=2)) == 5_715
    # Ends on Monday: one day stays.
    assert charge_after_end(7_000, MONDAY, MONDAY, MONDAY) == 6_000
    # Ends on Saturday: only Sunday goes.
    assert charge_after_end(7_000, MONDAY, MONDAY, MONDAY + timedelta(days=5)) == 1_000


def test_a_part_week_at_the_start_is_counted_from_the_start() -> None:
    # Started on Thursday (4 days charged), ended on Friday: Thursday and Friday stay.
    thursday = MONDAY + timedelta(days=3)
    charged = week_charge(7_000, thursday, MONDAY)
    assert charged == 4_000
    assert charge_after_end(charged, MONDAY, thursday, thursday + timedelta(days=1)) == 2_000


@given(
    weekly=st.integers(0, 10**7),
    start_offset=st.integers(-30, 6),
    end_offset=st.integers(-1, 20),
)
def test_what_stays_is_never_more_than_the_days_kept_cost_and_never_negative(
    weekly: int, start_offset: int, end_offset: int
) -> None:
    started_on = MONDAY + timedelta(days=start_offset)
    ended_on = max(started_on, MONDAY + timedelta(days=end_offset))
    charged = week_charge(weekly, started_on, MONDAY)
    reversed_ = charge_after_end(charged, MONDAY, started_on, ended_on)
    kept = charged - reversed_
    assert 0 <= reversed_ <= charged
    # What stays is at most what the days from the start (or Monday) to the end cost.
    days_kept = max(0, min((ended_on - max(started_on, MONDAY)).days + 1, 7))
    assert kept <= weekly * days_kept // 7 + 1
    if ended_on >= MONDAY + timedelta(days=6):
        assert reversed_ == 0
    if ended_on < MONDAY:
        assert kept == 0
    # A later last day never reverses more.
    later = charge_after_end(charged, MONDAY, started_on, ended_on + timedelta(days=1))
    assert later <= reversed_


async def charge(db: Database, week: date) -> None:
    run = RentRun(IncomeSettings())
    while True:
        async with db.sessionmaker() as session, session.begin():
            if await run.charge_batch(session, week, datetime.now(UTC)) == 0:
                return


async def entries(db: Database, account_id: str) -> list[LedgerEntry]:
    async with db.sessionmaker() as session:
        found = await session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.account_id == uuid.UUID(account_id))
            .order_by(col(LedgerEntry.posted_at), col(LedgerEntry.kind))
        )
        return list(found.all())


async def test_ending_mid_week_reverses_the_days_after_and_the_weeks_charged_ahead(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy(
        start_date=str(MONDAY), weekly_rent_pence=7_000, weekly_service_charge_pence=1_400
    )
    account = tenancy["rent_account_id"]
    for week in range(4):  # weeks 0 to 3 charged, the last two ahead of the end
        await charge(income_database, MONDAY + timedelta(weeks=week))
    before = {e.id: e.amount_pence for e in await entries(income_database, account)}
    assert sum(before.values()) == 4 * 8_400
    paid = await income.post(
        f"/v1/rent-accounts/{account}/payments",
        json={
            "amount_pence": 5_000,
            "method": "card",
            "received_on": str(MONDAY + timedelta(days=3)),
        },
    )
    assert paid.status_code == 201, paid.text

    last_day = MONDAY + timedelta(weeks=1, days=2)  # Wednesday of week 1
    ended = await income.post(
        f"/v1/tenancies/{tenancy['id']}/end",
        json={"end_date": str(last_day), "reason": "notice_given"},
    )
    assert ended.status_code == 200, ended.text

    after = await entries(income_database, account)
    # Nothing posted changed; reversals were added.
    assert {e.id: e.amount_pence for e in after if e.id in before} == before
    reversals = [e for e in after if e.kind is EntryKind.REVERSAL]
    assert all(e.reason == "days_after_tenancy_ended" for e in reversals)
    by_charge = {e.reverses_entry_id: -e.amount_pence for e in reversals if e.reverses_entry_id}
    charges = {e.id: e for e in after if e.kind in (EntryKind.RENT, EntryKind.SERVICE_CHARGE)}
    assert {
        (charges[i].charge_week, charges[i].kind): amount for i, amount in by_charge.items()
    } == {
        (MONDAY + timedelta(weeks=1), EntryKind.RENT): 4_000,  # Thursday to Sunday
        (MONDAY + timedelta(weeks=1), EntryKind.SERVICE_CHARGE): 800,
        (MONDAY + timedelta(weeks=2), EntryKind.RENT): 7_000,
        (MONDAY + timedelta(weeks=2), EntryKind.SERVICE_CHARGE): 1_400,
        (MONDAY + timedelta(weeks=3), EntryKind.RENT): 7_000,
        (MONDAY + timedelta(weeks=3), EntryKind.SERVICE_CHARGE): 1_400,
    }
    owed = 8_400 + 3_000 + 600 - 5_000  # week 0, Monday to Wednesday of week 1, less paid
    account_now = (await income.get(f"/v1/rent-accounts/{account}")).json()
    assert account_now["balance_pence"] == owed == sum(e.amount_pence for e in after)
    summary = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    assert summary["former_tenant_arrears_pence"] == owed
    async with income_database.sessionmaker() as session:
        [payload] = (
            await session.scalars(
                select(outbox_message.c.payload).where(
                    outbox_message.c.message_key == tenancy["uprn"],
                    outbox_message.c.event_type == "uk.hearth.income.tenancy-ended.v1",
                )
            )
        ).all()
    assert json.loads(payload)["closing_balance_pence"] == owed

    # The charges for those days are reversed once: a manual reversal is refused, and
    # the rent run charges an ended tenancy nothing more.
    week_2_rent = next(
        i
        for i, e in charges.items()
        if e.charge_week == MONDAY + timedelta(weeks=2) and e.kind is EntryKind.RENT
    )
    again = await income.post(
        f"/v1/rent-accounts/{account}/entries/{week_2_rent}/reversal",
        json={"reason": "posted_in_error"},
    )
    assert again.status_code == 409
    await charge(income_database, MONDAY + timedelta(weeks=4))
    assert len(await entries(income_database, account)) == len(after)


async def test_ending_on_a_sunday_after_the_last_charged_week_reverses_nothing(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy(start_date=str(MONDAY), weekly_rent_pence=7_000)
    account = tenancy["rent_account_id"]
    await charge(income_database, MONDAY)
    ended = await income.post(
        f"/v1/tenancies/{tenancy['id']}/end",
        json={"end_date": str(MONDAY + timedelta(days=6)), "reason": "transfer"},
    )
    assert ended.status_code == 200, ended.text
    assert [e.kind for e in await entries(income_database, account)] == [EntryKind.RENT]
    assert (await income.get(f"/v1/rent-accounts/{account}")).json()["balance_pence"] == 7_000
