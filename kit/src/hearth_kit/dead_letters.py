"""Dead letters: events a handler gave up on, kept for listing and replay.

A dead letter is written to the dead_letter table (once per event and consumer group,
or per message and group for a message without a valid event id: writing the same one
again is a no-op) and then to `hearth.<service>.dlq.<group>`, with
the original topic, partition, offset, error and attempt count in `hearth_dlq_*`
headers. Its error text names what went wrong without personal data.

The admin router lists and counts them and replays one: the consumer runs it through
its handler and marks it replayed in one transaction.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated, Any

from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    CorruptRecordException,
    MessageSizeTooLargeError,
    RecordListTooLargeError,
    RecordTooLargeError,
)
from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from hearth_contracts import dead_letter_topic
from hearth_kit.db import Database
from hearth_kit.inbox import Message, failure_text, is_infrastructure_fault, parse
from hearth_kit.kafka import namespaced, new_producer, start_client, stop_producer
from hearth_kit.logs import get_logger
from hearth_kit.metrics import DEAD_LETTERS, EVENTS_HANDLED
from hearth_kit.problems import Conflict, NotFound, ServiceUnavailable
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import dead_letter

if TYPE_CHECKING:
    from hearth_kit.inbox import Inbox

log = get_logger(__name__)

MAX_ID = 2**63 - 1
"""The largest dead-letter id (BIGINT); a larger path parameter is a 422, not a 500."""


class DeadLetterTopicUnreachable(Exception):
    """The dead-letter topic did not acknowledge a dead letter's copy in time: the
    consumer reconnects and comes back to the message."""


class DeadLetters:
    """Writes a consumer group's dead letters to its table and its dead-letter topic."""

    def __init__(self, settings: ServiceSettings, db: Database) -> None:
        self.settings = settings
        self.db = db
        self.service = settings.service_name
        self.group = settings.consumer_group
        self.topic = namespaced(
            dead_letter_topic(self.service, self.service), settings.kafka_namespace
        )
        self._producer: AIOKafkaProducer | None = None
        self._producer_lock = asyncio.Lock()

    async def write(self, message: Message, error: BaseException, *, attempts: int) -> None:
        """Record the message as given up on. The table first, so a database outage
        stops this before anything reaches the topic; a second write of the same message
        adds no row but sends again, so the topic has it at least once.

        Only a database that does not answer, or a broker that does not take the topic's
        copy, makes this raise (the consumer waits, or reconnects, and comes back to the
        message). Nothing about the message itself does: the poison events that end up
        here are the ones most likely to carry values a column refuses (an over-long
        ce_id, a NUL), so `event_id` holds only a valid event id (the raw header stays in
        `headers`), and a row the table still refuses is written again with only the
        message's position and bytes, and failing that the topic's copy is the record."""
        error_text = failure_text(error)
        ce_type = message.header("ce_type")
        event_id = valid_event_id(message.header("ce_id"))
        row: dict[str, Any] = {
            "event_id": event_id,
            "event_type": ce_type if ce_type is not None and len(ce_type) <= 200 else None,
            "consumer_group": self.group,
            "topic": message.topic,
            "partition": message.partition,
            "offset": message.offset,
            "message_key": message.key,
            "headers": [[k, v.decode("utf-8", "replace")] for k, v in message.headers],
            "payload": message.value,
            "error": error_text,
            "attempts": attempts,
            "dead_lettered_at": datetime.now(UTC),
        }
        where = {"topic": message.topic, "partition": message.partition, "offset": message.offset}
        if (refused := await self._refused(row)) is not None:
            log.error(
                "dead letter refused by its table; kept without its headers",
                **where,
                error=failure_text(refused),
            )
            bare = {
                **row,
                "event_id": None,
                "event_type": None,
                "headers": [],
                "error": f"{type(error).__name__} (its text and the headers were refused by "
                f"the table: {type(refused).__name__})",
            }
            if (refused_again := await self._refused(bare)) is not None:
                log.error(
                    "dead letter refused by its table; only on the dead-letter topic",
                    **where,
                    error=failure_text(refused_again),
                )
        dlq_headers = [
            *[(k, v) for k, v in message.headers if not k.startswith("hearth_dlq_")],
            ("hearth_dlq_original_topic", message.topic.encode()),
            ("hearth_dlq_original_partition", str(message.partition).encode()),
            ("hearth_dlq_original_offset", str(message.offset).encode()),
            ("hearth_dlq_consumer_group", self.group.encode()),
            ("hearth_dlq_error", error_text.encode()),
            ("hearth_dlq_attempts", str(attempts).encode()),
        ]
        producer = await self._started_producer()
        unacknowledged = False
        try:
            # Bounded: the idempotent producer never gives up a record it could not send
            # (the broker lost), and this runs under the consumer's batch lock, so its
            # stop and its rebalances waited for the broker.
            async with asyncio.timeout(self.settings.kafka_request_timeout_ms / 1000):
                await producer.send_and_wait(
                    self.topic, value=message.value, key=message.key, headers=dlq_headers
                )
        except TimeoutError:
            unacknowledged = True
        except _RECORD_REFUSED as refused:
            # The copy itself is refused (too large with the hearth_dlq_* headers): no
            # retry would change that, and the table holds the message.
            log.error(
                "dead letter refused by its topic; kept in the table only",
                topic=message.topic,
                partition=message.partition,
                offset=message.offset,
                error=type(refused).__name__,
            )
        if unacknowledged:
            # Raised here, outside the handler above, so that it carries no TimeoutError
            # the consumer would take for the database not answering: the consumer
            # reconnects and comes back to the message (its row is kept once, its copy
            # sent again).
            raise DeadLetterTopicUnreachable(
                f"the dead-letter topic {self.topic} did not acknowledge the copy within "
                f"{self.settings.kafka_request_timeout_ms} ms"
            )
        DEAD_LETTERS.labels(self.service, row["event_type"] or "unknown").inc()
        EVENTS_HANDLED.labels(self.service, row["event_type"] or "unknown", "dead_lettered").inc()
        log.error(
            "event dead-lettered",
            event_type=row["event_type"],
            event_id=event_id,
            topic=message.topic,
            partition=message.partition,
            offset=message.offset,
            attempts=attempts,
            error=error_text,
        )

    async def _refused(self, row: Mapping[str, Any]) -> Exception | None:
        """One dead letter into the table, once per (event, group), or per (message,
        group) for a message without a valid event id (see the table's unique index).
        What the table refused for the row's values, or None when it took it; a database
        that does not answer raises."""
        insert = postgresql_insert if self.db.is_postgresql else sqlite_insert
        try:
            async with self.db.sessionmaker() as session, session.begin():
                await session.execute(insert(dead_letter).values(row).on_conflict_do_nothing())
        except Exception as refused:
            if is_infrastructure_fault(refused):
                raise
            return refused
        return None

    async def close(self) -> None:
        """Stop the producer; one that cannot flush (the broker lost: the idempotent
        producer retries for ever) is torn down after a few seconds, as the relay's is
        (`stop_producer`). What it held is sent again when the consumer comes back to
        the message."""
        async with self._producer_lock:  # a producer being started is stopped too
            producer, self._producer = self._producer, None
        if producer is not None:
            await stop_producer(producer)

    async def _started_producer(self) -> AIOKafkaProducer:
        """The dead-letter topic's producer, started once: partitions handled side by
        side may dead-letter at the same moment, and without the lock each would start a
        producer, one of them never stopped."""
        async with self._producer_lock:
            if self._producer is None:
                producer = new_producer(self.settings, client_id=f"hearth-{self.service}-dlq")
                await start_client(producer, self.settings)
                self._producer = producer
            return self._producer


