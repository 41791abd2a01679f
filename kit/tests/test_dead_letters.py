"""Dead letters on a real database and broker: one row per event and consumer group
however often it is written (PostgreSQL and the embedded SQLite default), error texts
that name what went wrong but never the values the event or the row carried, and a
replay path parameter bounded to the BIGINT ids it can address."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

import httpx
import pytest
from aiokafka import ConsumerRecord
from asgi_lifespan import LifespanManager
from pydantic import ValidationError
from pydantic_settings import SettingsConfigDict
from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope
from hearth_contracts.events.visits import VisitCompleted, VisitFoundRepair, VisitKind
from hearth_kit.app import create_service_app
from hearth_kit.db import Database
from hearth_kit.dead_letters import MAX_ID, DeadLetters
from hearth_kit.event_handlers import EventHandlers
from hearth_kit.inbox import Message, Poison, failure_text, parse
from hearth_kit.kafka import PRODUCER_MAX_REQUEST_BYTES, ensure_topics
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import dead_letter, inbox_event, kit_metadata
from tests.harness.infra import DatabaseFactory
from tests.harness.tokens import InternalTokenAuth

TopicReader = Callable[[str], Awaitable[list[ConsumerRecord[Any, Any]]]]

RESIDENT_EMAIL = "jane.doe@example.com"
RESIDENT_NAME = "Sam Okafor"
"""Personal data a bad event might carry: it must never reach a dead letter's error."""


class RepairsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_KIT_TEST_REPAIRS_", extra="ignore")
    service_name: ClassVar[str] = "repairs"


@pytest.fixture(scope="module")
def settings(kafka: str) -> RepairsSettings:
    return RepairsSettings(
        kafka_bootstrap_servers=kafka,
        kafka_namespace=f"t{uuid.uuid4().hex[:10]}",
        kafka_request_timeout_ms=5000,
    )


def completed_visit() -> Envelope[VisitCompleted]:
    return Envelope(
        data=VisitCompleted(
            visit_id=uuid.uuid4(),
            uprn="100023336956",
            kind=VisitKind.FULL,
            completed_at=datetime.now(UTC),
            repairs_found=0,
            hazards_found=0,
        )
    )


def message_of(envelope: Envelope[Any], offset: int = 7) -> Message:
    return Message(
        topic="hearth.visits.events",
        partition=1,
        offset=offset,
        key=envelope.key.encode(),
        value=envelope.value(),
        headers=tuple(envelope.headers()),
    )


async def letters_of(db: Database, envelope: Envelope[Any]) -> list[Any]:
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(dead_letter).where(dead_letter.c.event_id == str(envelope.id))
        )
        return list(rows.mappings())


async def test_a_dead_letter_written_twice_is_one_row_and_on_the_topic_at_least_once(
    settings: RepairsSettings, kit_database: Database, read_topic: TopicReader
) -> None:
    writer = DeadLetters(settings, kit_database)
    await ensure_topics(settings, [writer.topic])
    envelope = completed_visit()
    try:
        await writer.write(message_of(envelope), RuntimeError("first failure"), attempts=4)
        await writer.write(message_of(envelope), RuntimeError("second failure"), attempts=4)
    finally:
        await writer.close()

    [letter] = await letters_of(kit_database, envelope)
    assert letter["error"] == "RuntimeError: first failure"
    assert letter["consumer_group"] == settings.consumer_group
    copies = [
        r
        for r in await read_topic(writer.topic)
        if (r.key, r.value)
        == (
            envelope.key.encode(),
            envelope.value(),
        )
    ]
    assert len(copies) == 2  # the topic is at least once; the table is the one record


async def test_the_same_event_dead_lettered_by_another_group_is_its_own_row(
    settings: RepairsSettings, kit_database: Database
) -> None:
    envelope = completed_visit()
    other = settings.model_copy(update={"kafka_namespace": f"{settings.kafka_namespace}x"})
    for group_settings in (settings, other):
        writer = DeadLetters(group_settings, kit_database)
        await ensure_topics(group_settings, [writer.topic])
        try:
            await writer.write(message_of(envelope), RuntimeError("boom"), attempts=1)
        finally:
            await writer.close()
    letters = await letters_of(kit_database, envelope)
    assert sorted(row["consumer_group"] for row in letters) == sorted(
        [settings.consumer_group, other.consumer_group]
    )


