"""Make safe "within 24 hours" is met at exactly 24 hours, as a repair emergency made
safe at its target moment is on time (work_orders.rules.completed_on_time): the stop,
the clock's `met` and `breached`, the breach job and the figures all agree, while a
working-day clock is still late from its first late moment."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, select

from hearth_contracts.events.visits import HazardSeverity
from hearth_kit.db import Database
from hearth_kit.scheduler import ScheduledJob, run_until_done
from hearth_kit.tables import outbox_message
from hearth_kit.working_days import ENGLAND_AND_WALES
from repairs.awaab.rules import before_the_law
from repairs.awaab.service import AwaabService
from repairs.settings import AwaabTargets
from services.repairs.tests.conftest import a_case_from_before_the_law
from services.repairs.tests.contractor_doubles import manager

BREACHED = "uk.hearth.repairs.hazard-deadline-breached.v1"


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


def breach_job() -> ScheduledJob:
    service = AwaabService(AwaabTargets(), ENGLAND_AND_WALES)
    return ScheduledJob("awaab-deadline-breaches", timedelta(minutes=1), service.raise_breaches)


async def breaches(db: Database, uprn: str) -> int:
    async with db.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).where(
                outbox_message.c.message_key == uprn, outbox_message.c.event_type == BREACHED
            )
        )
    return int(count or 0)


async def open_case(
    staff: httpx.AsyncClient,
    uprn: str,
    severity: str,
    aware: datetime,
    db: Database | None = None,
) -> str:
    """A case opened by a manager (from before the law, on `db`:
    conftest.a_case_from_before_the_law)."""
    if db is not None and before_the_law(aware):
        return await a_case_from_before_the_law(db, uprn, HazardSeverity(severity), aware)
    response = await staff.post(
        "/v1/awaab-cases",
        json={"uprn": uprn, "severity": severity, "became_aware_at": aware.isoformat()},
        auth=manager(),
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def test_made_safe_at_exactly_24_hours_met_its_deadline_and_raises_no_breach(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    aware = datetime(2025, 11, 3, 9, 0, tzinfo=UTC)
    case_id = await open_case(staff, uprn, "emergency", aware)
    stopped = await staff.post(
        f"/v1/awaab-cases/{case_id}/clocks/make_safe/stop",
        json={"at": "2025-11-04T09:00:00+00:00", "evidence": ["made-safe/1.jpg"]},
        auth=manager(),
    )
    assert stopped.status_code == 200, stopped.text
    [clock] = stopped.json()["clocks"]
    assert clock["due_at"] == "2025-11-04T09:00:00Z"
    assert (clock["met"], clock["breached"]) == (True, False)
    assert await breaches(repairs_database, uprn) == 0

    figures = await staff.get(
        "/v1/repairs/figures", params={"from": "2025-11-04", "to": "2025-11-04"}
    )
    assert figures.status_code == 200, figures.text
    by_clock = {
        m["code"]: m["numerator"] for m in figures.json()["breakdowns"]["awaab_breached_by_clock"]
    }
    assert by_clock["repairs.awaab_breached.make_safe"] == 0


async def test_the_breach_job_raises_make_safe_after_24_hours_and_a_working_day_clock_when_late(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    emergency, significant = a_uprn(), a_uprn()
    aware = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)  # a Monday, GMT
    await open_case(staff, emergency, "emergency", aware)
    await open_case(staff, significant, "significant", aware)

    make_safe_due = aware + timedelta(hours=24)
    await run_until_done(repairs_database, breach_job(), make_safe_due)
    assert await breaches(repairs_database, emergency) == 0
    await run_until_done(repairs_database, breach_job(), make_safe_due + timedelta(microseconds=1))
    assert await breaches(repairs_database, emergency) == 1

    # 10 working days from Mon 1 Dec: 2 to 5, 8 to 12, 15 Dec; late from Tue 16 Dec 00:00.
    investigate_late = datetime(2025, 12, 16, 0, 0, tzinfo=UTC)
    await run_until_done(
        repairs_database, breach_job(), investigate_late - timedelta(microseconds=1)
    )
    assert await breaches(repairs_database, significant) == 0
    await run_until_done(repairs_database, breach_job(), investigate_late)
    assert await breaches(repairs_database, significant) == 1