def valid_event_id(ce_id: str | None) -> str | None:
    """The ce_id header as the event id it should be (a UUID, in its usual form), or
    None when it is not one: a dead letter's `event_id` holds only ids, never an
    arbitrary header value."""
    if ce_id is None:
        return None
    try:
        return str(uuid.UUID(ce_id))
    except ValueError:
        return None


_RECORD_REFUSED: tuple[type[BaseException], ...] = (
    MessageSizeTooLargeError,
    RecordTooLargeError,
    RecordListTooLargeError,
    CorruptRecordException,
)
"""Errors that say the dead-letter topic refuses this one record, not that the broker
is unreachable."""


class AlreadyReplayed(Exception):
    """The dead letter was replayed already: its event was applied then."""


async def replay(db: Database, inbox: Inbox, dead_letter_id: int) -> Mapping[str, Any] | None:
    """Run a dead letter through its handler again (once the cause is fixed) and mark it
    replayed, in one transaction. The inbox still applies, so replaying an event that
    was handled meanwhile has no second effect. None when there is no such id;
    AlreadyReplayed when it was replayed before: its event was applied then, and once
    the inbox row that records it has gone (ADR 0079) a second replay would apply it
    again. The row is locked, so two replays of it at once apply it once."""
    async with db.sessionmaker() as session, session.begin():
        row = (
            (
                await session.execute(
                    select(dead_letter).where(dead_letter.c.id == dead_letter_id).with_for_update()
                )
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        if row["replayed_at"] is not None:
            raise AlreadyReplayed(
                f"Dead letter {dead_letter_id} was replayed at "
                f"{row['replayed_at'].isoformat(timespec='seconds')}: its event was applied then"
            )
        message = Message(
            topic=row["topic"],
            partition=row["partition"],
            offset=row["offset"],
            key=row["message_key"],
            value=row["payload"],
            headers=tuple((k, v.encode()) for k, v in row["headers"]),
        )
        await inbox.apply(session, [(message, parse(message))])
        replayed = {**row, "replayed_at": datetime.now(UTC)}
        await session.execute(
            dead_letter.update()
            .where(dead_letter.c.id == dead_letter_id)
            .values(replayed_at=replayed["replayed_at"])
        )
    return replayed


class DeadLetterPublic(BaseModel):
    id: int
    event_id: str | None
    event_type: str | None
    consumer_group: str
    topic: str
    partition: int
    offset: int
    error: str
    attempts: int
    dead_lettered_at: datetime
    replayed_at: datetime | None


dead_letters_router = APIRouter(prefix="/admin/dead-letters", tags=["operations"])


@dead_letters_router.get("", response_model=list[DeadLetterPublic])
async def list_dead_letters(
    request: Request,
    include_replayed: bool = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
    after: Annotated[int | None, Query(ge=0, le=MAX_ID)] = None,
) -> list[Any]:
    """Events this service's consumer gave up on, newest first. With `after` (an id,
    0 for the start), those with a larger id, oldest first: a cursor that pages through
    all of them, however many, in the order they failed (`hearth dead-letters replay
    --all` does; a page alone would leave out the oldest)."""
    db: Database = request.app.state.db
    if after is None:
        query = select(dead_letter).order_by(dead_letter.c.id.desc()).limit(limit)
    else:
        query = (
            select(dead_letter)
            .where(dead_letter.c.id > after)
            .order_by(dead_letter.c.id.asc())
            .limit(limit)
        )
    if not include_replayed:
        query = query.where(dead_letter.c.replayed_at.is_(None))
    async with db.read_sessionmaker() as session:  # reads only: no write lock (ADR 0027)
        return list((await session.execute(query)).mappings().all())


@dead_letters_router.get("/count")
async def count_dead_letters(request: Request) -> dict[str, int]:
    """How many dead letters wait for a replay."""
    db: Database = request.app.state.db
    async with db.read_sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).where(dead_letter.c.replayed_at.is_(None))
        )
    return {"unreplayed": int(count or 0)}