async def test_a_dead_letter_written_twice_is_one_row_on_sqlite_too(
    settings: RepairsSettings, tmp_path: Path
) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'repairs.db'}")
    async with db.engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)
    writer = DeadLetters(settings, db)
    await ensure_topics(settings, [writer.topic])
    envelope = completed_visit()
    try:
        for _ in range(2):
            await writer.write(message_of(envelope), RuntimeError("boom"), attempts=4)
        assert len(await letters_of(db, envelope)) == 1
    finally:
        await writer.close()
        await db.dispose()


def with_ce_id(message: Message, ce_id: bytes | None) -> Message:
    """The message with another ce_id header (none at all for None)."""
    headers = tuple((k, v) for k, v in message.headers if k != "ce_id")
    if ce_id is not None:
        headers = (*headers, ("ce_id", ce_id))
    return Message(
        message.topic, message.partition, message.offset, message.key, message.value, headers
    )


async def letters_at(db: Database, message: Message) -> list[Any]:
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(dead_letter).where(
                dead_letter.c.topic == message.topic,
                dead_letter.c.partition == message.partition,
                dead_letter.c.offset == message.offset,
            )
        )
        return list(rows.mappings())


UNSTORABLE_IDS = [
    pytest.param(b"x" * 100, id="longer-than-the-column"),
    pytest.param(b"1b4e28ba\x002d11-11d2-8000-00a0c91e6bf6", id="with-a-nul"),
    pytest.param(b"\xff\xfe not utf-8", id="not-utf-8"),
    pytest.param(None, id="missing"),
]


@pytest.mark.parametrize("ce_id", UNSTORABLE_IDS)
async def test_a_message_without_a_valid_event_id_is_one_dead_letter_with_its_raw_header(
    settings: RepairsSettings, kit_database: Database, ce_id: bytes | None
) -> None:
    """A poison message's ce_id is not stored as its event id (a column it may not fit):
    the dead letter is written, once however often the message comes again, named by
    where it is, and the raw header is kept with the others."""
    writer = DeadLetters(settings, kit_database)
    await ensure_topics(settings, [writer.topic])
    message = with_ce_id(message_of(completed_visit(), offset=uuid.uuid4().int % 2**40), ce_id)
    try:
        for _ in range(2):  # delivered again after a restart
            await writer.write(message, Poison("bad ce_id"), attempts=4)
    finally:
        await writer.close()
    [letter] = await letters_at(kit_database, message)
    assert letter["event_id"] is None
    assert letter["event_type"] == VisitCompleted.type
    assert letter["payload"] == message.value
    stored = dict(letter["headers"])
    if ce_id is None:
        assert "ce_id" not in stored
    else:
        assert stored["ce_id"] == ce_id.decode("utf-8", "replace")


async def test_an_event_id_is_stored_in_its_usual_form(
    settings: RepairsSettings, kit_database: Database
) -> None:
    envelope = completed_visit()
    message = with_ce_id(message_of(envelope, offset=11), str(envelope.id).upper().encode())
    writer = DeadLetters(settings, kit_database)
    await ensure_topics(settings, [writer.topic])
    try:
        await writer.write(message, RuntimeError("boom"), attempts=1)
    finally:
        await writer.close()
    [letter] = await letters_of(kit_database, envelope)
    assert letter["event_id"] == str(envelope.id)


async def test_a_message_without_an_event_id_is_one_dead_letter_on_sqlite_too(
    settings: RepairsSettings, tmp_path: Path
) -> None:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'repairs.db'}")
    async with db.engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)
    writer = DeadLetters(settings, db)
    await ensure_topics(settings, [writer.topic])
    message = with_ce_id(message_of(completed_visit()), b"x" * 100)
    try:
        for _ in range(2):
            await writer.write(message, Poison("bad ce_id"), attempts=4)
        [letter] = await letters_at(db, message)
        assert letter["event_id"] is None
    finally:
        await writer.close()
        await db.dispose()


