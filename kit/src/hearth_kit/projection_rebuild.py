"""Rebuild a service's projections from the start of the topics it consumes.

Every event on the topics, from each partition's first retained offset up to its end
as it was when the rebuild started, goes through the service's own handlers (batch
handlers get each run of consecutive events of their type, as the consumer gives
them), one transaction per fetched batch of a partition. The inbox is left out on
purpose: the point is to apply events the service has already handled once more.
That is safe because projections are written with `upsert_newer` (an older event
never overwrites a newer one, a second application changes nothing) and handlers that
create things check first whether they already did (docs/conventions.md).

`types` narrows it to some event types (the others are read and counted as other types,
not applied): a handler that reacts (a letter, a survey invitation) as well as keeping
a projection writes its reaction once ("check first"), but an event it never reacted
to (handled before the reaction existed, or for someone it did not know then) would
get its reaction now, years late. A rebuild for a projection names the types that
write it (docs/runbooks/upgrading.md).

The service may keep running meanwhile; events published after the rebuild started
are its consumer's, not the rebuild's. A rebuild that stops half-way (a handler
raised, the database went away) can simply be run again.

Counts: `total` is the number of offsets between the starting and end offsets, read
before anything is fetched; `read` the records fetched up to those ends. With Hearth's
producers (idempotent, not transactional) every offset is one record, so a complete
rebuild has read == total; `applied` + `skipped` + `unreadable` == read.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition

from hearth_contracts import Envelope, Event, events_topic
from hearth_kit.db import Database
from hearth_kit.event_handlers import EventHandlers
from hearth_kit.inbox import Message, Poison, parse
from hearth_kit.kafka import connection_kwargs, namespaced, new_admin, start_client
from hearth_kit.logs import get_logger
from hearth_kit.settings import ServiceSettings

log = get_logger(__name__)

FETCH_RECORDS = 2000


@dataclass
class RebuildCount:
    """What a rebuild went through (see the module's docstring for how they add up)."""

    topics: list[str]
    total: int = 0
    read: int = 0
    applied: int = 0
    skipped: int = 0
    unreadable: int = 0
    applied_by_type: Counter[str] = field(default_factory=Counter)

    @property
    def complete(self) -> bool:
        return self.read == self.total


class RebuildFailed(Exception):
    """A handler raised during a rebuild; the events before its batch stay applied."""


def rebuild_topics(settings: ServiceSettings, handlers: EventHandlers) -> list[str]:
    """The (namespaced) topics a service's handlers consume, as its consumer subscribes."""
    return sorted(
        namespaced(events_topic(service), settings.kafka_namespace) for service in handlers.services
    )


async def rebuild_projection(
    settings: ServiceSettings,
    handlers: EventHandlers,
    db: Database,
    *,
    topics: Sequence[str] | None = None,
    types: Collection[str] | None = None,
    on_total: Callable[[int], None] = lambda total: None,
    on_progress: Callable[[int], None] = lambda read: None,
) -> RebuildCount:
    """Apply every event on `topics` (default: all the service consumes) through
    `handlers`, from the start; with `types`, only the events of those types (the
    others count as skipped). `on_total` hears the number of events to read once it is
    known; `on_progress` hears how many more were read after each batch."""
    chosen = list(topics) if topics is not None else rebuild_topics(settings, handlers)
    count = RebuildCount(topics=chosen)
    consumer = AIOKafkaConsumer(
        **connection_kwargs(settings),
        client_id=f"hearth-{settings.service_name}-rebuild",
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        isolation_level="read_committed",
        request_timeout_ms=settings.kafka_request_timeout_ms,
    )
    await start_client(consumer, settings)
    try:
        partitions = await _partitions(settings, chosen)
        if not partitions:
            on_total(0)
            return count
        consumer.assign(partitions)
        starts = await consumer.beginning_offsets(partitions)
        ends = await consumer.end_offsets(partitions)
        count.total = sum(ends[tp] - starts[tp] for tp in partitions)
        on_total(count.total)
        for tp in partitions:
            consumer.seek(tp, starts[tp])
        pending = {tp for tp in partitions if ends[tp] > starts[tp]}
        while pending:
            batches = await consumer.getmany(*pending, timeout_ms=1000, max_records=FETCH_RECORDS)
            for tp, records in batches.items():
                wanted = [r for r in records if r.offset < ends[tp]]
                if wanted:
                    await _apply(db, handlers, wanted, count, types)
                    count.read += len(wanted)
                    on_progress(len(wanted))
                if records and records[-1].offset + 1 >= ends[tp]:
                    pending.discard(tp)
            for tp in list(pending):
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
    finally:
        await consumer.stop()
    log.info(
        "projection rebuilt",
        service=settings.service_name,
        topics=chosen,
        total=count.total,
        read=count.read,
        applied=count.applied,
        skipped=count.skipped,
        unreadable=count.unreadable,
    )
    return count


async def _partitions(settings: ServiceSettings, topics: Sequence[str]) -> list[TopicPartition]:
    """Every partition of the topics that exist (one never published to has no events
    to rebuild from). A consumer's own metadata knows only the topics it has assigned,
    so the admin client asks the cluster."""
    admin = new_admin(settings, client_id=f"hearth-{settings.service_name}-rebuild")
    await start_client(admin, settings)
    try:
        existing = set(await admin.list_topics())
        present = [topic for topic in topics if topic in existing]
        for topic in topics:
            if topic not in existing:
                log.warning("topic to rebuild from does not exist", topic=topic)
        described = await admin.describe_topics(present) if present else []
    finally:
        await admin.close()
    return sorted(
        TopicPartition(topic["topic"], partition["partition"])
        for topic in described
        for partition in topic["partitions"]
    )


async def _apply(
    db: Database,
    handlers: EventHandlers,
    records: list[ConsumerRecord[Any, Any]],
    count: RebuildCount,
    types: Collection[str] | None = None,
) -> None:
    """One partition's batch in one transaction, through the handlers, in order (only
    the events of `types`, when given)."""
    relevant: list[Envelope[Event]] = []
    for record in records:
        message = Message.of(record)
        ce_type = message.header("ce_type")
        if (
            ce_type is None
            or ce_type not in handlers
            or (types is not None and ce_type not in types)
        ):
            count.skipped += 1
            continue
        try:
            relevant.append(parse(message))
        except Poison as exc:
            count.unreadable += 1
            log.warning(
                "unreadable event left out of the rebuild",
                topic=message.topic,
                partition=message.partition,
                offset=message.offset,
                error=str(exc),
            )
    if not relevant:
        return
    try:
        async with db.sessionmaker() as session, session.begin():
            await handlers.apply(session, relevant)
    except Exception as exc:
        raise RebuildFailed(
            f"Handling {relevant[0].type} and what followed it failed at "
            f"{records[0].topic}[{records[0].partition}] offset {records[0].offset}: "
            f"{type(exc).__name__}"
        ) from exc
    count.applied += len(relevant)
    count.applied_by_type.update(envelope.type for envelope in relevant)
