"""An arrangement is kept by paying its instalments: the rent charged for the week
under way is due during that week, not arrears (as everywhere else in income), so a
new week's charge on Monday, larger than the week the arrangement was agreed in (after a
rent-free week, or the April rent change), never breaks it before the tenant has had
the week to pay."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import httpx
from sqlalchemy import select

from hearth_contracts.events.income import InstalmentFrequency
from hearth_kit.db import Database
from income.models import Arrangement, ArrangementStatus
from income.rent_run.service import RentRun
from income.settings import IncomeSettings
from services.income.tests.test_recovery import events, make_due, run_ladder

RENT_FREE = date(2026, 3, 16)


async def charge(db: Database, *weeks: date) -> None:
    run = RentRun(IncomeSettings(rent_free_weeks=[RENT_FREE]))
    for week in weeks:
        async with db.sessionmaker() as session, session.begin():
            await run.charge_batch(session, week, datetime.now(UTC))


async def an_active_arrangement(
    db: Database,
    account_id: str,
    tenancy_id: str,
    *,
    first_instalment_on: date,
    arrears_pence: int,
    review_on: date,
    made_at: datetime,
) -> uuid.UUID:
    """Stored as made: 5,000 a week from 30,000 of income and 20,000 of spending, for
    the arrears (the balance at the start) given."""
    arrangement_id = uuid.uuid4()
    async with db.sessionmaker() as session, session.begin():
        session.add(
            Arrangement(
                id=arrangement_id,
                account_id=uuid.UUID(account_id),
                tenancy_id=uuid.UUID(tenancy_id),
                status=ArrangementStatus.ACTIVE,
                weekly_income_pence=30_000,
                weekly_expenditure_pence=20_000,
                instalment_pence=5_000,
                frequency=InstalmentFrequency.WEEKLY,
                first_instalment_on=first_instalment_on,
                arrears_pence=arrears_pence,
                review_on=review_on,
                made_at=made_at,
                balance_at_start_pence=arrears_pence,
            )
        )
    return arrangement_id


async def test_the_charge_of_the_week_after_a_rent_free_week_does_not_break_an_arrangement(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy(start_date="2026-03-02")
    account = tenancy["rent_account_id"]
    await charge(income_database, date(2026, 3, 2), date(2026, 3, 9), RENT_FREE)
    # Agreed on Tuesday of the rent-free week: 20,000 pence of arrears, 5,000 a week
    # from Monday 23 March.
    arrangement_id = await an_active_arrangement(
        income_database,
        account,
        tenancy["id"],
        first_instalment_on=date(2026, 3, 23),
        arrears_pence=20_000,
        review_on=date(2026, 6, 17),
        made_at=datetime(2026, 3, 17, 12, tzinfo=UTC),
    )
    await charge(income_database, date(2026, 3, 23))
    # The first instalment and that week's rent, paid on the day they fell due.
    paid = await income.post(
        f"/v1/rent-accounts/{account}/payments",
        json={"amount_pence": 15_000, "method": "card", "received_on": "2026-03-23"},
    )
    assert paid.status_code == 201, paid.text
    await charge(income_database, date(2026, 3, 30))
    # Monday 30 March, just after midnight in London: the new week's rent is charged
    # and not yet paid, the second instalment falls due today.
    await make_due(income_database, account)
    await run_ladder(income_database, datetime(2026, 3, 29, 23, 5, tzinfo=UTC))
    async with income_database.sessionmaker() as session:
        kept = await session.scalar(select(Arrangement).where(Arrangement.id == arrangement_id))
    assert kept is not None
    assert (kept.status, kept.missed_instalment_on) == (ArrangementStatus.ACTIVE, None)
    assert await events(income_database, tenancy["uprn"], "arrangement-broken") == []
    # The second instalment unpaid when its 3 days' grace are over: that breaks it.
    await make_due(income_database, account)
    await run_ladder(income_database, datetime(2026, 4, 3, 12, tzinfo=UTC))
    (broken,) = await events(income_database, tenancy["uprn"], "arrangement-broken")
    assert broken["missed_instalment_on"] == "2026-03-30"
    # arrears as everywhere: the balance (25,000) less the week under way's 10,000
    assert broken["arrears_pence"] == 15_000


async def test_arrears_cleared_complete_an_arrangement_whatever_the_week_under_way_owes(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    """Arrears are what is owed beyond the week under way (as everywhere in income), and
    arrears cleared complete an arrangement: the tenant who paid off its 20,000 on a
    Tuesday, this week's rent still to pay by Sunday, has nothing left to arrange.
    Completed, it holds the ladder no more: a week's rent then left unpaid is new
    arrears, and letter 1 goes at 10 pounds (was: the arrangement stayed live until the
    balance was 0, so it went on holding recovery, `arrangement_kept`, while the tenant
    ran up new arrears within its instalments' slack)."""
    tenancy = await start_tenancy(start_date="2026-01-05")
    account = tenancy["rent_account_id"]
    plain = RentRun(IncomeSettings())
    for week in (date(2026, 4, 6), date(2026, 4, 13)):
        async with income_database.sessionmaker() as session, session.begin():
            await plain.charge_batch(session, week, datetime.now(UTC))
    arrangement_id = await an_active_arrangement(
        income_database,
        account,
        tenancy["id"],
        first_instalment_on=date(2026, 4, 20),
        arrears_pence=20_000,
        review_on=date(2026, 7, 14),
        made_at=datetime(2026, 4, 14, 12, tzinfo=UTC),
    )
    async with income_database.sessionmaker() as session, session.begin():
        await plain.charge_batch(session, date(2026, 4, 20), datetime.now(UTC))
    paid = await income.post(
        f"/v1/rent-accounts/{account}/payments",
        json={"amount_pence": 20_000, "method": "card", "received_on": "2026-04-21"},
    )
    assert paid.status_code == 201, paid.text
    await make_due(income_database, account)
    await run_ladder(income_database, datetime(2026, 4, 22, 12, tzinfo=UTC))
    async with income_database.sessionmaker() as session:
        status = await session.scalar(
            select(Arrangement.status).where(Arrangement.id == arrangement_id)
        )
    assert status is ArrangementStatus.COMPLETED

    # The week from 20 April left unpaid: 10,000 of new arrears a week on.
    async with income_database.sessionmaker() as session, session.begin():
        await plain.charge_batch(session, date(2026, 4, 27), datetime.now(UTC))
    await make_due(income_database, account)
    await run_ladder(income_database, datetime(2026, 4, 28, 12, tzinfo=UTC))
    changed = await events(income_database, tenancy["uprn"], "arrears-stage-changed")
    assert [(e["stage"], e["arrears_pence"]) for e in changed] == [("letter_1", 10_000)]
    assert await events(income_database, tenancy["uprn"], "arrangement-broken") == []