async def test_a_dead_letter_its_table_refuses_is_kept_bare_or_on_the_topic_and_never_raises(
    settings: RepairsSettings, databases: DatabaseFactory, read_topic: TopicReader
) -> None:
    """A row the table refuses for what it holds (here a CHECK standing in for any value
    a column cannot take) must not stop the consumer: the dead letter is written again
    with only the message's position and bytes; refused that way too, the topic's copy
    is the record. Either way the write returns, so the partition moves on."""
    if not databases.is_postgresql:
        pytest.skip("the refusal is a CHECK constraint added with ALTER TABLE (PostgreSQL)")
    db = Database(await databases.create("kit_refused_dead_letters"))
    async with db.engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)
        await conn.execute(
            text(
                "ALTER TABLE dead_letter ADD CONSTRAINT refuses_marked"
                " CHECK (error NOT LIKE '%refuse me%' AND attempts < 100)"
            )
        )
    writer = DeadLetters(settings, db)
    await ensure_topics(settings, [writer.topic])
    marked, hopeless = (message_of(completed_visit(), offset=n) for n in (21, 22))
    try:
        await writer.write(marked, RuntimeError("refuse me"), attempts=4)
        await writer.write(hopeless, RuntimeError("boom"), attempts=100)
        [bare] = await letters_at(db, marked)
        assert bare["event_id"] is None
        assert bare["headers"] == []
        assert bare["payload"] == marked.value
        assert bare["error"].startswith("RuntimeError (")
        assert await letters_at(db, hopeless) == []
        on_topic = {r.value for r in await read_topic(writer.topic)}
        assert {marked.value, hopeless.value} <= on_topic
    finally:
        await writer.close()
        await db.dispose()


async def test_a_dead_letter_too_large_for_its_topic_is_kept_in_the_table(
    settings: RepairsSettings, kit_database: Database
) -> None:
    """The topic's copy carries hearth_dlq_* headers the original did not: a message
    near the size limit no longer fits, which no retry changes. The table has it."""
    envelope = completed_visit()
    message = message_of(envelope, offset=31)
    near_the_limit = Message(
        message.topic,
        message.partition,
        message.offset,
        message.key,
        b" " * (PRODUCER_MAX_REQUEST_BYTES - 500),
        message.headers,
    )
    writer = DeadLetters(settings, kit_database)
    await ensure_topics(settings, [writer.topic])
    try:
        await writer.write(near_the_limit, RuntimeError("x" * 3000), attempts=4)
    finally:
        await writer.close()
    [letter] = await letters_of(kit_database, envelope)
    assert len(letter["payload"]) == PRODUCER_MAX_REQUEST_BYTES - 500


async def test_dead_letters_written_side_by_side_start_one_producer(
    settings: RepairsSettings, kit_database: Database
) -> None:
    writer = DeadLetters(settings, kit_database)
    await ensure_topics(settings, [writer.topic])
    try:
        first, second = await asyncio.gather(writer._started_producer(), writer._started_producer())
        assert first is second
    finally:
        await writer.close()


def test_an_event_off_its_schema_is_described_without_its_values() -> None:
    envelope = completed_visit()
    message = message_of(envelope)
    off_schema = Message(
        topic=message.topic,
        partition=message.partition,
        offset=message.offset,
        key=message.key,
        value=b'{"visit_id": "not-a-uuid", "uprn": "' + RESIDENT_EMAIL.encode() + b'"}',
        headers=message.headers,
    )
    with pytest.raises(Poison) as poison:
        parse(off_schema)
    text = failure_text(poison.value)
    assert text.startswith("Poison: ")
    for field in ("visit_id", "uprn", "kind"):  # where it broke
        assert field in text
    assert RESIDENT_EMAIL not in text
    assert "not-a-uuid" not in text


