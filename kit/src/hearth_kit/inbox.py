"""Batch handling with the inbox: each event of a partition's batch has its effect once.

A batch is applied in one transaction: one statement records every event id in the
inbox (`INSERT ... ON CONFLICT DO NOTHING RETURNING event_id`), the handlers run only
for the ids it returned, and one commit covers the lot. A redelivered event, or one
another consumer member handled meanwhile, is not returned and so has no second effect.

If the batch fails, it rolls back and each event is handled on its own, with retries,
and dead-lettered when they run out, so a poison event costs only itself. A database
that does not answer is nobody's fault: it stops the batch (`DatabaseUnavailable`)
without using up attempts or dead-lettering, and the consumer pauses the partition.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import gc
import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

import asyncpg
from aiokafka import ConsumerRecord
from opentelemetry import trace
from opentelemetry.trace import Status, StatusCode
from pydantic import ValidationError
from sqlalchemy import BigInteger, text
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope, EnvelopeError, Event
from hearth_contracts.envelope import parse_message
from hearth_contracts.events.base import event_class
from hearth_kit.database_faults import is_infrastructure_fault
from hearth_kit.db import Database
from hearth_kit.event_handlers import BatchHandler, EventHandlers, runs_of_one_type
from hearth_kit.logs import get_logger
from hearth_kit.metrics import EVENTS_HANDLED, HANDLER_FAILURES
from hearth_kit.personal_data import without_quoted_values
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import inbox_event
from hearth_kit.tracing import context_from_headers, tracer

if TYPE_CHECKING:
    from hearth_kit.dead_letters import DeadLetters

log = get_logger(__name__)


class Delivered(Protocol):
    """What the inbox reads of a delivered message: a `Message`, or aiokafka's
    `ConsumerRecord` as the poll returned it. A batch is handled from the records
    themselves (copying each into a `Message` was a tenth of a microsecond per field,
    for nothing); a record becomes a `Message` only when it is handled on its own
    (retries, dead letters)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


@dataclass(frozen=True, slots=True)
class Message:
    """What the runner needs of a Kafka record (also rebuilt from a dead letter on replay)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]

    @classmethod
    def of(cls, record: ConsumerRecord[Any, Any] | Delivered) -> Message:
        if isinstance(record, Message):
            return record
        return cls(
            record.topic,
            record.partition,
            record.offset,
            record.key,
            record.value,
            tuple(record.headers or ()),
        )

    def header(self, name: str) -> str | None:
        """One header as text (the last one wins), without decoding the others."""
        found: bytes | None = None
        for key, value in self.headers:
            if key == name:
                found = value
        return None if found is None else found.decode("utf-8", "replace")


class Poison(Exception):
    """A message that can never be handled (not a CloudEvent, or data off its schema).
    Its text names what is wrong, never the values the message carried."""


class BatchInterrupted(Exception):
    """Handling stopped at `offset`: the events before it are handled, it and the
    events after it are not (and are delivered again)."""

    def __init__(self, offset: int, reason: str) -> None:
        super().__init__(f"{reason} at offset {offset}")
        self.offset = offset


class DatabaseUnavailable(BatchInterrupted):
    """The database did not answer: wait for it, then go on from `offset`."""


class HandlingInterrupted(BatchInterrupted):
    """The consumer is stopping or its partitions are moving: the next owner resumes."""


def parse(message: Delivered) -> Envelope[Event]:
    """The message as an envelope, or Poison naming what is wrong with it."""
    return _parse(message, dict(message.headers))


def _parse(message: Delivered, headers: dict[str, bytes]) -> Envelope[Event]:
    """`parse`, given the message's headers as a dict (the last of a name wins).

    A well-formed message is read here directly, decoding only the headers it needs and
    validating the data with its type's validator (this runs for every event, so it is
    kept cheap); anything irregular goes through the contracts' `parse_message`, which
    names the fault."""
    try:
        if headers.get("ce_specversion") == b"1.0":
            traceparent, tracestate = headers.get("traceparent"), headers.get("tracestate")
            return _envelope(
                _validator(headers["ce_type"])(message.value or b""),
                _EventId(headers["ce_id"].decode()),
                _moment(headers["ce_time"]),
                None if traceparent is None else traceparent.decode(),
                None if tracestate is None else tracestate.decode(),
            )
    except (KeyError, ValueError, TypeError, AttributeError):
        pass  # named below
    try:
        return parse_message(message.headers, message.value)
    except ValidationError as exc:
        raise Poison(validation_summary(exc)) from exc
    except (EnvelopeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Poison(str(exc)) from exc


_EventId: Callable[[str], uuid.UUID] = asyncpg.pgproto.pgproto.UUID
"""Event ids are read with asyncpg's UUID, a `uuid.UUID` (equal, and equally hashed, to
the standard one) parsed in C: the standard one's parsing in Python was a tenth of the
consumer's own per-event work."""


