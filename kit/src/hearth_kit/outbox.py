"""The transactional outbox and its relay.

`publish(session, event)` writes the event in the caller's transaction, with the
request's `traceparent`. The relay sends the rows to Kafka in id order (acks=all,
idempotent producer) and deletes each row once the broker has acknowledged it: the
outbox holds only what is still to be sent (docs/adr/0020-relay-deletes-acknowledged-rows.md).
While Kafka is down the rows wait; nothing is lost. A crash between the acknowledgement
and the delete re-sends those rows, which consumers de-duplicate by event id
(at-least-once delivery, effectively once).

A round reads a large batch, queues every row on the producer, awaits the broker's
acknowledgements together and deletes the delivered rows with one DELETE. A row the
broker refuses for a reason of its own (too large, an invalid topic) is charged an
attempt; after `outbox_max_attempts` it is parked, and the later rows of its key wait
behind it so per-key order holds, while every other key flows on. A broker outage
charges nobody: the relay backs off and tries again. See docs/adr/0005-outbox-parking.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import hashlib
import json
import struct
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar

from aiokafka import AIOKafkaProducer
from aiokafka.errors import (
    ClusterAuthorizationFailedError,
    DuplicateSequenceNumber,
    IllegalStateError,
    IncompatibleBrokerVersion,
    InvalidProducerEpoch,
    InvalidProducerIdMapping,
    KafkaConfigurationError,
    KafkaConnectionError,
    KafkaError,
    KafkaTimeoutError,
    KafkaUnavailableError,
    MessageSizeTooLargeError,
    NoBrokersAvailable,
    OutOfOrderSequenceNumber,
    ProducerClosed,
    ProducerFenced,
    TopicAuthorizationFailedError,
    TransactionalIdAuthorizationFailed,
    UnknownProducerId,
    UnrecognizedBrokerVersion,
    UnsupportedVersionError,
)
from opentelemetry import context as otel_context
from opentelemetry import trace
from sqlalchemy import (
    BigInteger,
    Text,
    bindparam,
    cast,
    delete,
    exists,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope, Event, events_topic
from hearth_kit.db import Database
from hearth_kit.inbox import collector_paused
from hearth_kit.kafka import (
    PRODUCER_BATCH_BYTES,
    PRODUCER_MAX_REQUEST_BYTES,
    ensure_topics,
    namespaced,
    new_producer,
    start_client,
    stop_producer,
)
from hearth_kit.kafka_records import (
    BATCH_HEADER_BYTES,
    EncodedRecordBatch,
    decoded_headers,
    encoded_headers,
    leading_headers,
    record_size,
)
from hearth_kit.logs import get_logger
from hearth_kit.metrics import (
    OUTBOX_BACKLOG,
    OUTBOX_FAILURES,
    OUTBOX_OLDEST_AGE,
    OUTBOX_PARKED,
    OUTBOX_PARKINGS,
    OUTBOX_PUBLISHED,
    OUTBOX_REFUSALS,
)
from hearth_kit.personal_data import describe_exception
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import outbox_message
from hearth_kit.tracing import current_traceparent, tracer

log = get_logger(__name__)


E = TypeVar("E", bound=Event)


async def publish(session: AsyncSession, event: E) -> Envelope[E]:
    """Add `event` to the outbox in the session's transaction; returns its envelope."""
    traceparent, tracestate = current_traceparent()
    envelope: Envelope[E] = Envelope(data=event, traceparent=traceparent, tracestate=tracestate)
    await session.execute(insert(outbox_message).values(**outbox_row(envelope)))
    session.sync_session.info["outbox_written"] = True
    return envelope


SPAN_HEADERS = frozenset({"traceparent", "tracestate", "ce_id", "ce_type"})
"""The headers a PRODUCER span is made from. `outbox_row` and `legacy_headers` encode
them first (the order of headers means nothing to a consumer), so the relay reads only
these for a sampled row (`leading_headers`) rather than decoding all ten."""


