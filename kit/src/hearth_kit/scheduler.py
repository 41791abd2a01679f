"""Scheduled jobs: work a service does with no request arriving (a deadline sweep, the
weekly rent run, retrying a message or a webhook).

    sweep = ScheduledJob("certificate-expiry", timedelta(minutes=5), raise_expired)
    create_service_app(settings, ..., scheduled_jobs=[sweep])

`run(session, now)` handles one batch of what is due at `now` and returns how many
items it handled. The scheduler runs each batch in its own transaction (committed when
`run` returns), calls again at once while the last batch handled something, and then
sleeps the job's interval. A batch that raises is rolled back, logged and counted; the
job tries again after its interval, so a database outage is waited out.

Exactly once, across restarts and replicas, is the job's own doing and comes from its
data, not from this loop: a batch selects due rows `FOR UPDATE SKIP LOCKED`, publishes
their events through the outbox and stamps each row's marker column (say
`expired_event_raised_at`) in the same transaction. A replica that runs the same job at
the same moment skips the rows the other holds; a process killed mid-batch commits
nothing of that batch, and the next run picks the rows up again. Two jobs of the same
name in one process never overlap: each job is one task.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from prometheus_client import Counter, Gauge
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_kit.db import Database
from hearth_kit.logs import get_logger
from hearth_kit.tracing import tracer

log = get_logger(__name__)
_tracer = tracer(__name__)

JOB_ITEMS = Counter(
    "hearth_scheduled_job_items_total", "Items scheduled jobs handled", ["service", "job"]
)
JOB_FAILURES = Counter(
    "hearth_scheduled_job_failures_total",
    "Scheduled job batches that raised (rolled back; retried after the interval)",
    ["service", "job"],
)
JOB_LAST_SUCCESS = Gauge(
    "hearth_scheduled_job_last_success_timestamp_seconds",
    "When each scheduled job last ran to the end of what was due (Unix time)",
    ["service", "job"],
)

STOP_GRACE_SECONDS = 10.0
"""How long a stopping scheduler waits for the batches in hand (Kubernetes gives a pod
30 s, and the relay and the consumer stop after the scheduler)."""

Clock = Callable[[], datetime]
Batch = Callable[[AsyncSession, datetime], Awaitable[int]]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class ScheduledJob:
    """A job the service runs every `interval`, batch by batch, until nothing is due."""

    name: str
    interval: timedelta
    run: Batch
    """One batch at `now`: handle up to a batch of due items, return how many."""
    max_batches_per_round: int = 10_000
    """A guard against a batch that never stamps what it handled (a bug): the round
    stops there, logs a warning, and the next starts after the interval."""


async def run_batch(db: Database, job: ScheduledJob, now: datetime) -> int:
    """One batch of `job` at `now`, in its own transaction."""
    with _tracer.start_as_current_span(f"scheduled {job.name}") as span:
        async with db.sessionmaker() as session, session.begin():
            handled = await job.run(session, now)
        span.set_attribute("hearth.job.items", handled)
    return handled


async def run_until_done(
    db: Database,
    job: ScheduledJob,
    now: datetime | None = None,
    *,
    service: str = "unknown",
    stopping: Callable[[], bool] = lambda: False,
) -> int:
    """Runs `job` batch after batch until a batch handles nothing (or, between two
    batches, `stopping()` says the process is stopping); returns the total. For tests
    and the command line; the service's scheduler calls it every interval."""
    total = 0
    for _ in range(job.max_batches_per_round):
        if stopping():
            return total
        handled = await run_batch(db, job, now or utc_now())
        if handled <= 0:
            JOB_LAST_SUCCESS.labels(service, job.name).set(time.time())
            return total
        total += handled
        JOB_ITEMS.labels(service, job.name).inc(handled)
        await asyncio.sleep(0)  # let requests and the relay in between batches
    log.warning(
        "scheduled job still had work after its batch limit",
        job=job.name,
        batches=job.max_batches_per_round,
    )
    return total


class Scheduler:
    """Runs a service's scheduled jobs, one task each, for the app's lifetime."""

    def __init__(
        self,
        db: Database,
        jobs: Sequence[ScheduledJob],
        *,
        service: str,
        clock: Clock = utc_now,
    ) -> None:
        self.db = db
        self.jobs = tuple(jobs)
        self.service = service
        self.clock = clock
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        names = [job.name for job in self.jobs]
        if len(set(names)) != len(names):
            raise ValueError(f"Scheduled job names must be unique: {names}")

    def start(self) -> None:
        self._stopping = asyncio.Event()
        for job in self.jobs:
            self._tasks.append(asyncio.create_task(self._loop(job), name=f"job {job.name}"))

    async def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Let each job finish the batch in hand (at most `grace` seconds), then stop.
        Cancelled mid-batch, a batch rolls back what it did in the database but not what
        it did outside: the webhooks a contractor acknowledged, the messages a provider
        took are sent again by the next run (at least once, but on every deploy that
        caught a batch). A job waiting for its next round stops at once."""
        self._stopping.set()
        if self._tasks:
            _done, late = await asyncio.wait(self._tasks, timeout=grace)
            for task in late:
                task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _loop(self, job: ScheduledJob) -> None:
        stopping = self._stopping
        while not stopping.is_set():
            try:
                handled = await run_until_done(
                    self.db, job, self.clock(), service=self.service, stopping=stopping.is_set
                )
                if handled:
                    log.info("scheduled job ran", job=job.name, items=handled)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a failed batch is retried next round
                JOB_FAILURES.labels(self.service, job.name).inc()
                log.error("scheduled job failed", job=job.name, error_type=type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(job.interval.total_seconds()):
                    await stopping.wait()
