"""The event pipeline's throughput, each figure beside its ceiling measured in the same run:

- the outbox relay draining a full outbox, beside ProducerPerformance;
- the consumer (inbox on PostgreSQL, income's projection handler) handling what the relay
  published, beside a bare asyncpg batch insert of the same inbox and projection rows,
  and beside ConsumerPerformance.

The events are compliance's property-registered, as the asset register writes them (with
a W3C traceparent, as a traced request leaves), each for its own home, so the consumer's
handler inserts one projection row per event.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

from bench.kafka_tools import ToolRun, consumer_performance, producer_performance
from bench.profiling import Sampler
from bench.workbench import (
    DEVELOPMENT_ENVIRONMENT,
    REPO,
    ServiceProcess,
    Workbench,
    connect,
    listening_pid,
    rss_mb,
)
from bench.workbench import cpu_seconds as cpu_of
from hearth_contracts import Envelope, events_topic
from hearth_contracts.events.compliance import (
    GasSupply,
    HeatingFuel,
    PropertyRegistered,
    PropertyType,
)
from hearth_kit.kafka import ensure_topics, namespaced
from hearth_kit.outbox import outbox_row
from hearth_kit.settings import ServiceSettings

POSTCODES = ("LS6 2AB", "M14 5RX", "B29 6TJ", "NE6 5QD", "BS5 9PL", "L17 8XY")
STREETS = ("Hyde Park Road", "Wilmslow Road", "Bristol Road", "Shields Road", "Church Road")


def home_registered(number: int) -> Envelope[PropertyRegistered]:
    """A realistic property-registered envelope for home `number`, with a trace context."""
    event = PropertyRegistered(
        uprn=str(100_000_000_000 + number),
        address_line_1=f"{number % 300 + 1} {STREETS[number % len(STREETS)]}",
        address_line_2=f"Flat {number % 12 + 1}" if number % 3 == 0 else None,
        town="Leeds",
        postcode=POSTCODES[number % len(POSTCODES)],
        property_type=PropertyType.FLAT if number % 3 == 0 else PropertyType.HOUSE,
        heating_fuel=HeatingFuel.GAS,
        gas_supply=GasSupply.LIVE,
        block_id=f"BLK-{number // 40}" if number % 3 == 0 else None,
        registered_at=datetime.now(UTC),
    )
    flags = "01" if sampled(number) else "00"
    traceparent = f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-{flags}"
    return Envelope(data=event, traceparent=traceparent)


def sampled(number: int) -> bool:
    """Whether the request that wrote event `number` was traced: the share the bench's
    OTEL_TRACES_SAMPLER_ARG gives (every event when unset), spread evenly."""
    ratio = float(os.environ.get("OTEL_TRACES_SAMPLER_ARG", "1"))
    return (number * 2_654_435_761) % 1_000 < ratio * 1_000


def outbox_record(envelope: Envelope[PropertyRegistered]) -> tuple[Any, ...]:
    """An outbox row as hearth_kit.outbox.publish writes it (`outbox_row`), for COPY."""
    row = outbox_row(envelope)
    return tuple(row[column] for column in OUTBOX_COLUMNS)


OUTBOX_COLUMNS = (
    "event_id",
    "event_type",
    "topic",
    "message_key",
    "key_hash",
    "kafka_headers",
    "trace_sampled",
    "payload",
    "created_at",
)
_PAYLOAD_COLUMN = OUTBOX_COLUMNS.index("payload")


async def fill_outbox(database_url: str, events: int) -> float:
    """COPY `events` outbox rows into compliance's outbox; returns the mean value size."""
    conn = await connect(database_url)
    sizes: list[int] = []
    try:
        for start in range(0, events, 10_000):
            records = [
                outbox_record(home_registered(i)) for i in range(start, min(start + 10_000, events))
            ]
            sizes.extend(len(record[_PAYLOAD_COLUMN]) for record in records)
            await conn.copy_records_to_table(
                "outbox_message", records=records, columns=OUTBOX_COLUMNS
            )
        await conn.execute("ANALYZE outbox_message")
        # The rows' pages are written out now rather than by a checkpoint that would
        # fall somewhere in the timed runs that follow.
        with contextlib.suppress(asyncpg.InsufficientPrivilegeError):
            await conn.execute("CHECKPOINT")
    finally:
        await conn.close()
    return statistics.fmean(sizes)