class DeadLetterDetail(DeadLetterPublic):
    """One dead letter with what it carried: its key, its headers (the CloudEvents
    attributes, traceparent) and its data (events name people by id only)."""

    message_key: str | None
    headers: list[tuple[str, str]]
    data: Any


@dead_letters_router.get("/{dead_letter_id}", response_model=DeadLetterDetail)
async def show_dead_letter(
    request: Request, dead_letter_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Any:
    """One dead letter, with its headers and data, to see why its handler failed."""
    db: Database = request.app.state.db
    async with db.read_sessionmaker() as session:
        row = (
            (await session.execute(select(dead_letter).where(dead_letter.c.id == dead_letter_id)))
            .mappings()
            .first()
        )
    if row is None:
        raise NotFound(f"No dead letter {dead_letter_id}")
    payload: bytes | None = row["payload"]
    try:
        data: Any = json.loads(payload) if payload else None
    except ValueError:
        data = payload.decode("utf-8", "replace") if payload else None
    key: bytes | None = row["message_key"]
    return {
        **row,
        "message_key": key.decode("utf-8", "replace") if key is not None else None,
        "headers": [tuple(header) for header in row["headers"]],
        "data": data,
    }


@dead_letters_router.post("/{dead_letter_id}/replay", response_model=DeadLetterPublic)
async def replay_dead_letter(
    request: Request, dead_letter_id: Annotated[int, Path(ge=1, le=MAX_ID)]
) -> Any:
    """Run a dead letter through its handler again, once the cause is fixed. 409 when
    the handler fails again (nothing changed; the detail says why, without the event's
    values) or when it was replayed already; 503 when the database does not answer."""
    consumer = request.app.state.runtime.consumer
    if consumer is None:
        raise NotFound("This service consumes no events")
    try:
        row = await consumer.replay(dead_letter_id)
    except AlreadyReplayed as exc:
        raise Conflict(str(exc)) from exc
    except Exception as exc:
        if is_infrastructure_fault(exc):
            raise ServiceUnavailable("The database does not answer; replay later") from exc
        raise Conflict(f"The dead letter failed again: {failure_text(exc)}") from exc
    if row is None:
        raise NotFound(f"No dead letter {dead_letter_id}")
    return row
