"""create_service_app(): everything a Hearth service shares, wired once.

The process defaults (logging, tracing, problem details, request metrics, health,
readiness, metrics: hearth_kit.defaults), the internal-token check on every route the
service includes (hearth_kit.auth), the database, the outbox relay and the consumer
runner. A service's app.py passes its routers and handlers; nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from fastapi import APIRouter, Depends, FastAPI, Request

from hearth_kit.auth import InternalTokenVerifier, authorised_caller
from hearth_kit.consumer import EventConsumer, EventHandlers
from hearth_kit.db import Database
from hearth_kit.dead_letters import dead_letters_router
from hearth_kit.defaults import (
    NO_NATIVE_TELEMETRY,
    ReadinessCheck,
    add_process_defaults,
    settle_the_collector,
)
from hearth_kit.kafka import broker_reachable
from hearth_kit.logs import get_logger
from hearth_kit.outbox import OutboxRelay
from hearth_kit.outbox_admin import outbox_admin_router
from hearth_kit.problems import ADMIN_RESPONSES, UNAUTHORISED_RESPONSES
from hearth_kit.scheduler import ScheduledJob, Scheduler
from hearth_kit.settings import ServiceSettings
from hearth_kit.staff import access_rules
from hearth_kit.tracing import trace_sql

log = get_logger(__name__)


class Runtime:
    """The service's long-running parts, kept on app.state.runtime."""

    def __init__(
        self,
        settings: ServiceSettings,
        db: Database,
        handlers: EventHandlers,
        scheduled_jobs: Sequence[ScheduledJob] = (),
    ) -> None:
        self.settings = settings
        self.db = db
        self.relay = OutboxRelay(settings, db)
        self.consumer = EventConsumer(settings, db, handlers) if handlers else None
        self.scheduler = Scheduler(db, scheduled_jobs, service=settings.service_name)
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        if self.settings.relay_enabled:
            self._tasks.append(asyncio.create_task(self.relay.run(), name="outbox-relay"))
        if self.consumer is not None and self.settings.consumer_enabled:
            self._tasks.append(asyncio.create_task(self.consumer.run(), name="consumer"))
        if self.settings.scheduler_enabled:
            self.scheduler.start()

    async def stop(self) -> None:
        await self.scheduler.stop()
        await self.relay.stop()
        if self.consumer is not None:
            await self.consumer.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()


def create_service_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    routers: Sequence[APIRouter] = (),
    handlers: EventHandlers | None = None,
    on_startup: Callable[[Database], Awaitable[None]] | None = None,
    scheduled_jobs: Sequence[ScheduledJob] = (),
) -> FastAPI:
    """A FastAPI app for one service, with its runtime (relay, consumer, scheduled jobs:
    hearth_kit.scheduler) started in the lifespan.

    Refuses to start (InsecureConfiguration) in production without the gateway's public
    key (see docs/adr/0006-internal-tokens.md), and its lifespan refuses to start there
    without an explicit PostgreSQL database URL and bootstrap servers."""
    handlers = handlers or EventHandlers()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.refuse_development_defaults()
        db = Database(
            settings.database_url,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
            read_pool_size=settings.database_read_pool_size,
        )
        trace_sql(db.engine.sync_engine)
        runtime = Runtime(settings, db, handlers, scheduled_jobs)
        app.state.db = db
        app.state.runtime = runtime
        if on_startup is not None:
            await on_startup(db)
        await runtime.start()
        settle_the_collector()
        log.info("service started", service=settings.service_name)
        try:
            yield
        finally:
            await runtime.stop()
            await db.dispose()
            log.info("service stopped", service=settings.service_name)

    app = FastAPI(
        title=title,
        description=description,
        version="1.0.0",
        lifespan=lifespan,
        telemetry=NO_NATIVE_TELEMETRY,
    )
    add_process_defaults(
        app,
        process=settings.service_name,
        settings=settings,
        readiness=service_readiness(settings),
    )
    app.state.internal_token_verifier = InternalTokenVerifier.for_settings(settings)
    # staff_only / scoped routers' rules, applied by the token check itself
    app.state.internal_token_verifier.access_rules = access_rules(routers)
    app.state.handlers = handlers  # what `hearth projection rebuild` applies events with

    # Every route below answers only the gateway's internal token (401 without one);
    # routes under /admin also need the admin scope (403). The kit's own admin routers
    # are listed here with the service's routers.
    for router in routers:
        app.include_router(
            router, dependencies=[Depends(authorised_caller)], responses=UNAUTHORISED_RESPONSES
        )
    for router in (dead_letters_router, outbox_admin_router):
        app.include_router(
            router,
            dependencies=[Depends(authorised_caller)],
            responses={**UNAUTHORISED_RESPONSES, **ADMIN_RESPONSES},
        )
    return app


def service_readiness(settings: ServiceSettings) -> list[ReadinessCheck]:
    """A service is ready when its database answers. An unreachable broker leaves it
    ready but degraded: it still accepts work, whose events wait in the outbox."""

    async def database(request: Request) -> str:
        await request.app.state.db.ping()
        return "ok"

    async def kafka(request: Request) -> str:
        reachable = await broker_reachable(settings.kafka_bootstrap_servers)
        return "ok" if reachable else "unreachable"

    return [ReadinessCheck("database", database), ReadinessCheck("kafka", kafka, required=False)]