@dataclass(frozen=True)
class Drain:
    """How fast a count went from nothing to `total` (or how far it got in the time
    allowed: then `total` is what was done and `finished` is False)."""

    total: int
    seconds: float
    steady_seconds: float
    steady_events: int
    finished: bool = True

    @property
    def per_second(self) -> float:
        return self.total / self.seconds

    @property
    def steady_per_second(self) -> float:
        return self.steady_events / self.steady_seconds


async def time_until(
    total: int,
    count: Callable[[], Awaitable[int]],
    *,
    limit: float,
    started: float | None = None,
    every: float = 0.25,
    alive: Callable[[], bool] = lambda: True,
    at_steady: Callable[[], None] = lambda: None,
) -> Drain:
    """Poll `count` until it reaches `total`, or until `limit` seconds have passed. Steady
    state is from the first poll that saw 10% of `total` done (start-up, connections and
    group joins excluded; or from the first poll that saw any, if fewer) to the end.
    `at_steady` is called when the steady part starts (to read a process's CPU then)."""
    started = time.perf_counter() if started is None else started
    steady_from: tuple[float, int] | None = None
    first_seen: tuple[float, int] | None = None
    while True:
        done = await count()
        now = time.perf_counter()
        if first_seen is None and done > 0:
            first_seen = (now, done)
        if steady_from is None and done >= total * 0.1:
            steady_from = (now, done)
            at_steady()
        if done >= total or now - started > limit:
            break
        if not alive():
            raise RuntimeError("the process doing the work exited: see its log")
        await asyncio.sleep(every)
    if done == 0:
        raise TimeoutError(f"nothing done in {limit:.0f} s")
    steady = steady_from if steady_from is not None and steady_from[1] < done else first_seen
    assert steady is not None
    if steady[1] >= done:
        steady = (started, 0)  # all of it seen at once: the whole run is all there is
    steady_seconds = max(now - steady[0], 1e-3)
    return Drain(
        min(done, total), now - started, steady_seconds, min(done, total) - steady[1], done >= total
    )


class ComplianceBench(ServiceSettings):
    service_name = "compliance"


class Counter:
    """Counts rows with one query, riding out a database restart (the PostgreSQL server is
    shared, and other people's fault tests restart it): the last count stands meanwhile."""

    def __init__(self, database_url: str, sql: str) -> None:
        self.database_url = database_url
        self.sql = sql
        self.last = 0
        self._conn: asyncpg.Connection | None = None

    async def count(self) -> int:
        try:
            if self._conn is None or self._conn.is_closed():
                self._conn = await connect(self.database_url)
            self.last = int(await self._conn.fetchval(self.sql))
        except (OSError, asyncpg.InterfaceError, asyncpg.PostgresError):
            self._conn = None
        return self.last

    async def close(self) -> None:
        if self._conn is not None and not self._conn.is_closed():
            await self._conn.close()


