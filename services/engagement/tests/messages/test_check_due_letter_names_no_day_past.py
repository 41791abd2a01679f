"""A check due at once (a first check, a supply uncapped: compliance's check-due names the
day before it was raised as its last day in time, ADR 0221) is told to the household as
due by the letter's own day, never by a day already past; one due later keeps its day."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime, timedelta

from sqlmodel import select

from engagement.app import build_services
from engagement.handlers import on_tenancy_started
from engagement.messages.templates import long_date
from engagement.models import Message
from engagement.settings import EngagementSettings
from hearth_contracts import Envelope
from hearth_contracts.events.compliance import CheckDue, CheckType
from hearth_contracts.events.income import TenancyStartedV2
from hearth_kit.db import Database
from hearth_kit.working_days import london_day


async def letter_for(db: Database, due_by: date, raised_at: datetime) -> str:
    uprn = str(random.randint(10**9, 10**12 - 1))
    tenant = uuid.uuid4()
    started = TenancyStartedV2(
        tenancy_id=uuid.uuid4(),
        tenancy_reference=f"T-{uuid.uuid4().hex[:8]}",
        uprn=uprn,
        tenants=[{"person_id": tenant, "lead": True}],
        start_date=date(2020, 1, 6),
        tenancy_type="secure",
        weekly_rent_pence=10_000,
    )
    check_id = uuid.uuid4()
    due = CheckDue(
        check_id=check_id,
        uprn=uprn,
        check_type=CheckType.GAS_SAFETY,
        due_by=due_by,
        raised_at=raised_at,
    )
    on_check_due = build_services(EngagementSettings()).handlers.get(due.type)
    assert on_check_due is not None
    async with db.sessionmaker() as session, session.begin():
        await on_tenancy_started(session, Envelope(data=started))
        await on_check_due(session, Envelope(data=due, time=raised_at))
    async with db.sessionmaker() as session:
        message = (
            await session.execute(select(Message).where(Message.source_id == check_id))
        ).scalar_one()
    return message.body


async def test_a_check_due_at_once_is_told_due_by_the_letters_own_day(
    engagement_database: Database,
) -> None:
    raised_at = datetime.now(UTC)
    today = london_day(raised_at)
    body = await letter_for(engagement_database, today - timedelta(days=1), raised_at)
    assert long_date(today) in body
    assert long_date(today - timedelta(days=1)) not in body


async def test_a_check_due_later_keeps_its_last_day_in_time(
    engagement_database: Database,
) -> None:
    raised_at = datetime.now(UTC)
    due_by = london_day(raised_at) + timedelta(days=60)
    body = await letter_for(engagement_database, due_by, raised_at)
    assert long_date(due_by) in body
