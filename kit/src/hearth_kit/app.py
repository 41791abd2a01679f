"""create_service_app(): everything a Hearth service shares, wired once.

The process defaults (logging, tracing, problem details, request metrics, health,
readiness, metrics: hearth_kit.defaults), the internal-token check on every route the
service includes (hearth_kit.auth), the database, the outbox relay and the consumer
runner. A service's app.py passes its routers and handlers; nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import BaseRoute

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
from hearth_kit.idempotency import EXPIRED_RESPONSES
from hearth_kit.inbox_retention import inbox_retention_job
from hearth_kit.kafka import broker_reachable
from hearth_kit.logs import get_logger
from hearth_kit.outbox import OutboxRelay
from hearth_kit.outbox_admin import outbox_admin_router
from hearth_kit.problems import ADMIN_RESPONSES, UNAUTHORISED_RESPONSES
from hearth_kit.scheduler import ScheduledJob, Scheduler
from hearth_kit.settings import ServiceSettings
from hearth_kit.staff import GuardedRouter, access_rules, staff_caller
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
        # Every service purges its expired Idempotency-Key responses (they hold what the
        # requests created, personal data among it) whether or not writes arrive, and
        # the inbox rows of events no topic holds any more (hearth_kit.inbox_retention).
        self.scheduler = Scheduler(
            db,
            [*scheduled_jobs, EXPIRED_RESPONSES, inbox_retention_job(settings)],
            service=settings.service_name,
        )
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
    without an explicit PostgreSQL database URL and bootstrap servers. Refuses to start
    (UnguardedRoutes) when `routers` include a `staff_only`/`scoped` one and some API
    route has no access rule (refuse_routes_without_a_rule).

    A service builds its `routers` once a process and passes the same ones to every app
    it makes, and those apps share their inclusion (`behind_the_internal_token`; docs/adr
    0232 and 0233)."""
    handlers = handlers or EventHandlers()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.refuse_development_defaults()
        db = Database(
            settings.database_url,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
            read_pool_size=settings.database_read_pool_size,
            statement_timeout_seconds=settings.database_statement_timeout_seconds,
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
    # routes under /admin also need the admin scope (403).
    app.router.routes.extend(behind_the_internal_token(tuple(routers)))
    return app


_SHARED_ROUTES: dict[tuple[int, ...], tuple[tuple[APIRouter, ...], tuple[BaseRoute, ...]]] = {}
"""behind_the_internal_token's, by the routers' identities (a router is not hashable),
each kept with its routers so that their identities stay theirs."""


def behind_the_internal_token(routers: tuple[APIRouter, ...]) -> tuple[BaseRoute, ...]:
    """`routers` and the kit's admin routers, each included behind the internal token's
    check, once a process for every app made from the same `routers`.

    FastAPI builds each included route's state (its dependencies solved, a pydantic
    field for each documented response) for the router that includes it, lazily, and
    keeps it there. Included into each app, a service's 150 routes were built again for
    every app (most of the 0.17 s an app took to make and answer first); included here
    once, every app shares what was built.
    The cost: an app's `dependency_overrides` do not reach these routes (nothing uses
    them; tests run the real dependencies). Refuses (UnguardedRoutes) when `routers`
    include a `staff_only`/`scoped` one and some API route has no access rule."""
    key = tuple(map(id, routers))
    if (shared := _SHARED_ROUTES.get(key)) is not None:
        return shared[1]
    holder = APIRouter()
    for router in routers:
        holder.include_router(
            router, dependencies=[Depends(authorised_caller)], responses=UNAUTHORISED_RESPONSES
        )
    if any(isinstance(router, GuardedRouter) for router in routers):
        refuse_routes_without_a_rule(served_routes(holder), access_rules(routers))
    for router in (dead_letters_router, outbox_admin_router):
        holder.include_router(
            router,
            dependencies=[Depends(authorised_caller)],
            responses={**UNAUTHORISED_RESPONSES, **ADMIN_RESPONSES},
        )
    _SHARED_ROUTES[key] = (routers, tuple(holder.routes))
    return _SHARED_ROUTES[key][1]


class UnguardedRoutes(RuntimeError):
    """A service app would serve API routes that no access rule covers."""


def served_routes(app: FastAPI | APIRouter) -> dict[tuple[str, str], APIRoute]:
    """Each API route `app` serves now by (method, full path template), as FastAPI
    resolves them (through included routers and their prefixes): the templates the
    token check looks its rules up by."""
    return {
        (method, context.path): context.original_route
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute) and context.path is not None
        for method in context.methods or ()
    }


def refuse_routes_without_a_rule(
    routes: Mapping[tuple[str, str], APIRoute], rules: Mapping[tuple[str, str], object]
) -> None:
    """Raise UnguardedRoutes, naming them, when any of a service's API routes has no
    access rule: not under /admin (the admin scope guards those) and not a route of an
    `APIRouter(dependencies=STAFF_ONLY)`, which checks the caller itself. The token check
    lets a route without a rule through on the token alone, so a router left out of
    `staff_only`/`scoped`, or a rule lost to a prefix or to a FastAPI upgrade that
    changes how included routers are kept (hearth_kit.staff reads them), would silently
    drop the staff-only and scope checks: the service refuses to start instead."""
    unguarded = sorted(
        (method, path)
        for (method, path), route in routes.items()
        if not path.startswith("/admin")
        and (method, path) not in rules
        and not any(d.dependency is staff_caller for d in route.dependencies)
    )
    if unguarded:
        named = ", ".join(f"{method} {path}" for method, path in unguarded)
        raise UnguardedRoutes(
            f"Refusing to start: no access rule for {named}; include each router "
            "through staff_only(...) or scoped(...) (hearth_kit.staff)"
        )


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