class PublishedCounter:
    """Counts the records on one topic (the sum of its partitions' end offsets) as the
    broker reports them: what the relays have published and had acknowledged, as
    ProducerPerformance's rate counts acknowledged records. Asked of the broker (one
    ListOffsets request), not of PostgreSQL, so it can be asked every 50 ms without taking
    the database's CPU from the drain it times: a `count(*)` of the outbox every 0.25 s
    left the end of a 2-second drain up to a quarter of a second late (on average an
    eighth, about 6% of the steady rate) and cost the server a query each time."""

    def __init__(self, servers: str, topic: str) -> None:
        self.servers = servers
        self.topic = topic
        self.last = 0
        self._consumer: AIOKafkaConsumer | None = None
        self._partitions: list[TopicPartition] = []

    async def count(self) -> int:
        try:
            if self._consumer is None:
                self._consumer = AIOKafkaConsumer(
                    bootstrap_servers=self.servers, enable_auto_commit=False
                )
                await self._consumer.start()
            if not self._partitions:
                self._partitions = await self._partitions_of_topic()
                if not self._partitions:
                    return self.last  # the relay has not created it yet
            ends = await self._consumer.end_offsets(self._partitions)
            self.last = sum(ends.values())
        except KafkaError:
            pass  # the last count stands
        return self.last

    async def _partitions_of_topic(self) -> list[TopicPartition]:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.servers)
        await admin.start()
        try:
            [described] = await admin.describe_topics([self.topic])
        finally:
            await admin.close()
        if described["error_code"]:
            return []
        numbers = sorted(p["partition"] for p in described["partitions"])
        return [TopicPartition(self.topic, n) for n in numbers]

    async def close(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()


class BackendCpu:
    """The CPU of the PostgreSQL backends serving one database (the relays' and the
    service's connections; not this bench's own, nor the server's shared background
    processes), from /proc: the server is on this machine. Backends are looked up in
    `pg_stat_activity` at each `sample`; one first seen after `start` counts from zero
    (it connected during the drain), one seen at `start` from what it had then."""

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self._conn: asyncpg.Connection | None = None
        self._first: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self._kind: dict[int, str] = {}
        self._started = False

    async def sample(self) -> float:
        """Look the backends up again and return their CPU so far (seconds)."""
        try:
            if self._conn is None or self._conn.is_closed():
                self._conn = await connect(self.database_url)
            pids = await self._conn.fetch(
                "SELECT pid, backend_type FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        except (OSError, asyncpg.InterfaceError, asyncpg.PostgresError):
            self._conn = None
            return self.seconds
        for pid, kind in pids:
            try:
                now = cpu_of(pid)
            except OSError:
                continue  # gone, or not on this machine
            self._first.setdefault(pid, now if not self._started else 0.0)
            self._last[pid] = now
            self._kind[pid] = kind
        self._started = True
        return self.seconds

    @property
    def seconds(self) -> float:
        return sum(self._last[pid] - first for pid, first in self._first.items())

    @property
    def seconds_by_kind(self) -> dict[str, float]:
        """`seconds` by `backend_type` (client backend, autovacuum worker, ...): a worker
        that comes and goes between two looks (0.2 s apart) is missed."""
        kinds: dict[str, float] = {}
        for pid, first in self._first.items():
            kind = self._kind.get(pid, "unknown")
            kinds[kind] = round(kinds.get(kind, 0.0) + self._last[pid] - first, 2)
        return kinds

    async def close(self) -> None:
        if self._conn is not None and not self._conn.is_closed():
            await self._conn.close()


@dataclass(frozen=True)
class ProcessDrain:
    """A drain done by a service process, with what the process spent on it."""

    drain: Drain
    cpu_seconds: float
    rss_mb_after: float
    profile: dict[str, Any]
    steady_cpu_seconds: float | None = None
    cpu_seconds_by_process: tuple[float, ...] = ()
    """With relay lanes: each process's share of `cpu_seconds` (the service's first)."""
    """The process's CPU over the steady part alone (start-up, connections and the
    broker's metadata for every topic on a shared broker left out)."""
    postgres_cpu_seconds: float | None = None
    """The CPU of the PostgreSQL backends serving the service's database (`BackendCpu`)
    over the whole drain, and over its steady part alone."""
    postgres_steady_cpu_seconds: float | None = None
    postgres_cpu_seconds_by_backend_type: dict[str, float] = field(default_factory=dict)
    rows_done_after_seconds: float | None = None
    """With the drain timed by the broker: when `count_sql` reached the events too (the
    relays had deleted every acknowledged row), from the process's start."""
    broker_steady_cpu_seconds: float | None = None
    """The broker's CPU over the steady part (when its process is on this machine)."""

    @property
    def cpu_microseconds_per_event(self) -> float:
        return self.cpu_seconds / self.drain.total * 1e6

    @property
    def steady_cpu_microseconds_per_event(self) -> float | None:
        if self.steady_cpu_seconds is None or not self.drain.steady_events:
            return None
        return self.steady_cpu_seconds / self.drain.steady_events * 1e6


def start_relay(
    bench: Workbench, service: str, database_url: str, settings: dict[str, str]
) -> ServiceProcess:
    """`hearth relay <service>` in its own process (a relay replica without the service's
    API and consumer), configured as the service's process is."""
    prefix = f"HEARTH_{service.upper()}_"
    env = {
        **os.environ,
        **DEVELOPMENT_ENVIRONMENT,
        "KAFKA_BOOTSTRAP_SERVERS": bench.servers,
        "HEARTH_KAFKA_NAMESPACE": bench.namespace,
        "HEARTH_OTEL_EXPORTER": "none",
        f"{prefix}DATABASE_URL": database_url,
        **{f"{prefix}{key.upper()}": value for key, value in settings.items()},
    }
    number = sum(1 for p in bench.processes if p.name.startswith(f"{service}-relay"))
    log_path = bench.scratch / f"{service}-relay-{number}.log"
    with log_path.open("wb") as log:
        popen = subprocess.Popen(
            [sys.executable, "-m", "hearth_kit.cli", "relay", service],
            cwd=REPO,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    process = ServiceProcess(f"{service}-relay-{number}", 0, popen, log_path)
    bench.processes.append(process)
    return process


async def drain_by_service(
    bench: Workbench,
    service: str,
    database_url: str,
    events: int,
    count_sql: str,
    *,
    limit: float,
    module: tuple[str, ...] = (),
    relay_lanes: int = 1,
    published_on: str | None = None,
    broker_pid: int | None = None,
) -> ProcessDrain:
    """Start `service` as it runs in production (its own uvicorn process, its relay and
    consumer started by the kit; or `python -m <module>`) and time it until `count_sql`
    reaches `events`, or for `limit` seconds at most. Timed from the process's start.
    With `relay_lanes` > 1 the service's outbox has that many lanes and `relay_lanes - 1`
    relay processes (`hearth relay`) run beside the service's own relay: the CPU is
    theirs and the service's together.

    With `published_on` (a topic) the drain is timed by the records the broker has on it,
    asked every 50 ms (`PublishedCounter`), and then `count_sql` is awaited as well (the
    relays delete what was acknowledged): `rows_done_after_seconds` says when."""
    counter = Counter(database_url, count_sql)
    published: PublishedCounter | None = None
    if published_on:
        # Its topic made now (as the service would make it) and its partitions known, so
        # that each count during the drain is one ListOffsets request from the start.
        await ensure_topics(ComplianceBench(kafka_bootstrap_servers=bench.servers), [published_on])
        published = PublishedCounter(bench.servers, published_on)
        await published.count()
    backends = BackendCpu(database_url)
    try:
        started = time.perf_counter()
        lanes = {"outbox_relay_lanes": str(relay_lanes)} if relay_lanes > 1 else {}
        relays = [start_relay(bench, service, database_url, lanes) for _ in range(relay_lanes - 1)]
        if module:
            process = ServiceProcess.start_module(bench, service, *module)
        else:
            process = await bench.start_service(service, database_url, **lanes)
        pids = [process.pid, *(relay.pid for relay in relays)]

        def cpu_together() -> float:
            return sum(cpu_of(pid) for pid in pids)

        cpu_before = cpu_together()
        each_before = [cpu_of(pid) for pid in pids]
        await backends.sample()
        watching = asyncio.create_task(_watch(backends))
        if module:
            # Sample the work, not the imports: wait for the first events to be done.
            for _ in range(120):
                if await counter.count() > 0 or process.popen.poll() is not None:
                    break
                await asyncio.sleep(0.25)
        sampler = Sampler.start(process, PROFILE_SECONDS, nonblocking=True, rate=100)
        cpu_at_steady: list[float] = []
        postgres_at_steady: list[float] = []
        broker_at_steady: list[float] = []

        def at_steady() -> None:
            cpu_at_steady.append(cpu_together())
            postgres_at_steady.append(backends.seconds)
            if broker_pid is not None:
                broker_at_steady.append(cpu_of(broker_pid))

        def alive() -> bool:
            return all(p.popen.poll() is None for p in (process, *relays))

        drain = await time_until(
            events,
            published.count if published is not None else counter.count,
            limit=limit,
            started=started,
            every=0.05 if published is not None else 0.25,
            alive=alive,
            at_steady=at_steady,
        )
        cpu_now = cpu_together()
        if drain.steady_events == drain.total:
            # The drain ended before a look saw it part done (a small --scale): there is
            # no steady part, and no steady CPU to report (the whole run's is).
            cpu_at_steady.clear()
            postgres_at_steady.clear()
            broker_at_steady.clear()
        broker_steady = (
            cpu_of(broker_pid) - broker_at_steady[0]
            if broker_pid is not None and broker_at_steady
            else None
        )
        rows_done_after: float | None = None
        if published is not None and drain.total >= events:
            rows = await time_until(
                events, counter.count, limit=limit, started=started, every=0.05, alive=alive
            )
            rows_done_after = rows.seconds if rows.total >= events else None
        watching.cancel()
        postgres = await backends.sample()
        by_process = tuple(
            round(cpu_of(pid) - before, 2) for pid, before in zip(pids, each_before, strict=True)
        )
        cpu = cpu_now - cpu_before
        steady_cpu = cpu_now - cpu_at_steady[0] if cpu_at_steady else None
        rss = rss_mb(process.pid)
        profile = sampler.summary()
        for each in (process, *relays):
            each.stop()
            bench.processes.remove(each)
    finally:
        await counter.close()
        await backends.close()
        if published is not None:
            await published.close()
    postgres_steady = postgres - postgres_at_steady[0] if postgres_at_steady else None
    return ProcessDrain(
        drain,
        cpu,
        rss,
        profile,
        steady_cpu,
        by_process,
        postgres,
        postgres_steady,
        backends.seconds_by_kind,
        rows_done_after,
        broker_steady,
    )


async def _watch(backends: BackendCpu) -> None:
    """Look the backends up every 0.2 s: a backend that exits is counted to its last look."""
    while True:
        await backends.sample()
        await asyncio.sleep(0.2)


BARE_BATCH = 500


def _batches(events: int, size: int) -> Iterator[range]:
    for start in range(0, events, size):
        yield range(start, min(start + size, events))


async def bare_insert(database_url: str, events: int, group: str, topic: str) -> Drain:
    """The ceiling for the consumer: the same inbox rows and home upserts written by bare
    asyncpg, `BARE_BATCH` events per transaction (executemany), nothing else."""
    envelopes = [home_registered(i) for i in range(events)]
    conn = await connect(database_url)
    # As income's repository writes it (hearth_kit.projection.upsert_newer): the row's
    # version is the event's registered_at, and an older event never overwrites a newer.
    versioned = bool(
        await conn.fetchval(
            "SELECT count(*) FROM information_schema.columns"
            " WHERE table_name = 'home' AND column_name = 'as_of'"
        )
    )
    upsert = (
        "INSERT INTO home (uprn, postcode, address_line_1, as_of) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (uprn) DO UPDATE SET postcode = excluded.postcode,"
        " address_line_1 = excluded.address_line_1, as_of = excluded.as_of"
        " WHERE home.as_of IS NULL OR home.as_of <= excluded.as_of"
        if versioned
        else "INSERT INTO home (uprn, postcode, address_line_1) VALUES ($1, $2, $3)"
        " ON CONFLICT (uprn) DO UPDATE SET postcode = excluded.postcode,"
        " address_line_1 = excluded.address_line_1"
    )
    try:
        started = time.perf_counter()
        for batch in _batches(events, BARE_BATCH):
            now = datetime.now(UTC)
            inbox = [
                (envelopes[i].id, group, envelopes[i].type, topic, i % 3, i // 3, now)
                for i in batch
            ]
            homes = [
                (
                    envelopes[i].data.uprn,
                    envelopes[i].data.postcode,
                    envelopes[i].data.address_line_1,
                    *((envelopes[i].data.registered_at,) if versioned else ()),
                )
                for i in batch
            ]
            async with conn.transaction():
                await conn.executemany(
                    "INSERT INTO inbox_event (event_id, consumer_group, event_type, topic,"
                    ' partition, "offset", handled_at) VALUES ($1, $2, $3, $4, $5, $6, $7)',
                    inbox,
                )
                await conn.executemany(upsert, homes)
        seconds = time.perf_counter() - started
    finally:
        await conn.close()
    return Drain(events, seconds, seconds, events)


PROFILE_SECONDS = 15
"""How long py-spy samples a drain (from the process's start; non-blocking, 100/s)."""


def _brief(profile: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in profile.items() if key != "top_innermost_frames"} | {
        "top_innermost_frames": dict(list(profile.get("top_innermost_frames", {}).items())[:10])
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _ratio(ours: float, theirs: float) -> float:
    return round(ours / theirs, 3) if theirs else 0.0


async def run_pipeline(
    bench: Workbench,
    *,
    outbox_events: int,
    tool_records: int,
    parts: set[str],
    limit: float,
    relay_lanes: int = 1,
) -> dict[str, Any]:
    """Kafka's tools, the relay and the consumer, side by side. With `relay_lanes` > 1,
    that many relay processes (the service's own and `hearth relay`s) publish one
    outbox in lanes (docs/adr/0018-relay-lanes.md)."""
    results: dict[str, Any] = {}
    compliance_db = await bench.service_database("compliance")
    started = time.perf_counter()
    value_size = await fill_outbox(compliance_db, outbox_events)
    fill_seconds = time.perf_counter() - started

    settings = ComplianceBench(kafka_bootstrap_servers=bench.servers)
    perf_topic = bench.topic("perf")
    await ensure_topics(settings, [perf_topic])
    # The broker's JIT warms up on an uncounted run first: on a broker started minutes
    # before, the counted run measured its warm-up (240,000/s against 339,000/s on a
    # broker that had been running for hours, same machine and settings), and so did the
    # relay that followed it.
    warm_up = max(1, tool_records // 4)
    producer_performance(bench.servers, perf_topic, warm_up, round(value_size))
    broker_pid = listening_pid(int(bench.servers.split(",")[0].rsplit(":", 1)[1]))
    broker_before = cpu_of(broker_pid) if broker_pid is not None else None
    producer: ToolRun = producer_performance(
        bench.servers, perf_topic, tool_records, round(value_size)
    )
    broker_per_record = (
        round((cpu_of(broker_pid) - broker_before) / producer.records * 1e6, 1)
        if broker_pid is not None and broker_before is not None
        else None
    )
    results["kafka_tools"] = {
        "producer_performance": {
            "records": producer.records,
            "after_an_uncounted_warm_up_of": warm_up,
            "broker_cpu_microseconds_per_record": broker_per_record,
            "per_second": round(producer.per_second),
            "record_size_bytes": round(value_size),
            "props": "acks=all enable.idempotence=true linger.ms=5",
            **producer.detail,
        }
    }

    relay_run = await drain_by_service(
        bench,
        "compliance",
        compliance_db,
        outbox_events,
        f"SELECT {outbox_events} - count(*) FROM outbox_message WHERE published_at IS NULL",
        limit=limit,
        relay_lanes=relay_lanes,
        published_on=namespaced(events_topic("compliance"), bench.namespace),
        broker_pid=broker_pid,
    )
    relay = relay_run.drain
    results["relay"] = {
        "events": outbox_events,
        "relay_lanes": relay_lanes,
        "relay_processes": relay_lanes,
        "cpu_seconds_by_process": list(relay_run.cpu_seconds_by_process),
        "events_published": relay.total,
        "finished_within_limit": relay.finished,
        "outbox_filled_in_seconds": round(fill_seconds, 1),
        "mean_value_bytes": round(value_size),
        "seconds": round(relay.seconds, 2),
        "per_second": round(relay.per_second),
        "steady_per_second": round(relay.steady_per_second),
        "vs_producer_performance": _ratio(relay.steady_per_second, producer.per_second),
        "target": 0.3,
        "process_cpu_microseconds_per_event": round(relay_run.cpu_microseconds_per_event),
        "steady_cpu_microseconds_per_event": _rounded(relay_run.steady_cpu_microseconds_per_event),
        "postgres_cpu_seconds": _rounded(relay_run.postgres_cpu_seconds),
        "postgres_cpu_microseconds_per_event": _rounded(
            relay_run.postgres_cpu_seconds / relay.total * 1e6
            if relay_run.postgres_cpu_seconds is not None and relay.total
            else None
        ),
        "postgres_steady_cpu_microseconds_per_event": _rounded(
            relay_run.postgres_steady_cpu_seconds / relay.steady_events * 1e6
            if relay_run.postgres_steady_cpu_seconds is not None and relay.steady_events
            else None
        ),
        "postgres_cpu_seconds_by_backend_type": relay_run.postgres_cpu_seconds_by_backend_type,
        "broker_steady_cpu_microseconds_per_event": _rounded(
            relay_run.broker_steady_cpu_seconds / relay.steady_events * 1e6
            if relay_run.broker_steady_cpu_seconds is not None and relay.steady_events
            else None
        ),
        "steady_events": relay.steady_events,
        "steady_seconds": round(relay.steady_seconds, 2),
        "timed_by": "records on the topic (the broker's end offsets), asked every 50 ms",
        "outbox_rows_deleted_after_seconds": _rounded(relay_run.rows_done_after_seconds),
        "process_rss_mb_after": relay_run.rss_mb_after,
        "profile_first_seconds": _brief(relay_run.profile),
    }
    results["relay"]["met"] = results["relay"]["vs_producer_performance"] >= 0.3

    if "consumer" in parts:
        theirs = consumer_performance(bench.servers, perf_topic, tool_records + warm_up)
        results["kafka_tools"]["consumer_performance"] = {
            "records": theirs.records,
            "per_second": round(theirs.per_second),
            **theirs.detail,
        }
        income_db = await bench.service_database("income")
        consumer_run = await drain_by_service(
            bench,
            "income",
            income_db,
            relay.total,
            "SELECT count(*) FROM inbox_event",
            limit=limit,
        )
        ours = consumer_run.drain
        inbox_only_db = await bench.service_database("income")
        inbox_only_run = await drain_by_service(
            bench,
            "income-inbox-only-consumer",
            inbox_only_db,
            relay.total,
            "SELECT count(*) FROM inbox_event",
            limit=limit,
            module=("bench.inbox_only_consumer", inbox_only_db, bench.servers, bench.namespace),
        )
        bare_db = await bench.service_database("income")
        bare = await bare_insert(
            bare_db,
            outbox_events,
            group=f"{bench.namespace}.income",
            topic=bench.topic(events_topic("compliance")),
        )
        results["consumer"] = {
            "events": relay.total,
            "events_handled": ours.total,
            "finished_within_limit": ours.finished,
            "seconds": round(ours.seconds, 2),
            "per_second": round(ours.per_second),
            "steady_per_second": round(ours.steady_per_second),
            "bare_asyncpg_per_second": round(bare.per_second),
            "bare_batch_events": BARE_BATCH,
            "vs_bare_asyncpg": _ratio(ours.steady_per_second, bare.per_second),
            "vs_consumer_performance": _ratio(ours.steady_per_second, theirs.per_second),
            "targets": {"per_second": 20_000, "vs_bare_asyncpg": 0.5},
            "process_cpu_microseconds_per_event": round(consumer_run.cpu_microseconds_per_event),
            "steady_cpu_microseconds_per_event": _rounded(
                consumer_run.steady_cpu_microseconds_per_event
            ),
            "steady_events": ours.steady_events,
            "process_rss_mb_after": consumer_run.rss_mb_after,
            "profile_first_seconds": _brief(consumer_run.profile),
        }
        inbox_only = inbox_only_run.drain
        results["consumer_inbox_only"] = {
            "what": "the kit's consumer with a handler that writes nothing "
            "(bench/inbox_only_consumer.py): fetch, parse, inbox, span, commit",
            "events": relay.total,
            "events_handled": inbox_only.total,
            "finished_within_limit": inbox_only.finished,
            "seconds": round(inbox_only.seconds, 2),
            "steady_per_second": round(inbox_only.steady_per_second),
            "vs_bare_asyncpg": _ratio(inbox_only.steady_per_second, bare.per_second),
            "process_cpu_microseconds_per_event": round(inbox_only_run.cpu_microseconds_per_event),
            "steady_cpu_microseconds_per_event": _rounded(
                inbox_only_run.steady_cpu_microseconds_per_event
            ),
            "profile_first_seconds": _brief(inbox_only_run.profile),
        }
        results["consumer"]["met"] = (
            ours.steady_per_second >= 20_000 and results["consumer"]["vs_bare_asyncpg"] >= 0.5
        )
    return results
