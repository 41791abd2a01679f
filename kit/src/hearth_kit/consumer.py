"""The consumer runner: one consumer group per service, its poll loop and its rebalances.

It polls batches, hands each partition's batch to the inbox (hearth_kit.inbox: each
event once, in one transaction, failures retried then dead-lettered) and commits that
partition's offset, explicitly, only after the batch's transaction committed, within
kafka_request_timeout_ms (a broker lost there never holds a stop or a rebalance).

When the database does not answer, the affected partition is paused and rewound to
its first unhandled event, and a watcher resumes it once the database answers again:
nothing waits inside the batch lock, so a rebalance or a shutdown is never held up by
an outage, and an outage never uses up attempts or dead-letters anything.

Consumer lag (`hearth_consumer_lag`) is refreshed on a timer, paused partitions
included, as well as after each batch.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Mapping
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener

from hearth_contracts import events_topic
from hearth_kit import dead_letters
from hearth_kit.db import Database
from hearth_kit.dead_letters import DeadLetters
from hearth_kit.event_handlers import EventHandlers, Handler, TypedHandler
from hearth_kit.inbox import (
    DatabaseUnavailable,
    HandlingInterrupted,
    Inbox,
    Message,
    Poison,
    collector_paused,
    is_infrastructure_fault,
)
from hearth_kit.kafka import ensure_topics, namespaced, new_consumer, start_client, stop_consumer
from hearth_kit.logs import get_logger
from hearth_kit.metrics import CONSUMER_LAG, CONSUMER_PAUSED_PARTITIONS
from hearth_kit.personal_data import describe_exception
from hearth_kit.settings import ServiceSettings

__all__ = [
    "EventConsumer",
    "EventHandlers",
    "Handler",
    "Message",
    "Poison",
    "TypedHandler",
    "is_infrastructure_fault",
]

log = get_logger(__name__)


class EventConsumer:
    """Runs one service's consumer group until stopped."""

    def __init__(self, settings: ServiceSettings, db: Database, handlers: EventHandlers) -> None:
        self.settings = settings
        self.db = db
        self.handlers = handlers
        self.service = settings.service_name
        self.group = settings.consumer_group
        self.topics = sorted(
            namespaced(events_topic(s), settings.kafka_namespace) for s in handlers.services
        )
        self.dead_letters = DeadLetters(settings, db)
        self.inbox = Inbox(settings, db, handlers, self.dead_letters, interrupted=self._interrupted)
        self.assigned = asyncio.Event()
        self._lock = asyncio.Lock()
        """Held while a batch is handled and committed; a revocation waits for it."""
        self._stopping = False
        self._revoking = False
        self._paused: set[TopicPartition] = set()
        self._committed: dict[TopicPartition, int] = {}
        self._consumer: AIOKafkaConsumer | None = None
        self._resumer: asyncio.Task[None] | None = None
        self._closing: asyncio.Task[None] | None = None

    async def run(self) -> None:
        """Consume until cancelled; reconnect with back-off when Kafka is unreachable."""
        _freeze_what_the_process_started_with()
        # A sample from the start, so a dashboard or runbook reading it sees 0, not nothing.
        CONSUMER_PAUSED_PARTITIONS.labels(self.service).set(len(self._paused))
        backoff = 0.5
        while not self._stopping:
            try:
                await self._consume()
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning(
                    "consumer failed; restarting", error=describe_exception(exc), backoff=backoff
                )
                await self._close()
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 10.0)

    async def stop(self) -> None:
        """Finish the batch in hand (a failing one stops at its next retry), then leave
        the group. Nothing is dead-lettered on the way out."""
        self._stopping = True
        async with self._lock:
            await self._close()

    async def replay(self, dead_letter_id: int) -> Mapping[str, Any] | None:
        """Run a dead letter through its handler again and mark it replayed, in one
        transaction (see hearth_kit.dead_letters.replay). None when there is no such id."""
        return await dead_letters.replay(self.db, self.inbox, dead_letter_id)

    @property
    def paused(self) -> frozenset[TopicPartition]:
        """The partitions waiting for the database to answer."""
        return frozenset(self._paused)

    def _interrupted(self) -> bool:
        return self._stopping or self._revoking

    async def _consume(self) -> None:
        await ensure_topics(self.settings, [*self.topics, self.dead_letters.topic])
        consumer = new_consumer(self.settings)
        self._consumer = consumer
        consumer.subscribe(self.topics, listener=_Rebalance(self))
        await start_client(consumer, self.settings)
        log.info("consumer started", topics=self.topics, group=self.group)
        lag = asyncio.create_task(self._report_lag(consumer), name="consumer-lag")
        try:
            while not self._stopping:
                batches = await consumer.getmany(
                    timeout_ms=500, max_records=self.settings.consumer_batch_size
                )
                if batches:
                    # Paused for the whole poll, its partitions side by side, and back on
                    # once its records are freed: resumed while they (or another
                    # partition's envelopes) were still alive, the first collection
                    # scanned them all (ADR 0017). The one-by-one handling of a failing
                    # batch turns it back on first (hearth_kit.inbox).
                    with collector_paused():
                        await self._handle(consumer, batches)
                        batches.clear()
        finally:
            lag.cancel()

    async def _handle(
        self,
        consumer: AIOKafkaConsumer,
        batches: Mapping[TopicPartition, list[ConsumerRecord[Any, Any]]],
    ) -> None:
        """Handle each partition's batch, the partitions side by side (one's database
        round trips overlap another's parsing), then commit, in one request, as far as
        each got."""
        async with self._lock:
            if self._stopping:
                return
            assigned = consumer.assignment()
            handled = [
                (tp, records)
                for tp, records in batches.items()
                if tp in assigned and tp not in self._paused  # else its records come again
            ]
            reached = await asyncio.gather(
                *(self._handle_partition(consumer, tp, records) for tp, records in handled),
                return_exceptions=True,
            )
            still_assigned = consumer.assignment()
            offsets = {
                tp: offset
                for (tp, records), offset in zip(handled, reached, strict=True)
                if isinstance(offset, int) and offset > records[0].offset and tp in still_assigned
            }
            if offsets:
                # Bounded: aiokafka retries a commit for as long as it finds no group
                # coordinator (the broker lost), and it would do so under this lock, so
                # stop() and a revocation waited for the broker. Given up, the consumer
                # restarts; the batch's effects are committed in the database, and its
                # events, delivered again, are duplicates the inbox leaves out.
                async with asyncio.timeout(self.settings.kafka_request_timeout_ms / 1000):
                    await consumer.commit(offsets)
                self._committed.update(offsets)
        for tp, offset in offsets.items():
            if (highwater := consumer.highwater(tp)) is not None:
                self._set_lag(tp, highwater - offset)
        for failure in reached:
            if isinstance(failure, BaseException):
                raise failure  # the dead-letter topic unreachable: reconnect and redo

    async def _handle_partition(
        self,
        consumer: AIOKafkaConsumer,
        tp: TopicPartition,
        records: list[ConsumerRecord[Any, Any]],
    ) -> int:
        """Handle one partition's batch; the offset it got to (the next to handle)."""
        try:
            await self.inbox.handle(records)
        except DatabaseUnavailable as stopped:
            self._pause(consumer, tp, stopped.offset)
            return stopped.offset
        except HandlingInterrupted as stopped:
            if tp in consumer.assignment():
                consumer.seek(tp, stopped.offset)
            return stopped.offset
        return int(records[-1].offset) + 1

    def _pause(self, consumer: AIOKafkaConsumer, tp: TopicPartition, offset: int) -> None:
        """Stop fetching the partition and rewind it to `offset` until the database answers."""
        if tp in consumer.assignment():
            consumer.pause(tp)
            consumer.seek(tp, offset)
            self._paused.add(tp)
        CONSUMER_PAUSED_PARTITIONS.labels(self.service).set(len(self._paused))
        log.warning("database unreachable; partition paused", partition=str(tp), offset=offset)
        if self._resumer is None or self._resumer.done():
            self._resumer = asyncio.create_task(
                self._resume_when_the_database_answers(consumer), name="consumer-resume"
            )

    async def _resume_when_the_database_answers(self, consumer: AIOKafkaConsumer) -> None:
        delay = 0.25
        while True:
            await asyncio.sleep(delay)
            try:
                await self.db.ping(writable=True)  # a standby answers reads only
                break
            except Exception as exc:
                delay = min(delay * 2, 10.0)
                log.info("database still unreachable", error=type(exc).__name__)
        async with self._lock:
            current = self._consumer
            if current is None or current is not consumer:
                return  # restarted meanwhile: the new consumer starts unpaused
            assigned = current.assignment()
            resumed = [tp for tp in self._paused if tp in assigned]
            current.resume(*resumed)
            self._paused.clear()
            CONSUMER_PAUSED_PARTITIONS.labels(self.service).set(0)
        log.info("database answers; partitions resumed", partitions=[str(tp) for tp in resumed])

    async def _report_lag(self, consumer: AIOKafkaConsumer) -> None:
        """Every few seconds: how far each assigned partition's commit is behind its end."""
        while True:
            await asyncio.sleep(self.settings.consumer_lag_interval_seconds)
            try:
                assigned = list(consumer.assignment())
                if not assigned:
                    continue
                ends = await consumer.end_offsets(assigned)
                for tp in assigned:
                    committed = self._committed.get(tp)
                    if committed is None:
                        committed = await consumer.committed(tp)
                    if committed is None:
                        committed = (await consumer.beginning_offsets([tp]))[tp]
                    self._committed.setdefault(tp, committed)
                    self._set_lag(tp, ends[tp] - committed)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # Kafka unreachable: the poll loop reconnects
                log.info("consumer lag not refreshed", error=type(exc).__name__)

    def _set_lag(self, tp: TopicPartition, lag: int) -> None:
        CONSUMER_LAG.labels(self.service, self.group, tp.topic, str(tp.partition)).set(max(lag, 0))

    async def _close(self) -> None:
        resumer, self._resumer = self._resumer, None
        if resumer is not None:
            resumer.cancel()
        consumer, self._consumer = self._consumer, None
        self._paused.clear()
        self._committed.clear()
        CONSUMER_PAUSED_PARTITIONS.labels(self.service).set(0)
        # A task, shielded and kept: a stop() (or a cancelled run) while the run loop
        # closes a failed consumer waits for that close, instead of returning while it
        # is half done (the clients it gives up on not yet torn down).
        closing = asyncio.create_task(
            self._close_clients(self._closing, consumer), name="consumer-close"
        )
        self._closing = closing
        await asyncio.shield(closing)

    async def _close_clients(
        self, before: asyncio.Task[None] | None, consumer: AIOKafkaConsumer | None
    ) -> None:
        if before is not None:
            await asyncio.wait({before})
        if consumer is not None:
            # Bounded: a consumer restarting after a failed commit (the broker lost
            # mid-batch) stayed in _close for good, never consuming again once the
            # broker was back. Given up, the consumer is torn down (`stop_consumer`).
            grace = self.settings.kafka_request_timeout_ms / 1000
            if not await stop_consumer(consumer, grace=grace):
                log.warning("consumer stop given up; the broker is not answering")
        with contextlib.suppress(Exception):
            await self.dead_letters.close()


_frozen = False


def _freeze_what_the_process_started_with() -> None:
    """Once per process, when its consumer first starts: collect the garbage of start-up,
    then move every object still alive (modules, models, the app, the engine) out of
    the cyclic garbage collector's sight (`gc.freeze`). They live as long as the process,
    so scanning them again on every full collection only costs time: measured, about a
    sixth of the consumer's CPU while it drains a backlog (docs/benchmarks.md)."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()


class _Rebalance(ConsumerRebalanceListener):
    """Waits for the batch in hand before partitions move (a failing batch stops at its
    next retry), so no commit is lost and the new owner starts where this one stopped."""

    def __init__(self, runner: EventConsumer) -> None:
        self.runner = runner

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        runner = self.runner
        runner._revoking = True
        try:
            async with runner._lock:
                for tp in revoked:
                    runner._paused.discard(tp)
                    runner._committed.pop(tp, None)
        finally:
            runner._revoking = False
        log.info("partitions revoked", partitions=[str(tp) for tp in revoked])

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        log.info("partitions assigned", partitions=[str(tp) for tp in assigned])
        if assigned:
            self.runner.assigned.set()