def span_headers_first(headers: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """`headers` with the `SPAN_HEADERS` moved to the front, each run in its order."""
    return sorted(headers, key=lambda header: header[0] not in SPAN_HEADERS)


def outbox_row(envelope: Envelope[Any]) -> dict[str, Any]:
    """The outbox row of one event, as `publish` writes it (and as a service writing
    many events in one statement writes each): its headers encoded as the Kafka record
    will carry them, so the relay copies them (docs/adr/0023-outbox-keeps-kafka-headers.md),
    and whether its trace is sampled (the relay makes a PRODUCER span for those)."""
    return {
        "event_id": envelope.id,
        "event_type": envelope.type,
        "topic": events_topic(envelope.data.service),
        "message_key": envelope.key,
        "key_hash": key_hash(envelope.key.encode()),
        "kafka_headers": encoded_headers(span_headers_first(envelope.headers())),
        "trace_sampled": trace_sampled(envelope.traceparent),
        "payload": envelope.value(),
        "created_at": envelope.time,
    }


class Fault(enum.Enum):
    """Whose fault a failed send is."""

    ROW = "row"
    """The broker refuses this row itself (too large, invalid topic, ...): sending it
    again will fail again, so it is charged an attempt and parked after enough."""
    BROKER = "broker"
    """The broker or the connection is unwell (unreachable, timeouts, not enough
    replicas, the producer's own state): every row would fail alike, so none is charged."""


_NOT_THE_ROWS_FAULT: tuple[type[BaseException], ...] = (
    KafkaConnectionError,
    KafkaTimeoutError,
    KafkaUnavailableError,
    NoBrokersAvailable,
    ProducerClosed,
    ProducerFenced,
    # The idempotent producer's sequence for a partition is broken once a batch on it
    # was refused: the rows after it fail with this, through no fault of their own.
    OutOfOrderSequenceNumber,
    DuplicateSequenceNumber,
    InvalidProducerEpoch,
    InvalidProducerIdMapping,
    UnknownProducerId,
    # Access and configuration apply to every row of a topic alike.
    TopicAuthorizationFailedError,
    ClusterAuthorizationFailedError,
    TransactionalIdAuthorizationFailed,
    KafkaConfigurationError,
    IllegalStateError,
    UnrecognizedBrokerVersion,
    IncompatibleBrokerVersion,
    UnsupportedVersionError,
    TimeoutError,
    ConnectionError,
    OSError,
)


def fault_of(exc: BaseException) -> Fault:
    """Classify a failed send. Retriable Kafka errors (leader moves, not enough
    replicas, request timeouts) and connection, timeout, access and producer-state
    errors are the broker's; anything else refused this one row (message too large,
    invalid topic or record, or an error of the row that no other row shares)."""
    if isinstance(exc, _NOT_THE_ROWS_FAULT):
        return Fault.BROKER
    if isinstance(exc, KafkaError) and exc.retriable:
        return Fault.BROKER
    return Fault.ROW


def error_text(exc: BaseException) -> str:
    """What to record of a refusal: the error's class and, for Kafka's own errors, its
    message (which names sizes and topics, never the payload). Other errors may quote
    the values that caused them, so only their class is kept."""
    if isinstance(exc, KafkaError):
        return f"{type(exc).__name__}: {exc}"[:2000] if str(exc) else type(exc).__name__
    return type(exc).__name__


def trace_sampled(traceparent: str | None) -> bool:
    """Whether a W3C traceparent (version-traceid-parentid-flags) has its sampled flag."""
    if not traceparent:
        return False
    parts = traceparent.split("-")
    if len(parts) < 4 or len(parts[3]) < 2:
        return False
    try:
        return bool(int(parts[3][:2], 16) & 0x01)
    except ValueError:
        return False


def sampled_parent(
    traceparent: str | None, tracestate: str | None = None
) -> otel_context.Context | None:
    """The writer's span as the parent of a PRODUCER span, when its W3C traceparent has
    the sampled flag; None otherwise (no span is made for an unsampled event). Parsed
    here rather than by the global propagator: this runs once per sampled row."""
    if not trace_sampled(traceparent):
        return None
    assert traceparent is not None
    _version, trace_id, span_id, flags = traceparent.split("-")[:4]
    if len(trace_id) != 32 or len(span_id) != 16:
        return None
    try:
        parent = trace.SpanContext(
            trace_id=int(trace_id, 16),
            span_id=int(span_id, 16),
            is_remote=True,
            trace_flags=trace.TraceFlags(int(flags[:2], 16)),
            trace_state=trace.TraceState.from_header([tracestate]) if tracestate else None,
        )
    except ValueError:
        return None
    if not parent.is_valid:
        return None
    return trace.set_span_in_context(trace.NonRecordingSpan(parent))


def murmur2(data: bytes) -> int:
    """Kafka's murmur2 hash of a key (as the Java client and aiokafka's
    `DefaultPartitioner` compute it), a word at a time with the words unpacked in one
    call: aiokafka's byte-at-a-time version cost the relay more than building the
    record."""
    length = len(data)
    h = 0x9747B28C ^ length
    words = length >> 2
    if words:
        unpack = _WORDS.get(words)
        if unpack is None:
            unpack = _WORDS[words] = struct.Struct(f"<{words}I").unpack_from
        for k in unpack(data):
            k = (k * 0x5BD1E995) & 0xFFFFFFFF
            h = ((h * 0x5BD1E995) ^ ((k ^ (k >> 24)) * 0x5BD1E995)) & 0xFFFFFFFF
    extra = length & 3
    if extra:
        whole = words << 2
        if extra == 3:
            h ^= data[whole + 2] << 16
        if extra >= 2:
            h ^= data[whole + 1] << 8
        h = ((h ^ data[whole]) * 0x5BD1E995) & 0xFFFFFFFF
    h = ((h ^ (h >> 13)) * 0x5BD1E995) & 0xFFFFFFFF
    return h ^ (h >> 15)


_WORDS: dict[int, Any] = {}
"""`struct` unpackers of n little-endian 32-bit words, by n (keys have few lengths)."""


def legacy_headers(text: str) -> tuple[bytes, bool]:
    """A row written before `kafka_headers` (kit tables v3), or by an older replica
    during a rolling deploy, keeps its headers as a JSON object of text: they are
    encoded here as `publish` now encodes them, with whether the trace is sampled.
    Raises ValueError or TypeError for headers that are not such an object (the row is
    refused, not the batch)."""
    stored = json.loads(text)
    if type(stored) is not dict or not all(type(value) is str for value in stored.values()):
        raise TypeError("the outbox row's headers are not a JSON object of text")
    headers = [(name, value.encode()) for name, value in stored.items()]
    return encoded_headers(span_headers_first(headers)), trace_sampled(stored.get("traceparent"))


def outbox_headers(row: Mapping[str, Any]) -> dict[str, str]:
    """An outbox row's headers as text, whichever way the row keeps them
    (`kafka_headers`, or JSON `headers` on a row written before kit tables v3): for
    tests, tools and anyone reading the outbox."""
    if row["kafka_headers"] is not None:
        return {
            name: (value or b"").decode() for name, value in decoded_headers(row["kafka_headers"])
        }
    return dict(row["headers"])


def key_hash(key: bytes) -> int:
    """What Kafka's default partitioner makes of a key: its murmur2, positive (31 bits).
    `publish` stores it with the row, so the relay only takes it modulo the partitions."""
    return murmur2(key) & 0x7FFFFFFF


def partition_of_hash(hashed: int, partitions: Sequence[int]) -> int:
    """The partition of a key whose `key_hash` is `hashed` (`partitions` sorted): the
    one Kafka's default partitioner gives the key; what the relay does with the hash
    each row keeps."""
    return partitions[hashed % len(partitions)]


def relay_lock_key(service: str) -> int:
    """The PostgreSQL advisory lock key of a service's relay: a stable signed 64-bit
    number (Python's hash() differs between processes)."""
    digest = hashlib.sha256(f"hearth.outbox.relay:{service}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def relay_lane_lock_key(service: str, lane: int, lanes: int) -> int:
    """The advisory lock key of one lane of a service's relay (`lanes` > 1): whoever
    holds it is the only relay sending that lane's rows (docs/adr/0018-relay-lanes.md)."""
    return relay_lock_key(f"{service}:lane {lane} of {lanes}")


_RECORD_OVERHEAD_BOUND = 4096
"""More than a record batch's header and a record's length fields and varints ever add
(a message this far under the request size needs no exact estimate)."""


_Message = tuple[str, bytes, bytes, bytes, bool, int]
"""A Kafka message: topic (namespaced), key, value, its encoded headers, whether it
gets a PRODUCER span, and its key's hash (a plain tuple: one is built per row)."""

_ID, _TOPIC, _KEY, _KAFKA_HEADERS, _PAYLOAD, _TRACE_SAMPLED, _KEY_HASH, _HEADERS = range(8)
"""The columns of a batch row, read by position: on PostgreSQL a row is the driver's
own record (asyncpg), on SQLite a plain tuple; neither builds an ORM `Row` per row.
The event's id and type are not read: the headers carry them (`ce_id`, `ce_type`) for
the rows that get a span, and decoding them for every row cost more than that.
`headers` (JSON) is NULL on every row written since kit tables v3; it is read for the
rows written before (`legacy_headers`), which have no `kafka_headers` and no `key_hash`."""

_BATCH_SQL = (
    "SELECT o.id, o.topic, o.message_key, o.kafka_headers, o.payload, o.trace_sampled,"
    " o.key_hash, o.headers::text FROM outbox_message o"
    " WHERE o.id > $1 AND o.published_at IS NULL AND o.parked_at IS NULL AND NOT EXISTS ("
    "SELECT 1 FROM outbox_message p WHERE p.parked_at IS NOT NULL"
    " AND p.published_at IS NULL AND p.topic = o.topic AND p.message_key = o.message_key"
    " AND p.id < o.id)"
    " ORDER BY o.id LIMIT $2"
)
"""`OutboxRelay._next_batch` as PostgreSQL text, run on the driver's connection."""

_LANE_BATCH_SQL = _BATCH_SQL.replace(
    " ORDER BY o.id", " AND (hashtext(o.message_key) & 2147483647) % $3 = $4 ORDER BY o.id"
)
"""`_BATCH_SQL` for one lane ($4) of $3: the rows whose key hashes to it. PostgreSQL's
`hashtext` of the key is stable for a key, so every row of a key is in one lane."""

_LANE_PLAN_SQL = (
    "SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off;"
    " SET LOCAL enable_sort = off; SET LOCAL max_parallel_workers_per_gather = 0"
)
"""For a lane's turn: the planner takes a lane's share of the rows for 1 in 200 (it has
no statistics of the hash) and so scans the whole table, the parked rows and all, and
sorts; with these off it reads the unpublished index in id order and stops after a
batch of the lane's rows (about `lanes` times the batch read). It also planned that
index scan in parallel (two more worker processes started for every batch read, on a
machine whose cores the relays, the broker and PostgreSQL already share): serial, a
first read of a full 200,000-row outbox took 16 ms against 36 ms."""

_DELETE_SQL = "DELETE FROM outbox_message WHERE id = ANY($1::bigint[])"
"""How the relay records that rows were delivered: it deletes them. An UPDATE of
`published_at` (a column of the partial indexes' predicates) was never a HOT update, so
it wrote every row again, payload and all, with new primary-key and `event_id` index
entries, and kept the row for ever; a DELETE only stamps the row's header
(docs/adr/0020-relay-deletes-acknowledged-rows.md). `published_at` stays NULL on every
row the relay sends now; the queries still say `published_at IS NULL`, so rows marked by
an earlier relay (or by a replica still running one during a rolling deploy) are history
that is never sent again."""

_BATCHES_PER_TURN = 8
"""Batches one turn (one transaction, holding the relay's lock) sends at most: long
enough to overlap deleting with sending, short enough that a turn's transaction stays
brief and another replica gets its chance."""

_TURNS_TO_THE_WIRE = 2
"""Turns of the event loop after a record batch is handed to the producer before the
relay builds on: aiokafka's sender takes it into a produce request in one and writes
the request in the next (it runs only when the relay yields)."""

_ROWS_PER_RECORD_BATCH = 500
"""Rows after which a partition's record batch is handed to the producer, full or not.
A batch of 5,000 rows spread over 3 partitions rarely filled a record batch (512 KiB)
before the round's end, so nothing went to the wire until the relay had built the whole
round, and then the relay waited for all of it: the broker's work and the relay's took
turns. Smaller record batches go out while the relay builds the next (the producer
gathers those waiting into its next request)."""


class RelayOutage(Exception):
    """A round could not finish because the broker is unwell; the rows it did not
    deliver wait, uncharged. The relay backs off."""


@dataclass
class _Round:
    """What became of one batch of rows."""

    rows: Sequence[Any]
    delivered: list[int] = field(default_factory=list)
    refused: dict[int, BaseException] = field(default_factory=dict)
    """Rows the broker refused for their own sake, each charged one attempt."""
    suspects: set[int] = field(default_factory=set)
    """Rows in a record batch the broker refused: one of them is at fault, maybe all.
    Each is sent alone to find out (the broker refuses a whole record batch)."""
    outage: BaseException | None = None
    producer_spoilt: bool = False
    """After the broker refuses a record batch, the idempotent producer's sequence for
    that partition is broken; it is replaced before anything else is sent."""

    @property
    def all_delivered(self) -> bool:
        """Every row of the batch was delivered: nothing to charge, retry or hold."""
        return len(self.delivered) == len(self.rows) and not (
            self.refused or self.suspects or self.outage or self.producer_spoilt
        )


class OutboxRelay:
    """Sends outbox rows to Kafka, oldest first, and deletes each once it is delivered."""

    def __init__(self, settings: ServiceSettings, db: Database, *, lane: int | None = None) -> None:
        """`lane` pins this relay to one lane of `outbox_relay_lanes`; by default it
        sends any lane no other relay holds (and, with one lane, the whole outbox)."""
        self.settings = settings
        self.db = db
        self.service = settings.service_name
        self.lanes = settings.outbox_relay_lanes if db.is_postgresql else 1
        if lane is not None and not 0 <= lane < self.lanes:
            raise ValueError(f"lane {lane} is not one of the {self.lanes} lanes")
        self._pinned_lane = lane
        self._next_lane = lane or 0
        self._lane: int | None = None
        """The lane of the turn being taken (None: the whole outbox, one lane)."""
        self._wake = asyncio.Event()
        self._producer: AIOKafkaProducer | None = None
        self._stopping = False
        self._lock_key = relay_lock_key(self.service)
        self._counting: asyncio.Task[None] | None = None
        """The gauges' count, on a timer of its own beside the turns (see
        `_count_gauges_on_timer`)."""
        self._tracer = tracer(__name__)
        self._partitions_of: dict[str, list[int]] = {}
        self._topics: dict[str, str] = {}
        db.on_outbox_commit(self.wake)

    def wake(self) -> None:
        """Publish soon (called after a transaction that wrote outbox rows commits)."""
        self._wake.set()

    async def run(self) -> None:
        """Relay until cancelled, backing off while Kafka is unreachable. The gauges
        are counted meanwhile on a timer of their own (`_count_gauges_on_timer`)."""
        if self._counting is None or self._counting.done():
            self._counting = asyncio.create_task(self._count_gauges_on_timer())
        try:
            await self._relay()
        finally:
            await self._stop_counting()

    async def _relay(self) -> None:
        backoff = 0.5
        while not self._stopping:
            try:
                sent = await self.publish_pending()
                backoff = 0.5
                if sent < self.settings.outbox_batch_size:
                    await self._sleep(self.settings.outbox_poll_interval_seconds)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                OUTBOX_FAILURES.labels(self.service).inc()
                log.warning(
                    "outbox relay failed; will retry",
                    error=describe_exception(exc),
                    backoff=backoff,
                )
                await self._close_producer()
                await self._sleep(backoff, wakeable=False)
                backoff = min(backoff * 2, 10.0)

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        await self._stop_counting()
        await self._close_producer()

    async def _stop_counting(self) -> None:
        counting, self._counting = self._counting, None
        if counting is not None:
            counting.cancel()
            with contextlib.suppress(BaseException):
                await counting

    async def publish_pending(self, producer: AIOKafkaProducer | None = None) -> int:
        """Take one turn on the outbox (one lane), or with `outbox_relay_lanes` > 1 one
        turn on each lane no other relay holds, starting after the lane last started
        from; returns how many rows were delivered."""
        if self.lanes == 1:
            return await self._take_turn_on(None, producer)
        if self._pinned_lane is not None:
            return await self._take_turn_on(self._pinned_lane, producer)
        first, self._next_lane = self._next_lane, (self._next_lane + 1) % self.lanes
        delivered = 0
        for step in range(self.lanes):
            delivered += await self._take_turn_on((first + step) % self.lanes, producer)
        return delivered

    async def _take_turn_on(
        self, lane: int | None, producer: AIOKafkaProducer | None = None
    ) -> int:
        """Take one turn on `lane` (None: the whole outbox): send batches of unpublished
        rows; returns how many were delivered.

        On PostgreSQL a turn sends up to `_BATCHES_PER_TURN` batches in one transaction
        (holding the relay's lock): while a batch's delivered rows are deleted on a
        connection of their own, the next batch is read and sent, so the database's
        work overlaps the broker's and the relay's. The turn ends (and its lock is
        released) only after every delete has committed. A batch with anything but
        deliveries (a refusal, a suspect batch, an outage) is settled as before, in the
        turn's transaction, and ends the turn. See docs/adr/0012-relay-overlaps-batches.md.
        A full batch's successor is read while it is sent, and used only if it was
        delivered whole (docs/adr/0015-relay-pipelines-its-turn.md).

        Rows the broker refuses are charged (and parked after `outbox_max_attempts`);
        raises `RelayOutage` after deleting what was delivered if the broker is unwell.
        """
        deleted = 0
        deleting: asyncio.Task[None] | None = None
        outcome: _Round | None = None
        parked: list[Any] = []
        self._lane = lane
        # On SQLite a session of `sessionmaker` takes the database's write lock at its
        # start; the relay's begins at its first write, so requests are not held up
        # while it sends (one relay there: nothing to keep apart).
        sessions = self.db.read_sessionmaker if self.db.is_sqlite else self.db.sessionmaker
        async with sessions() as session, session.begin():
            if not await self._take_turn(session):
                return 0  # another relay of this service (of this lane) is sending
            reading: asyncio.Task[Sequence[Any]] | None = None
            try:
                batches = _BATCHES_PER_TURN if self.db.is_postgresql else 1
                rows = await self._read_batch(session)
                for number in range(1, batches + 1):
                    if not rows:
                        outcome = None
                        break
                    outcome = _Round(rows)
                    if number < batches and len(rows) == self.settings.outbox_batch_size:
                        # The next batch (ids above this one's: its rows are not deleted
                        # yet) is read while this one is built and sent, so PostgreSQL
                        # works on it while the relay and the broker work on this one.
                        reading = asyncio.create_task(self._read_batch(session, rows[-1][_ID]))
                    await self._send_all(producer or await self._ensure_producer(), outcome)
                    if deleting is not None:
                        await deleting  # the previous batch's delete, done meanwhile
                        deleting = None
                    if self.db.is_postgresql and outcome.all_delivered:
                        deleting = asyncio.create_task(self._delete_apart(outcome.delivered))
                        deleted += len(outcome.delivered)
                        if reading is None:
                            break
                        rows, reading = await reading, None
                        continue
                    if reading is not None:
                        # Not to be sent: the turn ends with this batch, and the
                        # bookkeeping needs the turn's connection.
                        with contextlib.suppress(Exception):
                            await reading
                        reading = None
                    if outcome.producer_spoilt:
                        await self._close_producer()
                    if outcome.suspects and outcome.outage is None:
                        await self._send_suspects_alone(outcome)
                    parked = await self._record(session, outcome)
                    deleted += len(outcome.delivered)
                    break
                if deleting is not None:
                    await deleting
                    deleting = None
            finally:
                # The turn failed: its rows are sent again later.
                for task in (deleting, reading):
                    if task is not None:
                        task.cancel()
                        with contextlib.suppress(BaseException):
                            await task
        OUTBOX_PUBLISHED.labels(self.service).inc(deleted)
        if outcome is not None and outcome.refused:
            OUTBOX_REFUSALS.labels(self.service).inc(len(outcome.refused))
        for row in parked:
            OUTBOX_PARKINGS.labels(self.service).inc()
            log.error(
                "outbox row parked",
                outbox_id=row["id"],
                event_id=str(row["event_id"]),
                event_type=row["event_type"],
                topic=row["topic"],
                message_key=row["message_key"],
                attempts=row["attempts"],
                error=row["last_error"],
            )
        if parked:
            await self._record_parked()
        if outcome is not None and outcome.outage is not None:
            raise RelayOutage(error_text(outcome.outage)) from outcome.outage
        return deleted

    async def _delete_apart(self, ids: list[int]) -> None:
        """Delete delivered rows on a pooled connection of their own, committed at once
        (no explicit transaction), while the turn reads and sends the next batch. The
        turn awaits this before it commits and releases its lock, so another relay never
        finds these rows still to be sent; if it fails, the turn fails and the rows are
        sent again (consumers de-duplicate)."""
        async with self.db.engine.connect() as connection:
            raw = await connection.get_raw_connection()
            driver: Any = raw.driver_connection
            await driver.execute(_DELETE_SQL, ids)

    async def _take_turn(self, session: AsyncSession) -> bool:
        """On PostgreSQL, one relay of a service sends at a time: a transaction-scoped
        advisory lock, released at commit. A second relay (another replica) finds it
        taken and waits for its next poll instead of sending rows out of order.
        SQLite (the embedded default) runs one process, so one relay."""
        if not self.db.is_postgresql:
            return True
        if self._lane is None:
            taken = await session.scalar(
                select(func.pg_try_advisory_xact_lock(bindparam("key", self._lock_key, BigInteger)))
            )
            return bool(taken)
        # A lane: its own lock, and the whole outbox's lock shared, so a relay that
        # sends the whole outbox (one lane: an older replica, or one set differently)
        # and a lane's relay never send at once.
        lane_key = relay_lane_lock_key(self.service, self._lane, self.lanes)
        shared = await session.scalar(
            select(
                func.pg_try_advisory_xact_lock_shared(bindparam("key", self._lock_key, BigInteger))
            )
        )
        if not shared:
            return False
        taken = await session.scalar(
            select(func.pg_try_advisory_xact_lock(bindparam("key", lane_key, BigInteger)))
        )
        if taken:
            await (await _driver_connection(session)).execute(_LANE_PLAN_SQL)
        return bool(taken)

    async def _read_batch(self, session: AsyncSession, after: int = 0) -> Sequence[Any]:
        """The next batch, in id order, of rows with ids above `after` (the turn's
        batches so far, sent but perhaps not yet deleted). On PostgreSQL it is read on
        the driver's own connection (the session's, in its transaction): SQLAlchemy's
        result rows and its JSON codec cost more per row than sending it."""
        if self.db.is_postgresql:
            driver = await _driver_connection(session)
            rows: Sequence[Any]
            if self._lane is None:
                rows = await driver.fetch(_BATCH_SQL, after, self.settings.outbox_batch_size)
            else:
                rows = await driver.fetch(
                    _LANE_BATCH_SQL, after, self.settings.outbox_batch_size, self.lanes, self._lane
                )
            return rows
        return (
            (await session.execute(self._next_batch().where(outbox_message.c.id > after)))
            .tuples()
            .all()
        )

    def _next_batch(self) -> Any:
        """The oldest unpublished rows, leaving out parked rows and every later row of a
        parked row's key (per-key order); the NOT EXISTS probes the small parked index.
        Old rows' JSON headers come as text (`legacy_headers` parses them)."""
        row = outbox_message
        parked = outbox_message.alias("parked")
        waits_behind_parked = exists().where(
            parked.c.parked_at.is_not(None),
            parked.c.published_at.is_(None),
            parked.c.topic == row.c.topic,
            parked.c.message_key == row.c.message_key,
            parked.c.id < row.c.id,
        )
        return (
            select(
                row.c.id,
                row.c.topic,
                row.c.message_key,
                row.c.kafka_headers,
                row.c.payload,
                row.c.trace_sampled,
                row.c.key_hash,
                cast(row.c.headers, Text),
            )
            .where(row.c.published_at.is_(None), row.c.parked_at.is_(None), ~waits_behind_parked)
            .order_by(row.c.id)
            .limit(self.settings.outbox_batch_size)
        )

    async def _send_all(self, producer: AIOKafkaProducer, outcome: _Round) -> None:
        """Append every row to a record batch for its partition, hand each batch to the
        producer as it fills, then await the broker's answers together (one future per
        record batch, not per row). A row refused before it is queued (too large for
        the producer, say) is refused on its own; the later rows of its key wait."""
        open_batches: dict[tuple[str, int], tuple[EncodedRecordBatch, list[Any]]] = {}
        queued: list[tuple[list[Any], asyncio.Future[Any]]] = []
        held: set[tuple[str, str]] = set()

        async def submit(topic: str, partition: int) -> bool:
            """Hand a record batch to the producer; one it will not take (its buffer
            stayed full, it is closing) is nobody's fault: the round stops sending."""
            builder, rows = open_batches.pop((topic, partition))
            builder.close()
            try:
                future = await producer.send_batch(builder, topic, partition=partition)
            except Exception as exc:
                outcome.outage = outcome.outage or exc
                return False
            queued.append((rows, future))
            # Let the producer's sender put the batch on the wire now (one turn of the
            # loop to take it, one to write the request) rather than when the relay
            # next waits, near the end of the round: the broker works on it while the
            # relay builds the next record batches.
            for _ in range(_TURNS_TO_THE_WIRE):
                await asyncio.sleep(0)
            return True

        with collector_paused():
            await self._append_all(producer, outcome, open_batches, held, submit)
            for topic, partition in list(open_batches):
                if outcome.outage is None:
                    await submit(topic, partition)
        if not queued:
            return
        await asyncio.wait(
            [future for _, future in queued], timeout=self.settings.outbox_delivery_timeout_seconds
        )
        for rows, future in queued:
            ids = [row[_ID] for row in rows]
            if not future.done():
                outcome.outage = outcome.outage or KafkaTimeoutError(
                    "no acknowledgement within outbox_delivery_timeout_seconds"
                )
                outcome.producer_spoilt = True
                continue
            failure = future.exception()
            if failure is None:
                outcome.delivered.extend(ids)
                continue
            outcome.producer_spoilt = True
            if fault_of(failure) is Fault.ROW:
                outcome.suspects.update(ids)
            elif not isinstance(failure, OutOfOrderSequenceNumber):
                outcome.outage = outcome.outage or failure

    async def _append_all(
        self,
        producer: AIOKafkaProducer,
        outcome: _Round,
        open_batches: dict[tuple[str, int], tuple[EncodedRecordBatch, list[Any]]],
        held: set[tuple[str, str]],
        submit: Callable[[str, int], Awaitable[bool]],
    ) -> None:
        """Append each row of the round to the open record batch of its partition,
        handing batches that fill to `submit`; a row refused before it is queued is
        refused alone and the later rows of its key are held."""
        partitions_of = self._partitions_of
        for row in outcome.rows:
            if outcome.outage is not None:
                break
            if held and (row[_TOPIC], row[_KEY]) in held:
                continue
            try:
                topic, key, value, headers, sampled, hashed = self._message_of(row)
                partition = partition_of_hash(
                    hashed, partitions_of.get(topic) or await self._partitions(producer, topic)
                )
                span = self._span_for(headers, topic) if sampled else None
                try:
                    while True:
                        entry = open_batches.get((topic, partition))
                        if entry is None:
                            entry = (EncodedRecordBatch(PRODUCER_BATCH_BYTES), [])
                            open_batches[(topic, partition)] = entry
                        batch, batch_rows = entry
                        if batch.append(key, value, headers):
                            batch_rows.append(row)
                            if len(batch_rows) >= _ROWS_PER_RECORD_BATCH:
                                await submit(topic, partition)
                            break
                        # The batch is full; an empty batch takes any record within the
                        # request size, so this loops at most twice.
                        if not await submit(topic, partition):
                            break
                finally:
                    if span is not None:
                        span.end()
            except Exception as exc:
                if fault_of(exc) is Fault.BROKER:
                    outcome.outage = exc
                    break
                outcome.refused[row[_ID]] = exc
                held.add((row[_TOPIC], row[_KEY]))

    def _message_of(self, row: Any) -> _Message:
        """The row's topic (namespaced), its Kafka message (key, value, encoded headers)
        and whether its trace is sampled; refuses, as the producer's own send() would, a
        message larger than the producer's request size."""
        stored_topic: str = row[_TOPIC]
        topic = self._topics.get(stored_topic)
        if topic is None:
            topic = self._topics[stored_topic] = namespaced(
                stored_topic, self.settings.kafka_namespace
            )
        key: bytes = row[_KEY].encode()
        value: bytes = row[_PAYLOAD]
        headers: bytes | None = row[_KAFKA_HEADERS]
        if headers is None:
            headers, sampled = legacy_headers(row[_HEADERS])
        else:
            sampled = bool(row[_TRACE_SAMPLED])
        hashed: int | None = row[_KEY_HASH]
        if hashed is None:
            hashed = key_hash(key)
        # A cheap bound first, the exact size only near it.
        if len(value) + len(key) + len(headers) + _RECORD_OVERHEAD_BOUND > (
            PRODUCER_MAX_REQUEST_BYTES
        ):
            size = BATCH_HEADER_BYTES + record_size(key, value, headers)
            if size > PRODUCER_MAX_REQUEST_BYTES:
                raise MessageSizeTooLargeError(
                    f"The message is {size} bytes when serialized, more than the producer's "
                    f"max_request_size ({PRODUCER_MAX_REQUEST_BYTES})"
                )
        return topic, key, value, headers, sampled, hashed

    def _span_for(self, headers: bytes, topic: str) -> trace.Span | None:
        """A PRODUCER span joining the writer's trace, for a row whose trace is sampled
        (an unsampled event's span would be recorded nowhere, and costs more than the
        send). Its headers are decoded for this: the trace context, the event's id and
        type."""
        stored = {
            name: value.decode() for name, value in leading_headers(headers, SPAN_HEADERS).items()
        }
        parent = sampled_parent(stored.get("traceparent"), stored.get("tracestate"))
        return None if parent is None else self._producer_span(parent, stored, topic)

    def _producer_span(
        self, parent: otel_context.Context, stored: dict[str, Any], topic: str
    ) -> trace.Span:
        """A PRODUCER span for one event, a child of the span that wrote it; the event's
        id and type are its CloudEvents headers (`ce_id`, `ce_type`)."""
        return self._tracer.start_span(
            f"{topic} publish",
            context=parent,
            kind=trace.SpanKind.PRODUCER,
            attributes={
                "messaging.system": "kafka",
                "messaging.destination.name": topic,
                "messaging.message.id": str(stored.get("ce_id")),
                "cloudevents.event_type": str(stored.get("ce_type")),
                "hearth.service": self.service,
            },
        )

    async def _partitions(self, producer: AIOKafkaProducer, topic: str) -> list[int]:
        partitions = self._partitions_of.get(topic)
        if partitions is None:
            partitions = sorted(await producer.partitions_for(topic))
            self._partitions_of[topic] = partitions
        return partitions

    async def _send_suspects_alone(self, outcome: _Round) -> None:
        """Send each row of a refused record batch on its own, in id order, so only the
        row at fault is charged. A row waits (uncharged) when an earlier row of its key
        is not delivered, so no row overtakes another of its key."""
        delivered = set(outcome.delivered)
        waiting: set[tuple[str, str]] = set()
        for row in outcome.rows:
            key = (row[_TOPIC], row[_KEY])
            if row[_ID] in delivered:
                continue
            if row[_ID] not in outcome.suspects or key in waiting:
                waiting.add(key)
                continue
            try:
                producer = await self._ensure_producer()
                future = await self._send(producer, row)
                async with asyncio.timeout(self.settings.outbox_delivery_timeout_seconds):
                    await future
            except Exception as exc:
                if fault_of(exc) is Fault.BROKER:
                    outcome.outage = exc
                    return
                outcome.refused[row[_ID]] = exc
                waiting.add(key)
                await self._close_producer()  # its sequence for the partition is broken
                continue
            outcome.delivered.append(row[_ID])
        outcome.suspects.clear()

    async def _send(self, producer: AIOKafkaProducer, row: Any) -> asyncio.Future[Any]:
        """Send one row by itself (to find which row of a refused batch is at fault)."""
        topic, key, value, headers, sampled, hashed = self._message_of(row)
        partition = partition_of_hash(hashed, await self._partitions(producer, topic))
        span = self._span_for(headers, topic) if sampled else None
        try:
            batch = EncodedRecordBatch(PRODUCER_BATCH_BYTES)
            batch.append(key, value, headers)
            batch.close()
            future: asyncio.Future[Any] = await producer.send_batch(
                batch, topic, partition=partition
            )
        finally:
            if span is not None:
                span.end()
        return future

    async def _record(self, session: AsyncSession, outcome: _Round) -> list[Any]:
        """Delete the delivered rows in one DELETE; charge each refused row an attempt
        and park it once it has had `outbox_max_attempts` (a parked row stays, and holds
        the rest of its key). Returns the rows parked now."""
        now = datetime.now(UTC)
        if outcome.delivered and self.db.is_postgresql:
            # One array parameter, on the driver's connection (in the session's transaction).
            driver = await _driver_connection(session)
            await driver.execute(_DELETE_SQL, outcome.delivered)
        elif outcome.delivered:
            await session.execute(
                delete(outbox_message).where(outbox_message.c.id.in_(outcome.delivered))
            )
        parked = []
        for outbox_id, exc in outcome.refused.items():
            charged = (
                (
                    await session.execute(
                        update(outbox_message)
                        .where(outbox_message.c.id == outbox_id)
                        .values(attempts=outbox_message.c.attempts + 1, last_error=error_text(exc))
                        .returning(
                            outbox_message.c.id,
                            outbox_message.c.event_id,
                            outbox_message.c.event_type,
                            outbox_message.c.topic,
                            outbox_message.c.message_key,
                            outbox_message.c.attempts,
                            outbox_message.c.last_error,
                        )
                    )
                )
                .mappings()
                .one()
            )
            if charged["attempts"] >= self.settings.outbox_max_attempts:
                await session.execute(
                    update(outbox_message)
                    .where(outbox_message.c.id == outbox_id)
                    .values(parked_at=now)
                )
                parked.append(charged)
            else:
                log.warning(
                    "outbox row refused; will retry",
                    outbox_id=outbox_id,
                    event_id=str(charged["event_id"]),
                    event_type=charged["event_type"],
                    attempts=charged["attempts"],
                    error=charged["last_error"],
                )
        return parked

    async def _count_gauges_on_timer(self) -> None:
        """Count the gauges at once and then every `outbox_metrics_interval_seconds`,
        on a task of its own, whatever the turns are doing: a turn can wait up to the
        broker's ack timeout while the broker is lost, and the backlog must show that
        outage as it grows, not a minute later (docs/runbooks/lost-broker.md). One
        count at a time (this task's), never between turns: counting a backlog of
        200,000 rows took about 100 ms, during which a relay counting between turns
        sent nothing. A count that fails (the database is away too) is logged and
        tried again at the next tick."""
        while not self._stopping:
            try:
                await self.record_gauges()
            except Exception as exc:
                log.warning("outbox gauges not counted", error=describe_exception(exc))
            await asyncio.sleep(self.settings.outbox_metrics_interval_seconds)

    async def record_gauges(self) -> None:
        """Count the unpublished and the parked rows now and set the gauges. Reads only,
        so in a read session: on SQLite a `sessionmaker` session begins with BEGIN
        IMMEDIATE (ADR 0027), so a count would wait for, then hold, the write lock."""
        async with self.db.read_sessionmaker() as session:
            count, oldest = (
                await session.execute(
                    select(func.count(), func.min(outbox_message.c.created_at)).where(
                        outbox_message.c.published_at.is_(None)
                    )
                )
            ).one()
            parked = await session.scalar(self._parked_count())
        OUTBOX_BACKLOG.labels(self.service).set(count)
        OUTBOX_PARKED.labels(self.service).set(parked or 0)
        if oldest is None:
            OUTBOX_OLDEST_AGE.labels(self.service).set(0)
            return
        if oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=UTC)
        OUTBOX_OLDEST_AGE.labels(self.service).set((datetime.now(UTC) - oldest).total_seconds())

    async def _record_parked(self) -> None:
        with contextlib.suppress(Exception):
            async with self.db.read_sessionmaker() as session:  # a read: no write lock
                parked = await session.scalar(self._parked_count())
            OUTBOX_PARKED.labels(self.service).set(parked or 0)

    @staticmethod
    def _parked_count() -> Any:
        return select(func.count()).where(
            outbox_message.c.parked_at.is_not(None), outbox_message.c.published_at.is_(None)
        )

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            await ensure_topics(
                self.settings,
                [namespaced(events_topic(self.service), self.settings.kafka_namespace)],
            )
            producer = new_producer(self.settings, client_id=f"hearth-{self.service}-relay")
            try:
                await start_client(producer, self.settings)
            except BaseException:
                with contextlib.suppress(Exception):
                    await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _close_producer(self) -> None:
        """Stop the producer; one that cannot flush (the broker is gone and the
        idempotent producer retries for ever) is torn down after a few seconds
        (`stop_producer`). Its rows are not deleted, so they are sent again (consumers
        de-duplicate)."""
        producer, self._producer = self._producer, None
        self._partitions_of.clear()  # a new producer looks the partitions up again
        if producer is not None:
            with contextlib.suppress(Exception):
                await stop_producer(producer)

    async def _sleep(self, seconds: float, *, wakeable: bool = True) -> None:
        if not wakeable:
            await asyncio.sleep(seconds)
            return
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._wake.wait()
        self._wake.clear()


async def relay_until_stopped(settings: ServiceSettings, *, lane: int | None = None) -> None:
    """Run a service's relay on its own, in this process, until SIGINT or SIGTERM
    (`hearth relay <service>`): with `outbox_relay_lanes` > 1, as many of these (and the
    services' own relays) publish one outbox side by side, a lane each."""
    import signal

    from hearth_kit.logs import setup_logging
    from hearth_kit.tracing import setup_tracing

    settings.refuse_development_defaults()
    setup_logging(settings.log_level, settings.log_format)
    setup_tracing(f"hearth-{settings.service_name}-relay", settings.otel_exporter)
    db = Database(
        settings.database_url,
        pool_size=settings.database_pool_size,
        max_overflow=settings.database_max_overflow,
        statement_timeout_seconds=settings.database_statement_timeout_seconds,
    )
    relay = OutboxRelay(settings, db, lane=lane)
    running = asyncio.create_task(relay.run())
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, running.cancel)
    log.info("relay started", service=relay.service, lanes=relay.lanes, lane=lane)
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await running
    finally:
        await relay.stop()
        await db.dispose()
        log.info("relay stopped", service=relay.service)


async def _driver_connection(session: AsyncSession) -> Any:
    """The driver's own connection (asyncpg) under the session's, inside the session's
    transaction: statements on it see and take part in what the session did."""
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection
