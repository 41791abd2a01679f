"""One person, one resident, when the API and income's tenancy-started meet: both can
find a person unknown and both write them. Each side's INSERT waits for the other's
transaction and then takes the resident it wrote (ON CONFLICT DO NOTHING), so neither a
request nor an event fails on the primary key.

The two transactions are interleaved on purpose: the first is held open until the
second is seen waiting for its lock, then committed. On PostgreSQL the wait is for a
row lock, seen in pg_stat_activity; on SQLite (the `make run` default) a writer waits
for the whole database (BEGIN IMMEDIATE, docs/adr/0027), seen as its BEGIN IMMEDIATE
issued while the test holds the database: the *_on_sqlite tests, which run on every
run, whatever database the run is configured with."""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy import event, select

from engagement.app import create_app
from engagement.handlers import on_tenancy_started
from engagement.models import Resident
from engagement.residents import repository
from engagement.residents.schemas import ResidentCreate, ResidentUpdate
from engagement.residents.service import resident_service
from engagement.settings import MIGRATIONS_DIR, EngagementSettings
from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyStartedV2
from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from tests.harness.locks import until_a_backend_waits_for_a_lock
from tests.harness.service import opened_database
from tests.harness.tokens import InternalTokenAuth


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


def on_postgresql(db: Database) -> None:
    if db.url.get_backend_name() != "postgresql":
        pytest.skip(
            "waits for a PostgreSQL row lock, seen in pg_stat_activity: PostgreSQL only "
            "(the *_on_sqlite tests race the same two writers on SQLite)"
        )


async def residents_with_id(db: Database, person_id: uuid.UUID) -> list[Resident]:
    async with db.sessionmaker() as session:
        return list(
            (await session.execute(select(Resident).where(Resident.id == person_id))).scalars()
        )


async def test_a_registration_that_meets_tenancy_started_records_its_details_on_that_resident(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    on_postgresql(engagement_database)
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
    on_postgresql(engagement_database)
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


async def test_tenancy_started_between_a_registrations_two_writes_does_not_deadlock(
    engagement_database: Database,
) -> None:
    """A registration on a tenancy writes the resident, then their tenancy history.
    tenancy-started arriving between the two waits at the resident (it takes the same
    rows in the same order) instead of holding the history row the registration wants
    next: the other order was a deadlock, a 503 on POST /v1/residents (CI, 2026-11-30)."""
    on_postgresql(engagement_database)
    person_id = uuid.uuid4()
    tenancy = a_tenancy(person_id)
    async with engagement_database.sessionmaker() as session, session.begin():
        registered = await repository.insert_unless_known(  # register's first write
            session,
            Resident(
                id=person_id,
                tenancy_id=tenancy.tenancy_id,
                uprn=tenancy.uprn,
                full_name="Ada Okafor",
                preferred_channel="letter",
                language="en",
                registered_at=datetime.now(UTC),
            ),
        )
        assert registered is not None

        async def handle() -> None:
            async with engagement_database.sessionmaker() as other, other.begin():
                await on_tenancy_started(other, Envelope(data=tenancy, time=datetime.now(UTC)))

        handled = asyncio.create_task(handle())
        await until_a_backend_waits_for_a_lock(engagement_database)
        await repository.record_tenant(  # register's second write
            session, tenancy_id=tenancy.tenancy_id, resident_id=person_id, uprn=tenancy.uprn
        )
    await handled
    [resident] = await residents_with_id(engagement_database, person_id)
    assert resident.full_name == "Ada Okafor"
    assert (resident.tenancy_id, resident.tenancy_started_on) == (
        tenancy.tenancy_id,
        tenancy.start_date,
    )


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> str:
    """A freshly migrated SQLite file, whatever database this run is configured with."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'engagement.db'}"
    await upgrade(MIGRATIONS_DIR, url)
    return url


@contextlib.asynccontextmanager
async def api_on(url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    """The engagement API on `url`, with nothing of its own writing in the background
    (relay, consumer and scheduler off), and the app's Database."""
    app = create_app(
        EngagementSettings(
            database_url=url,
            relay_enabled=False,
            consumer_enabled=False,
            scheduler_enabled=False,
        )
    )
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(manager.app),
            base_url="http://engagement",
            auth=InternalTokenAuth("engagement"),
        ) as client,
    ):
        yield client, app.state.db


