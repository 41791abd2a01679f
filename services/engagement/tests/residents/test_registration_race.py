"""One person, one resident, when the API and income's tenancy-started meet: both can
find a person unknown and both write them. Each side's INSERT waits for the other's
transaction and then takes the resident it wrote (ON CONFLICT DO NOTHING), so neither a
request nor an event fails on the primary key.

The two transactions are interleaved on purpose: the first is held open until the
second is seen waiting for its lock (pg_stat_activity), then committed."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, date, datetime

import httpx
from sqlalchemy import select, text

from engagement.handlers import on_tenancy_started
from engagement.models import Resident
from engagement.residents.schemas import ResidentCreate
from engagement.residents.service import resident_service
from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyStartedV2
from hearth_kit.db import Database


def a_tenancy(person_id: uuid.UUID) -> TenancyStartedV2:
    return TenancyStartedV2(
        tenancy_id=uuid.uuid4(),
        tenancy_reference=f"T-{uuid.uuid4().hex[:8]}",
        uprn=str(random.randint(10**9, 10**12 - 1)),
        tenants=[{"person_id": person_id, "lead": True, "joint": False}],
        start_date=date(2025, 4, 7),
        tenancy_type="introductory",
        weekly_rent_pence=12_345,
    )


async def until_a_backend_waits_for_a_lock(db: Database) -> None:
    """Poll until another backend waits on a row or transaction lock."""
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock'"
    )
    for _ in range(3000):  # at most about 30 s: the other side never waiting is a bug
        # A connection each time: a transaction sees one snapshot of pg_stat_activity.
        async with db.engine.connect() as connection:
            if (await connection.execute(waiting)).scalar_one():
                return
        await asyncio.sleep(0.01)
    raise AssertionError("the other transaction never waited for the lock")


async def residents_with_id(db: Database, person_id: uuid.UUID) -> list[Resident]:
    async with db.sessionmaker() as session:
        return list(
            (await session.execute(select(Resident).where(Resident.id == person_id))).scalars()
        )


async def test_a_registration_that_meets_tenancy_started_records_its_details_on_that_resident(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    person_id = uuid.uuid4()
    tenancy = a_tenancy(person_id)
    async with engagement_database.sessionmaker() as session, session.begin():
        await on_tenancy_started(session, Envelope(data=tenancy))  # not yet committed
        registration = asyncio.create_task(
            engagement.post(
                "/v1/residents",
                json={
                    "person_id": str(person_id),
                    "tenancy_id": str(tenancy.tenancy_id),
                    "uprn": tenancy.uprn,
                    "full_name": "Ada Okafor",
                    "preferred_channel": "letter",
                    "language": "en",
                },
            )
        )
        await until_a_backend_waits_for_a_lock(engagement_database)
    response = await registration
    assert response.status_code == 201, response.text
    assert response.json()["id"] == str(person_id)
    [resident] = await residents_with_id(engagement_database, person_id)
    assert resident.full_name == "Ada Okafor"
    assert resident.tenancy_id == tenancy.tenancy_id


async def test_tenancy_started_that_meets_a_registration_puts_that_resident_on_the_tenancy(
    engagement_database: Database,
) -> None:
    person_id = uuid.uuid4()
    tenancy = a_tenancy(person_id)
    async with engagement_database.sessionmaker() as session, session.begin():
        await resident_service.register(  # not yet committed; not yet on a tenancy
            session,
            ResidentCreate(
                person_id=person_id,
                full_name="Ada Okafor",
                preferred_channel="letter",
                language="en",
            ),
        )

        async def handle() -> None:
            async with engagement_database.sessionmaker() as other, other.begin():
                await on_tenancy_started(other, Envelope(data=tenancy, time=datetime.now(UTC)))

        handled = asyncio.create_task(handle())
        await until_a_backend_waits_for_a_lock(engagement_database)
    await handled
    [resident] = await residents_with_id(engagement_database, person_id)
    assert resident.full_name == "Ada Okafor"
    assert (resident.tenancy_id, resident.uprn) == (tenancy.tenancy_id, tenancy.uprn)