def test_a_validation_error_raised_by_a_handler_is_described_without_its_input() -> None:
    with pytest.raises(ValidationError) as invalid:
        VisitFoundRepair.model_validate({"uprn": RESIDENT_EMAIL, "description": 42})
    text = failure_text(invalid.value)
    assert text.startswith("ValidationError: ")
    assert "uprn" in text
    assert RESIDENT_EMAIL not in text


def _raised(action: Callable[[], object]) -> Exception:
    try:
        action()
    except Exception as exc:
        return exc
    raise AssertionError("nothing was raised")


@pytest.mark.parametrize(
    ("error", "kind"),
    [
        (lambda: int(RESIDENT_NAME), "ValueError"),  # invalid literal for int() ...: '...'
        (lambda: VisitKind(RESIDENT_NAME), "ValueError"),  # '...' is not a valid VisitKind
        (lambda: datetime.fromisoformat(RESIDENT_NAME), "ValueError"),
        (lambda: datetime.strptime(RESIDENT_NAME, "%Y"), "ValueError"),  # time data '...'
        (lambda: {}[RESIDENT_NAME], "KeyError"),
        (lambda: {}[RESIDENT_EMAIL], "KeyError"),
    ],
    ids=["int", "enum", "fromisoformat", "strptime", "key", "key-email"],
)
def test_a_library_error_quoting_what_it_refused_is_stored_without_it(
    error: Callable[[], object], kind: str
) -> None:
    """A handler's own exceptions carry no personal data (docs/conventions.md), but
    Python's and libraries' errors quote the value they refused; the dead letter, its
    topic's header and the log line keep their words without it."""
    text = failure_text(_raised(error))
    assert text.startswith(f"{kind}: ")
    assert "Okafor" not in text
    assert RESIDENT_EMAIL not in text
    assert "[redacted]" in text


def test_a_handlers_own_words_are_kept_whole() -> None:
    said = "a resident's person id was taken, yet no one holds it"
    assert failure_text(RuntimeError(said)) == f"RuntimeError: {said}"


async def test_a_database_error_is_described_without_the_row_it_refused(
    kit_database: Database,
) -> None:
    event_id = uuid.uuid4()
    row = {
        "event_id": event_id,
        "consumer_group": RESIDENT_EMAIL,  # stands in for a personal value in a row
        "event_type": "t",
        "topic": "t",
        "partition": 0,
        "offset": 0,
        "handled_at": datetime.now(UTC),
    }
    async with kit_database.sessionmaker() as session, session.begin():
        await session.execute(insert(inbox_event).values(row))
    with pytest.raises(IntegrityError) as refused:
        async with kit_database.sessionmaker() as session, session.begin():
            await session.execute(insert(inbox_event).values(row))
    text = failure_text(refused.value)
    assert text.startswith("IntegrityError: ")
    refusal = (  # each engine's own words for the same refusal
        'duplicate key value violates unique constraint "inbox_event_pkey"'
        if kit_database.engine.dialect.name == "postgresql"
        else "UNIQUE constraint failed: inbox_event.event_id, inbox_event.consumer_group"
    )
    assert refusal in text
    assert str(event_id) not in text
    assert RESIDENT_EMAIL not in text


handlers = EventHandlers()


refused_visits: set[uuid.UUID] = set()


@handlers.on(VisitCompleted)
async def note_visit(session: AsyncSession, envelope: Envelope[VisitCompleted]) -> None:
    """Registered so the service consumes events and so has a replay endpoint."""
    if envelope.data.visit_id in refused_visits:
        raise RuntimeError(f"cannot take visit {envelope.data.visit_id}")


async def create_kit_tables(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)