@contextlib.contextmanager
def a_writer_beginning(db: Database) -> Iterator[asyncio.Event]:
    """Set when a session of `db` issues its BEGIN IMMEDIATE (SQLite): the moment it
    starts waiting for a database another transaction holds."""
    began = asyncio.Event()

    def seen(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        if statement == "BEGIN IMMEDIATE":
            began.set()

    event.listen(db.engine.sync_engine, "before_cursor_execute", seen)
    try:
        yield began
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", seen)


async def until_it_waits(began: asyncio.Event, other: asyncio.Task[Any]) -> None:
    """Until the other side has begun waiting for the database; it must not get past."""
    waiting = asyncio.create_task(began.wait())
    await asyncio.wait({waiting, other}, return_when=asyncio.FIRST_COMPLETED)
    waiting.cancel()
    for _ in range(20):  # turns of the loop in which it could get past, were it let in
        await asyncio.sleep(0)
    assert not other.done(), other.result() if other.done() else None
    assert began.is_set()


async def test_a_registration_that_meets_tenancy_started_on_sqlite_waits_for_it(
    sqlite_url: str,
) -> None:
    """The request begins while tenancy-started holds the database, waits (busy_timeout,
    not "database is locked"), then finds the resident and records its details."""
    person_id = uuid.uuid4()
    tenancy = a_tenancy(person_id)
    async with api_on(sqlite_url) as (engagement, app_database), opened_database(sqlite_url) as db:
        with a_writer_beginning(app_database) as began:
            async with db.sessionmaker() as session, session.begin():
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
                await until_it_waits(began, registration)
        response = await registration
        assert response.status_code == 201, response.text
        assert response.json()["id"] == str(person_id)
        [resident] = await residents_with_id(db, person_id)
    assert resident.full_name == "Ada Okafor"
    assert resident.tenancy_id == tenancy.tenancy_id


async def test_tenancy_started_that_meets_a_registration_on_sqlite_waits_for_it(
    sqlite_url: str,
) -> None:
    person_id = uuid.uuid4()
    tenancy = a_tenancy(person_id)
    async with opened_database(sqlite_url) as db:
        async with db.sessionmaker() as session, session.begin():
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
                async with db.sessionmaker() as other, other.begin():
                    await on_tenancy_started(other, Envelope(data=tenancy, time=datetime.now(UTC)))

            with a_writer_beginning(db) as began:
                handled = asyncio.create_task(handle())
                await until_it_waits(began, handled)
        await handled
        [resident] = await residents_with_id(db, person_id)
    assert resident.full_name == "Ada Okafor"
    assert (resident.tenancy_id, resident.uprn) == (tenancy.tenancy_id, tenancy.uprn)


async def test_a_registration_that_meets_a_change_counts_both_versions(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """A registration of a known tenant (by person id: never by name, ADR 0118) read them
    unlocked and wrote its details over the version it had read: a change committed
    meanwhile (an If-Match PATCH) and the registration both became the next version, one
    ETag for two states. Locked as found, the registration waits and counts on."""
    on_postgresql(engagement_database)
    person_id = uuid.uuid4()
    tenancy = a_tenancy(person_id)
    async with engagement_database.sessionmaker() as session, session.begin():
        await on_tenancy_started(session, Envelope(data=tenancy, time=datetime.now(UTC)))
    details = {
        "tenancy_id": str(tenancy.tenancy_id),
        "uprn": tenancy.uprn,
        "full_name": "Ada Okafor",
        "preferred_channel": "letter",
        "language": "en",
    }
    named = await engagement.post("/v1/residents", json={"person_id": str(person_id), **details})
    assert named.status_code == 201, named.text
    [before] = await residents_with_id(engagement_database, person_id)

    async with engagement_database.sessionmaker() as session, session.begin():
        await resident_service.update(  # not yet committed
            session,
            person_id,
            ResidentUpdate(email="ada@example.org"),
            if_match=f'"{before.version}"',
        )
        registration = asyncio.create_task(
            engagement.post(
                "/v1/residents",
                json={
                    "person_id": str(person_id),
                    **details,
                    "email": "ada@example.org",
                    "phone": "07700 900123",
                },
            )
        )
        await until_a_backend_waits_for_a_lock(engagement_database)
    response = await registration
    assert response.status_code == 201, response.text
    assert response.json()["id"] == str(person_id)
    [resident] = await residents_with_id(engagement_database, person_id)
    assert (resident.email, resident.phone) == ("ada@example.org", "07700 900123")
    assert resident.version == before.version + 2
