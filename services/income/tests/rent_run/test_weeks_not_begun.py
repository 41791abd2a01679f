"""The rent run charges the current rent week or an earlier one, never a week not yet
begun; which accounts a week still has to charge is read from the ledger, so a week
left uncharged is charged whenever it is run, even after later weeks; and what is owed
(summary, ladder) counts only entries effective by today."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from hearth_kit.db import Database
from hearth_kit.problems import Unprocessable
from hearth_kit.working_days import london_day
from income.accounts.rules import rent_week_of
from income.models import EntryKind, LedgerEntry
from income.rent_run.service import RentRun
from income.settings import IncomeSettings


async def charge(db: Database, week: date, now: datetime) -> int:
    run = RentRun(IncomeSettings())
    total = 0
    while True:
        async with db.sessionmaker() as session, session.begin():
            handled = await run.charge_batch(session, week, now)
        if handled == 0:
            return total
        total += handled


@pytest.fixture
def this_week() -> date:
    return rent_week_of(london_day(datetime.now(UTC)))


async def test_a_week_not_yet_begun_is_refused_naming_week_and_charges_nothing(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any, this_week: date
) -> None:
    tenancy = await start_tenancy(
        start_date=(this_week - timedelta(weeks=5)).isoformat(),
        weekly_rent_pence=10_000,
        weekly_service_charge_pence=1_500,
    )
    now = datetime.now(UTC)
    run = RentRun(IncomeSettings())
    for weeks_ahead in (1, 2):
        async with income_database.sessionmaker() as session:
            with pytest.raises(Unprocessable) as refused:
                await run.charge_batch(session, this_week + timedelta(weeks=weeks_ahead), now)
            assert refused.value.extensions["field"] == "week"
            with pytest.raises(Unprocessable):
                await run.to_charge(session, this_week + timedelta(weeks=weeks_ahead), now)
    statement = await income.get(
        f"/v1/rent-accounts/{tenancy['rent_account_id']}/statement",
        params={"from": this_week.isoformat(), "to": (this_week + timedelta(weeks=3)).isoformat()},
    )
    assert statement.json()["lines"] == []


async def test_a_week_left_uncharged_is_charged_after_later_weeks(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any, this_week: date
) -> None:
    first = this_week - timedelta(weeks=5)
    tenancy = await start_tenancy(
        start_date=first.isoformat(), weekly_rent_pence=10_000, weekly_service_charge_pence=1_500
    )
    account = tenancy["rent_account_id"]
    now = datetime.now(UTC)
    gap = first + timedelta(weeks=2)
    for n in range(6):
        week = first + timedelta(weeks=n)
        if week != gap:
            assert await charge(income_database, week, now) >= 1
    assert await charge(income_database, gap, now) >= 1  # not skipped for the later weeks
    summary = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    assert summary["balance_pence"] == 6 * 11_500
    assert summary["arrears_pence"] == 5 * 11_500
    assert await charge(income_database, gap, now) == 0  # still once a week


async def test_what_is_owed_leaves_out_a_charge_for_a_week_not_yet_begun(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any, this_week: date
) -> None:
    """A charge for a later week posted before weeks ahead were refused (or a correction
    dated ahead) is not owed yet: neither the summary's balance and arrears nor the
    ladder counts it."""
    first = this_week - timedelta(weeks=2)
    tenancy = await start_tenancy(
        start_date=first.isoformat(), weekly_rent_pence=10_000, weekly_service_charge_pence=1_500
    )
    account = tenancy["rent_account_id"]
    now = datetime.now(UTC)
    for n in range(3):
        await charge(income_database, first + timedelta(weeks=n), now)
    before = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    ahead = this_week + timedelta(weeks=2)
    async with income_database.sessionmaker() as session, session.begin():
        session.add(
            LedgerEntry(
                id=uuid.uuid4(),
                account_id=uuid.UUID(account),
                kind=EntryKind.RENT,
                amount_pence=11_500,
                effective_on=ahead,
                posted_at=now,
                charge_week=ahead,
            )
        )
    after = (await income.get(f"/v1/rent-accounts/{account}/summary")).json()
    assert (after["balance_pence"], after["arrears_pence"]) == (
        before["balance_pence"],
        before["arrears_pence"],
    )
    assert before["arrears_pence"] == 2 * 11_500
