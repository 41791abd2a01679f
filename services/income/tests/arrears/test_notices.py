"""Every notice of seeking possession the ladder serves is kept, a row each: the case
shows them all, oldest first, with the day each stays live; `nosp_served_at` is the
latest. A second notice no longer overwrites the first."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from income.arrears.rules import nosp_live_until
from income.models import ArrearsCase
from income.settings import IncomeSettings
from services.income.tests.arrears.test_personal_contact_cleared import charge, run_ladder


async def at_letter_2(db: Database, account: str, now: datetime) -> None:
    """The case at letter 2, sent 10 days ago: a notice is due at 4 weeks of rent."""
    async with db.sessionmaker() as session, session.begin():
        await session.execute(
            update(ArrearsCase)
            .where(ArrearsCase.account_id == uuid.UUID(account))
            .values(
                stage="letter_2",
                letter_2_at=now - timedelta(days=10),
                next_check_at=now - timedelta(days=1),
            )
        )


async def test_each_notice_served_is_kept_and_the_case_shows_them_all(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    account = (await start_tenancy(start_date="2026-01-05"))["rent_account_id"]
    for n in range(6):  # 6 weeks of 10,000 pence owed: over 4 weeks of rent
        await charge(income_database, date(2026, 1, 5) + timedelta(weeks=n))
    first_at = datetime.now(UTC)
    await at_letter_2(income_database, account, first_at)
    await run_ladder(income_database, first_at)
    second_at = first_at + timedelta(seconds=1)
    await at_letter_2(income_database, account, second_at)  # served again, as after expiry
    await run_ladder(income_database, second_at)
    case = (await income.get(f"/v1/rent-accounts/{account}/arrears-case")).json()
    assert case["stage"] == "notice_of_seeking_possession"
    notices = case["notices"]
    assert [datetime.fromisoformat(n["served_at"]) for n in notices] == [first_at, second_at]
    assert datetime.fromisoformat(case["nosp_served_at"]) == second_at
    until = nosp_live_until(first_at, IncomeSettings().ladder)
    assert [n["live_until"] for n in notices] == [until.isoformat()] * 2
    assert all(n["live"] for n in notices)
    assert until > london_day(first_at)
