"""A letter goes to the home the resident lives in on the day it is written. A tenant
moving within the landlord's homes is placed on the new tenancy as soon as income
announces it (up to a year ahead) but lives in the old home until it starts: their
letters, whatever they are about, go to the old home until then, never to the new one,
where the household moving out may still live (docs/adr/0114)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from engagement.app import build_services
from engagement.models import Message
from engagement.settings import EngagementSettings
from hearth_contracts import Envelope
from hearth_contracts.events.compliance import CheckDue, CheckType
from hearth_contracts.events.income import TenancyStartedV2
from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from services.engagement.tests.home_events import a_uprn

HANDLERS = build_services(EngagementSettings()).handlers
BEFORE_THE_MOVE = datetime(2026, 12, 10, 9, tzinfo=UTC)
MOVE_IN = date(2027, 4, 1)
AFTER_THE_MOVE = datetime(2027, 4, 2, 9, tzinfo=UTC)


def started(uprn: str, start: date, person: uuid.UUID) -> Envelope[TenancyStartedV2]:
    return Envelope(
        data=TenancyStartedV2(
            tenancy_id=uuid.uuid4(),
            tenancy_reference=f"T-{uuid.uuid4().hex[:8]}",
            uprn=uprn,
            tenants=[{"person_id": person, "lead": True, "joint": False}],
            start_date=start,
            tenancy_type="assured",
            weekly_rent_pence=12_345,
        )
    )


def check_due(uprn: str, at: datetime) -> Envelope[CheckDue]:
    return Envelope(
        data=CheckDue(
            check_id=uuid.uuid4(),
            uprn=uprn,
            check_type=CheckType.GAS_SAFETY,
            due_by=date(2027, 6, 1),
            raised_at=at,
        ),
        time=at,
    )


async def handle(db: Database, *envelopes: Envelope[Any]) -> None:
    for envelope in envelopes:
        handler = HANDLERS.get(envelope.type)
        assert handler is not None
        async with db.sessionmaker() as session, session.begin():
            await handler(session, envelope)


async def homes_written_to(db: Database, person: uuid.UUID) -> dict[str, str | None]:
    """The home each of the resident's letters goes to, by template."""
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(Message.template, Message.uprn).where(Message.resident_id == person)
        )
        return dict(rows.tuples().all())


async def test_a_movers_letters_go_to_the_home_they_live_in_until_the_move(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """The old home's gas check, due before the move: to the old home. After the move
    the new home's letters go to the new home."""
    old_home, new_home = a_uprn(), a_uprn()
    mover = uuid.uuid4()
    await handle(
        engagement_database,
        started(old_home, date(2018, 5, 7), mover),
        started(new_home, MOVE_IN, mover),
        check_due(old_home, BEFORE_THE_MOVE),
    )
    assert await homes_written_to(engagement_database, mover) == {"check_due": old_home}
    await handle(engagement_database, check_due(new_home, AFTER_THE_MOVE))
    async with engagement_database.sessionmaker() as session:
        homes = (
            await session.execute(
                select(Message.uprn)
                .where(Message.resident_id == mover)
                .order_by(Message.created_at)
            )
        ).scalars()
        assert list(homes) == [old_home, new_home]


async def test_a_complaint_acknowledged_before_the_move_is_written_to_the_old_home(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """Any letter, not only one about a home: the acknowledgement of a complaint
    made by a tenant whose move is two months ahead goes where they live today."""
    old_home, new_home = a_uprn(), a_uprn()
    mover = uuid.uuid4()
    today = london_day(datetime.now(UTC))
    await handle(
        engagement_database,
        started(old_home, date(2018, 5, 7), mover),
        started(new_home, today + timedelta(days=60), mover),
    )
    received = datetime.now(UTC) - timedelta(minutes=5)
    complaint = await engagement.post(
        "/v1/complaints",
        json={
            "uprn": old_home,
            "resident_id": str(mover),
            "category": "repairs",
            "medium": "phone",
            "summary": "The kitchen extractor has not worked since the summer",
            "received_at": received.isoformat(),
        },
    )
    assert complaint.status_code == 201, complaint.text
    acknowledged = await engagement.post(
        f"/v1/complaints/{complaint.json()['id']}/acknowledge",
        json={"acknowledged_at": received.isoformat(), "handler": "Hana One"},
    )
    assert acknowledged.status_code == 200, acknowledged.text
    assert await homes_written_to(engagement_database, mover) == {
        "complaint_acknowledged": old_home
    }
