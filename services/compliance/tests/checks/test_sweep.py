"""The daily sweep raises check-due at the lead time, certificate-expired at expiry and
the escalation past 3 months, each exactly once: across a restart in the middle of a
sweep, and with two replicas sweeping at the same moment."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

import httpx
import pytest
from sqlalchemy import select

from compliance import metrics
from compliance.checks import repository
from compliance.checks.service import ProgrammeService
from compliance.settings import Programme
from hearth_kit.db import Database
from hearth_kit.scheduler import ScheduledJob, run_batch, run_until_done
from hearth_kit.tables import outbox_message
from hearth_kit.working_days import london_day
from tests.harness.days import days_from_today

HEADER = (
    "uprn,address_line_1,town,postcode,property_type,heating_fuel,gas_supply,"
    "gas_certificate_expires_on,electrical_certificate_expires_on"
)

OFFSETS = {"due": 30, "expired": -10, "escalated": -120, "later": 200}
"""Days from the sweep's day to each home's gas certificate expiry."""


def sweep_moment() -> datetime:
    """When the tests sweep: 09:00 UTC half a year from the day they run. Not a fixed
    day: the homes' expiries are days from it, and the register refuses an expiry
    further back than its history or further ahead than a certificate held today can
    run to (ADR 0070), so a fixed one would be refused on a later day."""
    return datetime.combine(days_from_today(182), time(9), tzinfo=UTC)


def sweep_job(batch: int) -> ScheduledJob:
    service = ProgrammeService(Programme(sweep_batch_size=batch))
    return ScheduledJob("compliance-sweep", timedelta(days=1), service.sweep)


def eicr_expiry() -> str:
    """The homes' EICR expiry: four years from the day the test runs, out of reach of
    every sweep here (a fixed one would come within the lead time of a sweep on a
    later day, and add its events to the gas check's)."""
    return days_from_today(4 * 365).isoformat()


async def stock(compliance: httpx.AsyncClient, per_kind: int, today: date) -> dict[str, str]:
    """Homes whose gas certificates expire at each offset from `today`: {uprn: kind}."""
    homes: dict[str, str] = {}
    lines = [HEADER]
    for kind, offset in OFFSETS.items():
        for _ in range(per_kind):
            uprn = str(random.randint(10**9, 10**12 - 1))
            homes[uprn] = kind
            expiry = (today + timedelta(days=offset)).isoformat()
            lines.append(f"{uprn},1 Kay Road,London,E8 1DY,flat,gas,live,{expiry},{eicr_expiry()}")
    response = await compliance.post(
        "/v1/homes/import",
        content=("\n".join(lines) + "\n").encode(),
        headers={"Content-Type": "text/csv"},
    )
    assert response.json()["registered"] == len(homes), response.text
    return homes


async def raised(db: Database, homes: dict[str, str]) -> Counter[tuple[str, str]]:
    """How many of each event each home got: {(event name, uprn): count}."""
    async with db.sessionmaker() as session:
        rows = (
            await session.execute(
                select(outbox_message.c.event_type, outbox_message.c.message_key).where(
                    outbox_message.c.message_key.in_(list(homes))
                )
            )
        ).all()
    return Counter((t.split(".")[3], key) for t, key in rows)


def expected(homes: dict[str, str]) -> Counter[tuple[str, str]]:
    events: Counter[tuple[str, str]] = Counter()
    for uprn, kind in homes.items():
        events[("property-registered", uprn)] = 1
        if kind != "later":
            events[("check-due", uprn)] = 1
        if kind in ("expired", "escalated"):
            events[("certificate-expired", uprn)] = 1
        if kind == "escalated":
            events[("check-overdue-escalated", uprn)] = 1
    return events


class Killed(Exception):
    """The process died in the middle of a batch."""


async def batch_killed_before_commit(db: Database, job: ScheduledJob, now: datetime) -> None:
    async with db.sessionmaker() as session, session.begin():
        assert await job.run(session, now) == 4
        raise Killed


async def test_the_sweep_raises_each_event_once_across_a_restart_in_the_middle(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    now = sweep_moment()
    # The gauges count every open check of the module's database, other tests' too.
    async with compliance_database.sessionmaker() as session:
        expired_before, overdue_before = await repository.count_open(session, london_day(now))
    homes = await stock(compliance, per_kind=6, today=now.date())
    job = sweep_job(batch=4)
    assert await run_batch(compliance_database, job, now) == 4  # one batch committed
    with pytest.raises(Killed):  # the next batch dies before its commit
        await batch_killed_before_commit(compliance_database, job, now)
    restarted = sweep_job(batch=4)  # a new process, the same database
    await run_until_done(compliance_database, restarted, now)
    assert await raised(compliance_database, homes) == expected(homes)
    assert await run_until_done(compliance_database, restarted, now) == 0
    assert await raised(compliance_database, homes) == expected(homes)
    assert metrics.CERTIFICATES_EXPIRED._value.get() == expired_before + 12
    assert metrics.CHECKS_OVERDUE._value.get() == overdue_before + 12


async def test_two_replicas_sweeping_at_once_raise_each_event_once(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    now = sweep_moment()
    homes = await stock(compliance, per_kind=10, today=now.date())
    later = now + timedelta(days=400)  # everything this test and the last made is now due
    await asyncio.gather(
        run_until_done(compliance_database, sweep_job(batch=3), later),
        run_until_done(compliance_database, sweep_job(batch=5), later),
    )
    events = await raised(compliance_database, homes)
    for uprn in homes:
        assert events[("check-due", uprn)] == 1
        assert events[("certificate-expired", uprn)] == 1
        assert events[("check-overdue-escalated", uprn)] == 1
