"""create_service_app(): everything a Hearth service shares, wired once.

Logging, tracing, problem details, health, metrics, the database, the outbox relay and
the consumer runner. A service's app.py includes its routers and registers its
handlers; nothing else.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any

from fastapi import APIRouter, FastAPI, Request, Response
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy import func, select

from hearth_kit.consumer import EventConsumer, EventHandlers
from hearth_kit.db import Database
from hearth_kit.kafka import broker_reachable
from hearth_kit.logs import get_logger, setup_logging
from hearth_kit.metrics import REQUEST_DURATION
from hearth_kit.outbox import OutboxRelay
from hearth_kit.problems import NotFound, install_problem_handlers
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import dead_letter
from hearth_kit.tracing import setup_tracing

log = get_logger(__name__)


class Health(BaseModel):
    status: str
    checks: dict[str, str] = {}


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
    dead_lettered_at: Any
    replayed_at: Any | None


class Runtime:
    """The service's long-running parts, kept on app.state.runtime."""

    def __init__(self, settings: ServiceSettings, db: Database, handlers: EventHandlers) -> None:
        self.settings = settings
        self.db = db
        self.relay = OutboxRelay(settings, db)
        self.consumer = EventConsumer(settings, db, handlers) if handlers else None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        if self.settings.relay_enabled:
            self._tasks.append(asyncio.create_task(self.relay.run(), name="outbox-relay"))
        if self.consumer is not None and self.settings.consumer_enabled:
            self._tasks.append(asyncio.create_task(self.consumer.run(), name="consumer"))

    async def stop(self) -> None:
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
) -> FastAPI:
    """A FastAPI app for one service, with its runtime started in the lifespan."""
    setup_logging(settings.log_level, settings.log_format)
    setup_tracing(f"hearth-{settings.service_name}", settings.otel_exporter)
    handlers = handlers or EventHandlers()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        db = Database(settings.database_url)
        SQLAlchemyInstrumentor().instrument(engine=db.engine.sync_engine)
        runtime = Runtime(settings, db, handlers)
        app.state.db = db
        app.state.runtime = runtime
        if on_startup is not None:
            await on_startup(db)
        await runtime.start()
        log.info("service started", service=settings.service_name)
        try:
            yield
        finally:
            await runtime.stop()
            await db.dispose()
            log.info("service stopped", service=settings.service_name)

    app = FastAPI(title=title, description=description, version="1.0.0", lifespan=lifespan)
    install_problem_handlers(app)
    install_request_metrics(app, settings.service_name)
    app.include_router(operations_router(settings))
    for router in routers:
        app.include_router(router)
    FastAPIInstrumentor.instrument_app(app, excluded_urls="healthz,readyz,metrics")
    return app


def install_request_metrics(app: FastAPI, service: str) -> None:
    """Request latency by route and status (hearth_http_request_duration_seconds)."""

    @app.middleware("http")
    async def record_latency(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route = request.scope.get("route")
        REQUEST_DURATION.labels(
            service, request.method, getattr(route, "path", "unmatched"), str(response.status_code)
        ).observe(time.perf_counter() - started)
        return response


def operations_router(settings: ServiceSettings) -> APIRouter:
    """Health, readiness, metrics, and the dead letters of this service's consumer."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", response_model=Health)
    async def healthz() -> Health:
        """The process is alive."""
        return Health(status="ok")

    @router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
    async def readyz(request: Request, response: Response) -> Health:
        """Whether the database and the Kafka broker are reachable.

        503 when the database is unreachable: nothing can be served. When only Kafka is
        unreachable the service stays ready (200, status "degraded"): it still accepts
        work, whose events wait in the outbox until the broker is back.
        """
        checks: dict[str, str] = {}
        try:
            await request.app.state.db.ping()
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unreachable: {type(exc).__name__}"
        reachable = await broker_reachable(settings.kafka_bootstrap_servers)
        checks["kafka"] = "ok" if reachable else "unreachable"
        if checks["database"] != "ok":
            response.status_code = 503
            return Health(status="unavailable", checks=checks)
        return Health(status="ok" if reachable else "degraded", checks=checks)

    @router.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    @router.get("/admin/dead-letters", response_model=list[DeadLetterPublic])
    async def list_dead_letters(request: Request, include_replayed: bool = False) -> list[Any]:
        """Events this service's consumer gave up on, newest first."""
        db: Database = request.app.state.db
        query = select(dead_letter).order_by(dead_letter.c.id.desc()).limit(200)
        if not include_replayed:
            query = query.where(dead_letter.c.replayed_at.is_(None))
        async with db.sessionmaker() as session:
            return list((await session.execute(query)).mappings().all())

    @router.get("/admin/dead-letters/count")
    async def count_dead_letters(request: Request) -> dict[str, int]:
        db: Database = request.app.state.db
        async with db.sessionmaker() as session:
            count = await session.scalar(
                select(func.count()).where(dead_letter.c.replayed_at.is_(None))
            )
        return {"unreplayed": int(count or 0)}

    @router.post("/admin/dead-letters/{dead_letter_id}/replay", response_model=DeadLetterPublic)
    async def replay(request: Request, dead_letter_id: int) -> Any:
        """Run a dead letter through its handler again, once the cause is fixed."""
        runtime: Runtime = request.app.state.runtime
        if runtime.consumer is None:
            raise NotFound("This service consumes no events")
        row = await runtime.consumer.replay(dead_letter_id)
        if row is None:
            raise NotFound(f"No dead letter {dead_letter_id}")
        return row

    return router