def _moment(ce_time: bytes) -> datetime:
    """ce_time as an aware moment; one without an offset (not RFC 3339) is left to the
    contracts' parser to name (ValueError: the slow path)."""
    moment = datetime.fromisoformat(ce_time.decode())
    if moment.tzinfo is None:
        raise ValueError("ce_time has no UTC offset")
    return moment


_ENVELOPE_FIELDS = ("data", "id", "time", "traceparent", "tracestate")
_ENVELOPE_IS_AS_EXPECTED = tuple(f.name for f in dataclasses.fields(Envelope)) == _ENVELOPE_FIELDS
"""Whether the fast construction below fills every field (else Envelope(...) is used)."""


def _envelope(
    data: Event,
    event_id: uuid.UUID,
    time: datetime,
    traceparent: str | None,
    tracestate: str | None,
) -> Envelope[Event]:
    """`Envelope(data=..., id=..., ...)` with every field given, without the frozen
    dataclass's `__init__` (five `object.__setattr__` calls): it was as costly as the
    rest of the parse bar the data's validation. kit/tests/test_inbox_parse.py checks it
    builds what `Envelope(...)` builds. The fields go into the instance's dict one
    by one (a third of the time of `dict.update(zip(...))`, measured)."""
    if not _ENVELOPE_IS_AS_EXPECTED:
        return Envelope(data, event_id, time, traceparent, tracestate)
    envelope: Envelope[Event] = object.__new__(Envelope)
    fields = envelope.__dict__
    fields["data"] = data
    fields["id"] = event_id
    fields["time"] = time
    fields["traceparent"] = traceparent
    fields["tracestate"] = tracestate
    return envelope


_VALIDATORS: dict[bytes, Callable[[bytes], Event]] = {}


def _validator(ce_type: bytes) -> Callable[[bytes], Event]:
    """The JSON validator of an event type's model (`model_validate_json` without its
    wrapper), looked up once per type; KeyError when the type is unknown."""
    validate = _VALIDATORS.get(ce_type)
    if validate is None:
        validate = _VALIDATORS[ce_type] = event_class(
            ce_type.decode()
        ).__pydantic_validator__.validate_json
    return validate


def validation_summary(exc: ValidationError) -> str:
    """Where and how data broke its schema, without the input values (personal data)."""
    errors = exc.errors(include_input=False, include_url=False)
    parts = [f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in errors]
    return f"{len(errors)} validation error(s) for {exc.title}: " + "; ".join(parts)


def failure_text(error: BaseException) -> str:
    """Why handling failed, for logs, dead letters and their topic, without personal
    data: pydantic errors without their input values; database errors as the driver's
    first line only (never the statement's parameters or the server's DETAIL, which
    quotes row values). Other exceptions keep their message without the values it
    quotes (`without_quoted_values`): Python's and libraries' errors quote what they
    refused (int(), an enum, a date, a missing key), and a handler passes them event and
    row values. Handlers must still not put personal data in the exceptions they raise:
    an unquoted value stays."""
    if isinstance(error, ValidationError):
        reason = validation_summary(error)
    elif isinstance(error, StatementError):
        cause = error.orig if error.orig is not None else error
        lines = str(cause).strip().splitlines()
        reason = f"{type(cause).__name__}: {lines[0] if lines else ''}"
    elif isinstance(error, Poison):
        reason = str(error)  # names what is wrong, never a value (its quotes are the schema's)
    else:
        reason = without_quoted_values(str(error))
    return f"{type(error).__name__}: {reason}"[:4000]


_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_ODD_HEX_DIGITS = frozenset("13579bdfBDF")


def sampled(traceparent: str | None) -> bool:
    """Whether a W3C traceparent (`00-<trace id>-<span id>-<flags>`) has its sampled flag
    set: only then is the event's handling traced. The flag is the flags byte's lowest
    bit, so its second hex digit is odd (read without parsing a number: this runs for
    every event)."""
    return (
        traceparent is not None
        and len(traceparent) >= 55
        and traceparent[54] in _ODD_HEX_DIGITS
        and traceparent[53] in _HEX_DIGITS
    )


