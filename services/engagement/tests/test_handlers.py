from __future__ import annotations

import random
import uuid
from datetime import UTC, date, datetime

from sqlmodel import select

from engagement.handlers import on_tenancy_started
from engagement.models import Tenancy
from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyStarted
from hearth_kit.db import Database


def a_tenancy_started(uprn: str) -> TenancyStarted:
    return TenancyStarted.model_validate(
        {
            "tenancy_id": uuid.uuid4(),
            "tenancy_reference": f"T-{uuid.uuid4().hex[:8]}",
            "uprn": uprn,
            "tenants": [{"person_id": uuid.uuid4(), "full_name": "Sam Okafor"}],
            "start_date": date(2025, 4, 7),
            "tenancy_type": "introductory",
            "weekly_rent_pence": 12_345,
        }
    )


async def test_a_started_tenancy_is_kept_once_however_often_it_is_handled(
    engagement_database: Database,
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    event = a_tenancy_started(uprn)
    envelope = Envelope(data=event)
    for _ in range(2):
        async with engagement_database.sessionmaker() as session, session.begin():
            await on_tenancy_started(session, envelope)
    async with engagement_database.sessionmaker() as session:
        tenancies = list(
            (await session.execute(select(Tenancy).where(Tenancy.uprn == uprn))).scalars()
        )
    assert [(t.tenancy_id, t.uprn, t.tenancy_reference, t.start_date) for t in tenancies] == [
        (event.tenancy_id, uprn, event.tenancy_reference, date(2025, 4, 7))
    ]


async def test_an_older_announcement_arriving_late_does_not_overwrite_a_newer_one(
    engagement_database: Database,
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    event = a_tenancy_started(uprn)
    newer = Envelope(data=event, time=datetime(2026, 11, 2, 9, 0, tzinfo=UTC))
    older = Envelope(
        data=event.model_copy(update={"tenancy_reference": "T-OLD"}),
        time=datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
    )
    for envelope in (newer, older):
        async with engagement_database.sessionmaker() as session, session.begin():
            await on_tenancy_started(session, envelope)
    async with engagement_database.sessionmaker() as session:
        tenancy = await session.get(Tenancy, event.tenancy_id)
    assert tenancy is not None
    assert (tenancy.tenancy_reference, tenancy.as_of) == (event.tenancy_reference, newer.time)
