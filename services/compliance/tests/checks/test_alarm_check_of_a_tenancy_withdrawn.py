"""ADR 0111: a tenancy income withdraws before its first day (the offer fell through)
takes its first-day smoke and CO alarm check with it (check-withdrawn): nobody moves in
that day. The next household's tenancy, starting before the withdrawn one would have,
gets its own first-day check: compliance had kept the withdrawn start as the home's
newest, and took the earlier one for an older tenancy arriving late."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import httpx

from compliance.checks.rules import due_by_for_day
from compliance.checks.service import ProgrammeService
from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyWithdrawn
from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from services.compliance.tests.checks.test_alarm_check_of_a_tenancy_to_come import (
    a_tenancy_from,
    alarm_checks,
)
from services.compliance.tests.checks.test_programme import a_gas_home, handle_twice
from services.compliance.tests.factories import london_today


async def withdraw(
    compliance_database: Database, programme: ProgrammeService, uprn: str, start: date
) -> None:
    event = Envelope(
        data=TenancyWithdrawn(
            tenancy_id=uuid.uuid4(), uprn=uprn, start_date=start, withdrawn_at=datetime.now(UTC)
        )
    )
    await handle_twice(compliance_database, programme, event)


async def withdrawn_announced(compliance_database: Database, uprn: str) -> int:
    async with compliance_database.sessionmaker() as session:
        rows = await session.execute(
            outbox_message.select().where(
                outbox_message.c.message_key == uprn,
                outbox_message.c.event_type == "uk.hearth.compliance.check-withdrawn.v1",
            )
        )
        return len(rows.all())


async def test_a_withdrawn_tenancys_alarm_check_goes_and_the_next_start_gets_its_own(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    offered = london_today() + timedelta(days=30)
    await a_tenancy_from(compliance_database, programme, uprn, offered)
    (raised,) = await alarm_checks(compliance, uprn)
    assert raised["completed_at"] is None

    await withdraw(compliance_database, programme, uprn, offered)

    (gone,) = await alarm_checks(compliance, uprn)
    assert gone["completed_at"] is not None
    assert await withdrawn_announced(compliance_database, uprn) == 1  # once, however often

    sooner = london_today() + timedelta(days=10)
    await a_tenancy_from(compliance_database, programme, uprn, sooner)
    checks = await alarm_checks(compliance, uprn)
    assert [c["due_by"] for c in checks if c["completed_at"] is None] == [
        due_by_for_day(sooner).isoformat()
    ]


async def test_another_days_alarm_check_stays(
    compliance: httpx.AsyncClient, compliance_database: Database, programme: ProgrammeService
) -> None:
    uprn = await a_gas_home(compliance, london_today() + timedelta(days=200))
    start = london_today() + timedelta(days=5)
    await a_tenancy_from(compliance_database, programme, uprn, start)

    await withdraw(compliance_database, programme, uprn, start + timedelta(days=1))

    (still,) = await alarm_checks(compliance, uprn)
    assert still["completed_at"] is None