_INSERT_INTO_THE_INBOX = (
    "INSERT INTO inbox_event"
    ' (event_id, consumer_group, event_type, topic, partition, "offset", handled_at)'
    " SELECT e.event_id, CAST(:group AS varchar), e.event_type, CAST(:topic AS varchar),"
    ' CAST(:partition AS integer), e."offset", CAST(:handled_at AS timestamptz)'
    " FROM unnest(CAST(:event_ids AS uuid[]), CAST(:event_types AS varchar[]),"
    ' CAST(:offsets AS bigint[])) AS e(event_id, event_type, "offset")'
)
_RECORD_ON_POSTGRESQL = text(
    _INSERT_INTO_THE_INBOX + ' ON CONFLICT DO NOTHING RETURNING "offset"'
).columns(offset=BigInteger)
"""The whole batch into the inbox in one statement: three arrays rather than a row of
parameters per event. It returns the offsets of the events it inserted (plain
integers, cheaper to read back than ids)."""
_RECORD_NEW_ON_POSTGRESQL = text(_INSERT_INTO_THE_INBOX)
"""The same rows with a plain INSERT, for a batch expected to be new (a consumer's
batch almost always is): it inserts them all, or fails on the inbox's primary key if
any was handled before (then the batch is applied again with the statement above).
PostgreSQL's ON CONFLICT inserts each row speculatively (a check, the insert, a
confirmation), which measured about a third more of the server's time per row
(docs/adr/0017-the-inbox-inserts-a-new-batch-plainly.md)."""
_RECORD_NEW_OF_ONE_TYPE_ON_POSTGRESQL = text(
    "INSERT INTO inbox_event"
    ' (event_id, consumer_group, event_type, topic, partition, "offset", handled_at)'
    " SELECT e.event_id, CAST(:group AS varchar), CAST(:event_type AS varchar),"
    ' CAST(:topic AS varchar), CAST(:partition AS integer), e."offset",'
    " CAST(:handled_at AS timestamptz)"
    ' FROM unnest(CAST(:event_ids AS uuid[]), CAST(:offsets AS bigint[])) AS e(event_id, "offset")'
)
"""The plain INSERT of a batch all of one type (a projection being loaded): the type
once rather than an array of it (asyncpg checks and encodes each element of an array
in Python-level steps, a few tenths of a microsecond each)."""

_UNIQUE_VIOLATION = "23505"


class _HandledBefore(Exception):
    """A batch recorded as new met an event already in the inbox."""