@pytest.fixture(scope="module")
async def service(
    kafka: str, databases: DatabaseFactory
) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    """A service's /admin as the gateway calls it (admin scope), consumer not running."""
    settings = RepairsSettings(
        database_url=await databases.create("kit_dead_letters"),
        kafka_bootstrap_servers=kafka,
        relay_enabled=False,
        consumer_enabled=False,
    )
    app = create_service_app(
        settings, title="r", description="r", handlers=handlers, on_startup=create_kit_tables
    )
    async with (
        LifespanManager(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app),
            base_url="http://r",
            auth=InternalTokenAuth("repairs"),
        ) as client,
    ):
        yield client, app.state.db


@pytest.fixture
def admin(service: tuple[httpx.AsyncClient, Database]) -> httpx.AsyncClient:
    return service[0]


async def test_a_replay_that_fails_again_is_a_409_and_changes_nothing(
    service: tuple[httpx.AsyncClient, Database], settings: RepairsSettings
) -> None:
    admin, db = service
    envelope = completed_visit()
    refused_visits.add(envelope.data.visit_id)
    writer = DeadLetters(settings, db)
    await ensure_topics(settings, [writer.topic])
    try:
        await writer.write(message_of(envelope), RuntimeError("first failure"), attempts=4)
    finally:
        await writer.close()
    [letter] = await letters_of(db, envelope)

    response = await admin.post(f"/admin/dead-letters/{letter['id']}/replay")
    assert response.status_code == 409
    assert response.json()["detail"] == (
        f"The dead letter failed again: RuntimeError: cannot take visit {envelope.data.visit_id}"
    )
    [unchanged] = await letters_of(db, envelope)
    assert unchanged["replayed_at"] is None

    refused_visits.discard(envelope.data.visit_id)  # the fix
    response = await admin.post(f"/admin/dead-letters/{letter['id']}/replay")
    assert response.status_code == 200
    assert response.json()["replayed_at"] is not None


async def test_a_dead_letter_replayed_once_is_not_replayed_again(
    service: tuple[httpx.AsyncClient, Database], settings: RepairsSettings
) -> None:
    """Its event was applied by the first replay. A second is a 409 that says when, and
    changes nothing: once the inbox row recording the event has gone (ADR 0079, 60 days)
    the inbox could no longer stop it applying twice."""
    admin, db = service
    envelope = completed_visit()
    writer = DeadLetters(settings, db)
    await ensure_topics(settings, [writer.topic])
    try:
        await writer.write(message_of(envelope), RuntimeError("first failure"), attempts=4)
    finally:
        await writer.close()
    [letter] = await letters_of(db, envelope)
    first = await admin.post(f"/admin/dead-letters/{letter['id']}/replay")
    assert first.status_code == 200, first.text
    async with db.sessionmaker() as session, session.begin():
        await session.execute(delete(inbox_event))  # past the inbox's retention

    again = await admin.post(f"/admin/dead-letters/{letter['id']}/replay")

    assert again.status_code == 409
    assert again.json()["detail"].startswith(f"Dead letter {letter['id']} was replayed at ")
    async with db.sessionmaker() as session:  # the handler did not run: no inbox row
        assert (await session.execute(select(func.count()).select_from(inbox_event))).scalar() == 0


@pytest.mark.parametrize("dead_letter_id", [MAX_ID + 1, 0, -1])
async def test_a_replay_id_outside_the_bigint_ids_is_a_422(
    admin: httpx.AsyncClient, dead_letter_id: int
) -> None:
    response = await admin.post(f"/admin/dead-letters/{dead_letter_id}/replay")
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"


async def test_the_largest_replay_id_is_looked_up(admin: httpx.AsyncClient) -> None:
    response = await admin.post(f"/admin/dead-letters/{MAX_ID}/replay")
    assert response.status_code == 404
    assert response.json()["detail"] == f"No dead letter {MAX_ID}"


async def test_the_dead_letters_are_listed_and_counted(admin: httpx.AsyncClient) -> None:
    assert (await admin.get("/admin/dead-letters", params={"limit": 5})).json() == []
    assert (await admin.get("/admin/dead-letters/count")).json() == {"unreplayed": 0}
    assert (await admin.get("/admin/dead-letters", params={"limit": 0})).status_code == 422
