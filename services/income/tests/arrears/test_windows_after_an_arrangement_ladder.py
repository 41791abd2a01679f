"""ADR 0219 through the ladder job on the real database: letter 2 sent, an arrangement
made and kept for months, then broken. The notice's 3 months after letter 2 count only
the days recovery was running, read from the arrangements stored on the account: kept
from 10 days after letter 2, the notice goes for the break; kept from 100 days after
it, letter 2 is sent again first (was: the notice either way, the window waived)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from income.models import Arrangement, ArrearsCase
from services.income.tests.test_recovery import (
    an_arrangement,
    charge,
    events,
    make_due,
    run_ladder,
)


@pytest.mark.parametrize(
    ("made_days_after_letter_2", "expected"),
    [
        (10, ("notice_of_seeking_possession", "arrangement_broken_resumed_at_next_step")),
        (100, ("letter_2", "letter_2_out_of_date_sent_again")),
    ],
)
async def test_a_break_months_after_letter_2_serves_the_notice_only_within_its_window(
    income: httpx.AsyncClient,
    income_database: Database,
    start_tenancy: Any,
    made_days_after_letter_2: int,
    expected: tuple[str, str],
) -> None:
    tenancy = await start_tenancy(start_date="2026-01-05")
    account = tenancy["rent_account_id"]
    for n in range(6):
        await charge(income_database, date(2026, 1, 5) + timedelta(weeks=n))
    # Noon UTC is on the same London day all year, so the days between are exact; of
    # London's today, which the API takes as today for the first instalment (the UTC
    # date is the day before from 23:00 UTC in summer: a first instalment in the past).
    now = datetime.combine(london_day(datetime.now(UTC)), time(12), UTC)
    letter_2_at = now - timedelta(days=200)
    async with income_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(ArrearsCase)
            .where(ArrearsCase.account_id == uuid.UUID(account))
            .values(
                stage="letter_2",
                letter_1_at=letter_2_at - timedelta(days=30),
                letter_2_at=letter_2_at,
            )
        )
    made = await an_arrangement(income, account, london_day(now))
    # Made that long after letter 2 (kept until now: its first instalment is today).
    async with income_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(Arrangement)
            .where(Arrangement.id == uuid.UUID(made["id"]))
            .values(made_at=letter_2_at + timedelta(days=made_days_after_letter_2))
        )
    await make_due(income_database, account)
    # The first instalment unpaid after its 3 days' grace: broken 205 days after letter
    # 2, the ladder running 10 of them, or 100.
    await run_ladder(income_database, now + timedelta(days=5))
    assert len(await events(income_database, tenancy["uprn"], "arrangement-broken")) == 1
    changed = await events(income_database, tenancy["uprn"], "arrears-stage-changed")
    assert [(e["stage"], e["reason"]) for e in changed] == [expected]