class Inbox:
    """Applies batches of one partition's messages with inbox de-duplication."""

    def __init__(
        self,
        settings: ServiceSettings,
        db: Database,
        handlers: EventHandlers,
        dead_letters: DeadLetters,
        *,
        interrupted: Callable[[], bool] = lambda: False,
    ) -> None:
        self.settings = settings
        self.db = db
        self.handlers = handlers
        self.dead_letters = dead_letters
        self.service = settings.service_name
        self.group = settings.consumer_group
        self._interrupted = interrupted
        self._tracer = tracer(__name__)
        self._handled_types: set[bytes | None] = set()

    async def handle(self, messages: Sequence[Delivered]) -> None:
        """Handle a partition's messages in order: each once, or dead-lettered.

        Raises DatabaseUnavailable or HandlingInterrupted with the first offset not
        handled; any other error (the dead-letter topic unreachable) propagates."""
        relevant: list[Delivered] = []
        headers_of: list[dict[str, bytes]] = []
        ignored: Counter[str] = Counter()
        handled_types = self._handled_types
        if not messages:
            return
        topic, partition = messages[0].topic, messages[0].partition
        one_partition = True
        for message in messages:
            headers = dict(message.headers)
            ce_type = headers.get("ce_type")
            if ce_type in handled_types or self._handles(ce_type):
                relevant.append(message)
                headers_of.append(headers)
                if message.partition != partition or message.topic != topic:
                    one_partition = False
            else:
                ignored["unknown" if ce_type is None else _type_name(ce_type)] += 1
        for type_name, count in ignored.items():
            EVENTS_HANDLED.labels(self.service, type_name, "ignored").inc(count)
        if not relevant:
            return
        if len(relevant) > 1:
            try:
                with collector_paused():
                    outcomes = await self._apply_batch(relevant, headers_of, one_partition)
                    headers_of.clear()  # freed before the collector resumes
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if is_infrastructure_fault(exc):
                    raise DatabaseUnavailable(relevant[0].offset, "database unreachable") from exc
                log.info("batch failed; handling its events one by one", error=type(exc).__name__)
            else:
                self._count(outcomes)
                return
        for message in relevant:
            if self._interrupted():
                raise HandlingInterrupted(message.offset, "interrupted")
            await self._handle_one(Message.of(message))

    def _handles(self, ce_type: bytes | None) -> bool:
        """Whether a type has a handler; a type that has is remembered (as its header's
        bytes, so the next event of it is one set lookup)."""
        if ce_type is None or _type_name(ce_type) not in self.handlers:
            return False
        self._handled_types.add(ce_type)  # handlers are only ever added
        return True

    async def _apply_batch(
        self, messages: list[Delivered], headers_of: list[dict[str, bytes]], one_partition: bool
    ) -> Counter[tuple[str, str]]:
        """Parse the messages and apply them in one transaction. Its own call so that
        the envelopes are freed when it returns, before the collector resumes (else the
        first collection after the batch would scan them all once more).

        On PostgreSQL the batch is first recorded as all new (a plain INSERT); if any
        event of it was handled before (a redelivery after a rebalance or a crash, or
        another member handling it meanwhile) that transaction rolls back, having done
        nothing else, and the batch is applied again leaving those events out."""
        batch = [
            (message, _parse(message, headers))
            for message, headers in zip(messages, headers_of, strict=True)
        ]
        if self.db.is_postgresql:
            try:
                async with self.db.sessionmaker() as session, session.begin():
                    return await self.apply(
                        session, batch, one_partition=one_partition, expect_new=True
                    )
            except _HandledBefore:
                pass
        async with self.db.sessionmaker() as session, session.begin():
            return await self.apply(session, batch, one_partition=one_partition)

    async def apply(
        self,
        session: AsyncSession,
        batch: Sequence[tuple[Delivered, Envelope[Event]]],
        *,
        one_partition: bool = False,
        expect_new: bool = False,
    ) -> Counter[tuple[str, str]]:
        """Record the batch in the inbox and run the handler of each event not seen
        before, in order, all in the caller's transaction. Counts outcomes by type.

        `expect_new` (PostgreSQL): record the events with a plain INSERT, and raise
        _HandledBefore, before any handler ran, if one of them was handled before (the
        caller's transaction has failed then and must be rolled back)."""
        outcomes: Counter[tuple[str, str]] = Counter()
        unseen: list[tuple[Delivered, Envelope[Event]]]
        if expect_new:
            # Not looked for: an event twice in the batch fails the plain INSERT on the
            # inbox's primary key like one handled before, and the batch comes again.
            unseen = list(batch)
        elif len({envelope.id for _m, envelope in batch}) == len(batch):
            unseen = list(batch)  # the usual case: no event twice in the batch
        else:
            first_of_each: dict[uuid.UUID, tuple[Delivered, Envelope[Event]]] = {}
            for message, envelope in batch:
                if envelope.id in first_of_each:
                    outcomes[envelope.type, "duplicate"] += 1
                else:
                    first_of_each[envelope.id] = (message, envelope)
            unseen = list(first_of_each.values())
        new = await self._record(session, unseen, one_partition or len(unseen) == 1, expect_new)
        if new is None:  # the usual case: none handled before
            fresh = unseen
        else:
            fresh = []
            for message, envelope in unseen:
                if (message.topic, message.partition, message.offset) in new:
                    fresh.append((message, envelope))
                else:
                    outcomes[envelope.type, "duplicate"] += 1
        for ce_type, run in runs_of_one_type(fresh, lambda item: item[1].type):
            outcomes[ce_type, "handled"] += len(run)
            if (run_handler := self.handlers.get_batch(ce_type)) is None:
                for message, envelope in run:
                    await self._run_handler(session, message, envelope)
            else:
                await self._run_batch_handler(session, run_handler, run)
        if fresh:
            await self.handlers.applied(session, [envelope for _m, envelope in fresh])
        return outcomes

    async def _record(
        self,
        session: AsyncSession,
        batch: list[tuple[Delivered, Envelope[Event]]],
        one_partition: bool,
        expect_new: bool = False,
    ) -> set[tuple[str, int, int]] | None:
        """Insert the batch's event ids (each once) into the inbox; where the new ones
        were (topic, partition, offset), or None when every one was new. `one_partition`:
        the caller knows the batch is all of one partition (a consumer's always is)."""
        handled_at = datetime.now(UTC)
        new: set[tuple[str, int, int]] = set()
        if self.db.is_postgresql:
            by_partition: dict[tuple[str, int], list[tuple[Delivered, Envelope[Event]]]]
            if one_partition:
                by_partition = {(batch[0][0].topic, batch[0][0].partition): batch}
            else:
                by_partition = {}
                for message, envelope in batch:
                    by_partition.setdefault((message.topic, message.partition), []).append(
                        (message, envelope)
                    )
            all_new = True
            for (topic, partition), events in by_partition.items():
                types = [e.data.type for _m, e in events]
                rows: dict[str, Any] = {
                    "group": self.group,
                    "topic": topic,
                    "partition": partition,
                    "handled_at": handled_at,
                    "event_ids": [e.id for _m, e in events],
                    "event_types": types,
                    "offsets": [m.offset for m, _e in events],
                }
                if expect_new:
                    statement = _RECORD_NEW_ON_POSTGRESQL
                    if len(set(types)) == 1:
                        statement = _RECORD_NEW_OF_ONE_TYPE_ON_POSTGRESQL
                        rows["event_type"] = types[0]
                        del rows["event_types"]
                    try:
                        await session.execute(statement, rows)
                    except IntegrityError as exc:
                        if getattr(exc.orig, "pgcode", None) == _UNIQUE_VIOLATION:
                            raise _HandledBefore from exc
                        raise
                    continue
                result = await session.execute(_RECORD_ON_POSTGRESQL, rows)
                if isinstance(result, CursorResult) and result.rowcount == len(events):
                    # Each one inserted: the offsets it returned need not be read.
                    if len(by_partition) == 1:
                        return None
                    new.update((topic, partition, m.offset) for m, _e in events)
                else:
                    all_new = False
                    new.update((topic, partition, offset) for offset in result.scalars())
            return None if all_new else new
        for message, envelope in batch:  # SQLite: local, so a statement per row costs no round trip
            result = await session.execute(
                sqlite_insert(inbox_event)
                .values(
                    event_id=envelope.id,
                    consumer_group=self.group,
                    event_type=envelope.type,
                    topic=message.topic,
                    partition=message.partition,
                    offset=message.offset,
                    handled_at=handled_at,
                )
                .on_conflict_do_nothing()
                .returning(inbox_event.c.event_id)
            )
            if result.first() is not None:
                new.add((message.topic, message.partition, message.offset))
        return new

    async def _run_handler(
        self, session: AsyncSession, message: Delivered, envelope: Envelope[Event]
    ) -> None:
        handler = self.handlers.get(envelope.type)
        assert handler is not None
        if not sampled(envelope.traceparent):
            await handler(session, envelope)
            return
        span = self._start_span(message, envelope)
        try:
            with trace.use_span(span, end_on_exit=False):
                await handler(session, envelope)
        except Exception as exc:
            _failed(span, exc)
            raise
        finally:
            span.end()

    async def _run_batch_handler(
        self,
        session: AsyncSession,
        handler: BatchHandler,
        run: Sequence[tuple[Delivered, Envelope[Event]]],
    ) -> None:
        """One call for the run; each sampled event of it gets its own span."""
        spans = [
            self._start_span(m, e)
            for m, e in run
            # `sampled(e.traceparent)`, inline (this runs for every event of the run)
            if (traceparent := e.traceparent) is not None
            and len(traceparent) >= 55
            and traceparent[54] in _ODD_HEX_DIGITS
            and traceparent[53] in _HEX_DIGITS
        ]
        try:
            await handler(session, [e for _m, e in run])
        except Exception as exc:
            for span in spans:
                _failed(span, exc)
            raise
        finally:
            for span in spans:
                span.end()

    def _start_span(self, message: Delivered, envelope: Envelope[Event]) -> trace.Span:
        """A CONSUMER span joined to the trace of the request that caused the event."""
        return self._tracer.start_span(
            f"{message.topic} process",
            context=context_from_headers(_trace_headers(envelope)),
            kind=trace.SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.consumer.group.name": self.group,
                "messaging.destination.name": message.topic,
                "messaging.destination.partition.id": str(message.partition),
                "messaging.kafka.offset": message.offset,
                "messaging.message.id": str(envelope.id),
                "cloudevents.event_type": envelope.type,
                "hearth.service": self.service,
            },
        )

    async def _handle_one(self, message: Message) -> None:
        """One message in its own transaction, retried with back-off, then dead-lettered."""
        ce_type = message.header("ce_type") or "unknown"
        attempts = self.settings.consumer_max_attempts
        error: Exception | None = None
        for attempt in range(1, attempts + 1):
            try:
                # A message off its schema is retried like any failure (cheap and
                # bounded), so every dead letter has had the same chances.
                envelope = parse(message)
                async with self.db.sessionmaker() as session, session.begin():
                    outcomes = await self.apply(session, [(message, envelope)])
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if is_infrastructure_fault(exc):
                    raise DatabaseUnavailable(message.offset, "database unreachable") from exc
                error = exc
                HANDLER_FAILURES.labels(self.service, ce_type).inc()
                log.warning(
                    "handler failed",
                    event_type=ce_type,
                    event_id=message.header("ce_id"),
                    attempt=attempt,
                    error=failure_text(exc),
                )
                if self._interrupted():
                    raise HandlingInterrupted(message.offset, "interrupted") from exc
                if attempt < attempts:
                    _collector_back_on()  # a retry waits: never with the collector paused
                    backoff = self.settings.consumer_retry_backoff_seconds
                    await asyncio.sleep(backoff * 2 ** (attempt - 1))
            else:
                self._count(outcomes)
                return
        assert error is not None
        try:
            await self.dead_letters.write(message, error, attempts=attempts)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if is_infrastructure_fault(exc):
                raise DatabaseUnavailable(message.offset, "database unreachable") from exc
            raise

    def _count(self, outcomes: Counter[tuple[str, str]]) -> None:
        for (ce_type, outcome), count in outcomes.items():
            EVENTS_HANDLED.labels(self.service, ce_type, outcome).inc(count)


