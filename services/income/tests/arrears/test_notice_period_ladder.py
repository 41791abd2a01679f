"""ADR 0202 through the ladder job on the real database: an arrangement broken days
after the notice of seeking possession brings the court warning forward (ADR 0201), and
the court application followed 14 days after the warning, about 20 days after the
notice, where a secure tenancy's notice names a date at least 28 days on and
proceedings begin only after it. The application now waits for the 29th day."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
from sqlalchemy import update

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from income.models import ArrearsCase
from services.income.tests.test_recovery import (
    an_arrangement,
    charge,
    events,
    make_due,
    run_ladder,
)


async def test_a_broken_arrangement_at_the_notice_applies_to_court_only_after_its_date(
    income: httpx.AsyncClient, income_database: Database, start_tenancy: Any
) -> None:
    tenancy = await start_tenancy(start_date="2026-01-05", tenancy_type="secure")
    account = tenancy["rent_account_id"]
    for n in range(6):
        await charge(income_database, date(2026, 1, 5) + timedelta(weeks=n))
    # Noon UTC is on the same London day all year, so the days between are exact.
    now = datetime.combine(datetime.now(UTC).date(), time(12), UTC)
    served = now - timedelta(days=1)
    done = now - timedelta(days=2)
    async with income_database.sessionmaker() as session, session.begin():
        await session.execute(
            update(ArrearsCase)
            .where(ArrearsCase.account_id == uuid.UUID(account))
            .values(
                stage="notice_of_seeking_possession",
                letter_1_at=now - timedelta(days=60),
                letter_2_at=now - timedelta(days=30),
                nosp_served_at=served,
                tenant_contacted_at=done,
                arrangement_offered_at=done,
                statements_given_at=done,
                benefit_issues_pursued_at=done,
                vulnerability_considered_at=done,
            )
        )
    await an_arrangement(income, account, london_day(now))

    async def look(days_after_notice: int) -> list[tuple[str, str]]:
        await make_due(income_database, account)
        await run_ladder(income_database, served + timedelta(days=days_after_notice))
        changed = await events(income_database, tenancy["uprn"], "arrears-stage-changed")
        return [(e["stage"], e["reason"]) for e in changed]

    resumed = "arrangement_broken_resumed_at_next_step"
    # The first instalment unpaid after the 3 days' grace: the warning at once.
    assert await look(6) == [("court_warning", resumed)]
    # 14 days after the warning, 20 after the notice: no application (was: made then).
    assert await look(20) == [("court_warning", resumed)]
    assert await look(28) == [("court_warning", resumed)]
    case = (await income.get(f"/v1/rent-accounts/{account}/arrears-case")).json()
    assert case["stage"] == "court_warning"
    changed = await look(29)
    assert [stage for stage, _ in changed] == ["court_warning", "court_application"]
