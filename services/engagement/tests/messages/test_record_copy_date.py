"""The household's copy of a safety record says the day the check was done in London:
compliance dates a check with no time given from the start of its London day, which in
summer time is 23:00 UTC the evening before, and the letter printed that UTC date (the
day before the check)."""

from __future__ import annotations

import random
import uuid
from datetime import date

import httpx
from sqlmodel import select

from engagement.app import build_services
from engagement.models import Message
from engagement.settings import EngagementSettings
from hearth_contracts import Envelope
from hearth_contracts.events.compliance import CheckCompletedV2, CheckOutcome, CheckType
from hearth_kit.db import Database
from hearth_kit.working_days import start_of_london_day
from services.engagement.tests.messages.test_pipeline import a_resident


async def test_a_summer_check_dated_from_london_midnight_prints_its_own_day(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    resident = await a_resident(engagement, tenancy_id=str(uuid.uuid4()), uprn=uprn)
    checked_on = date(2026, 7, 10)
    event = Envelope(
        data=CheckCompletedV2(
            check_id=uuid.uuid4(),
            uprn=uprn,
            check_type=CheckType.GAS_SAFETY,
            outcome=CheckOutcome.SATISFACTORY,
            certificate_reference="CP12-710",
            completed_at=start_of_london_day(checked_on),  # 2026-07-09T23:00Z
            next_due_by=date(2027, 7, 10),
            copy_to_tenant_by=date(2026, 8, 7),
        )
    )
    handler = build_services(EngagementSettings()).handlers.get(event.type)
    assert handler is not None
    async with engagement_database.sessionmaker() as session, session.begin():
        await handler(session, event)
    async with engagement_database.sessionmaker() as session:
        [copy] = (
            await session.execute(
                select(Message).where(
                    Message.resident_id == uuid.UUID(resident),
                    Message.template == "check_record_copy",
                )
            )
        ).scalars()
    assert copy.body is not None
    assert "10 July 2026" in copy.body
    assert "9 July 2026" not in copy.body