def _trace_headers(envelope: Envelope[Event]) -> dict[str, str]:
    """The envelope's trace context as the W3C headers it came in."""
    headers = {}
    if envelope.traceparent is not None:
        headers["traceparent"] = envelope.traceparent
    if envelope.tracestate is not None:
        headers["tracestate"] = envelope.tracestate
    return headers


_TYPE_NAMES: dict[bytes, str] = {}


def _type_name(ce_type: bytes) -> str:
    """A ce_type header as text, decoded once per type."""
    name = _TYPE_NAMES.get(ce_type)
    if name is None:
        name = ce_type.decode("utf-8", "replace")
        if len(_TYPE_NAMES) < 1024:  # types are few; a flood of made-up ones is not kept
            _TYPE_NAMES[ce_type] = name
    return name


_pausing_collector = False
"""Whether a batch is being applied with the cyclic garbage collector paused."""


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a batch is parsed and applied.

    A batch's thousands of envelopes, models and rows all live until it is done, so
    each collection their allocation triggers meanwhile scans them again and frees
    nothing (measured: the largest single cost of the consumer's CPU, see
    docs/benchmarks.md). What reference counting frees is freed at once as usual; only
    cyclic garbage made meanwhile waits, for the first collection after the batch.

    One batch at a time holds the pause, and the collector comes back when that batch
    ends, whatever else is running: with several consumers in one process, pauses
    that overlapped would otherwise keep it off for good (a process grew to 2.5 GB
    that way). A collector turned off by someone else is left off. The retries of a
    failing event, with their back-off sleeps, are never made with the collector
    paused."""
    global _pausing_collector
    if _pausing_collector or not gc.isenabled():
        yield  # another batch holds the pause, or the collector is off for another reason
        return
    _pausing_collector = True
    gc.disable()
    try:
        yield
    finally:
        _pausing_collector = False
        gc.enable()


def _collector_back_on() -> None:
    """Turn the collector back on if a batch paused it (the holder turns it on again
    when it ends anyway): for work that may wait, such as a failing event's retries."""
    if _pausing_collector and not gc.isenabled():
        gc.enable()


def _failed(span: trace.Span, exc: BaseException) -> None:
    """Mark a span failed by the exception's type only (its message may quote data)."""
    span.set_status(Status(StatusCode.ERROR, type(exc).__name__))
    span.add_event("exception", {"exception.type": type(exc).__name__})
