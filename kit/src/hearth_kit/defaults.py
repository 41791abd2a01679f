"""Process defaults: what every Hearth process (five services and the gateway) wires the
same way, in one call (after eShop's ServiceDefaults).

`add_process_defaults(app, ...)` sets up logging and tracing, puts the request id the
gateway passes on onto the request's log lines, turns errors into problem details,
records request latency, serves /healthz, /readyz and /metrics, and instruments
FastAPI for tracing. Only the readiness checks differ between processes, so they are
passed in.
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.telemetry import TelemetryConfig
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field

from hearth_kit.logs import RequestIdsInLogs, setup_logging
from hearth_kit.metrics import GC_PAUSES
from hearth_kit.problems import install_problem_handlers, install_problem_openapi
from hearth_kit.request_limits import RequestBodyLimit, max_body_bytes_of, upload_limits_of
from hearth_kit.request_metrics import RequestMetrics
from hearth_kit.tracing import (
    request_id_of_response_on_span,
    request_id_on_span,
    setup_tracing,
    trace_requests,
)

NO_NATIVE_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False}
"""What every process builds its FastAPI app with. FastAPI's own telemetry stands aside
whenever OpenTelemetry's middleware is in the stack (trace_requests puts it there), but
found that out on every request by walking the whole middleware stack; the process's
spans (sampled requests: hearth_kit.tracing) and request metrics (RequestMetrics) are
unchanged."""

UNTRACED_PATHS = "healthz,readyz,metrics"
"""Probes and scrapes: neither traced nor worth a span each."""


YOUNG_OBJECTS_BEFORE_A_COLLECTION = 20_000
"""The cyclic collector's first threshold in a serving process (Python's default: 700).
A request allocates thousands of short-lived objects, nearly all freed by reference
counting when it ends; at 700 the collector scanned the live ones of every request in
flight several times a request, and every tenth time the older generation too."""

_settled = False


def settle_the_collector() -> None:
    """Once per process, when it is ready to serve: collect start-up's garbage, move
    every object still alive (modules, models, routes, the app) out of the cyclic
    collector's sight (`gc.freeze`: they live as long as the process, so scanning them
    again on every full collection only cost time), and let young objects pile up to
    YOUNG_OBJECTS_BEFORE_A_COLLECTION before the collector looks at them
    (docs/adr/0022-composite-per-request-work.md)."""
    global _settled
    if _settled:
        return
    _settled = True
    gc.collect()
    gc.freeze()
    _young, middle, old = gc.get_threshold()
    gc.set_threshold(max(_young, YOUNG_OBJECTS_BEFORE_A_COLLECTION), middle, old)
    if _time_the_collector not in gc.callbacks:
        gc.callbacks.append(_time_the_collector)


_collection_started = 0.0


def _time_the_collector(phase: str, info: dict[str, int]) -> None:
    """Record each collection's pause in `hearth_gc_pause_seconds` (a process's pauses
    delay everything in flight in it, and a composite waits for the slowest of six)."""
    global _collection_started
    if phase == "start":
        _collection_started = time.perf_counter()
    elif _collection_started:
        GC_PAUSES.labels(_GENERATIONS[info["generation"]]).observe(
            time.perf_counter() - _collection_started
        )


_GENERATIONS = ("0", "1", "2")


class ProcessSettings(Protocol):
    """The settings every process has (ServiceSettings and GatewaySettings both do)."""

    @property
    def log_level(self) -> str: ...
    @property
    def log_format(self) -> str: ...
    @property
    def otel_exporter(self) -> str: ...


class Health(BaseModel):
    status: str = Field(
        description="ok, degraded (ready, something optional is down) or unavailable (not ready)"
    )
    checks: dict[str, str] = Field(default={})


@dataclass(frozen=True)
class ReadinessCheck:
    """One thing /readyz asks about. `check` answers "ok" or why not. When a `required`
    check fails the process is not ready (503); when any other fails it stays ready but
    says it is degraded (200)."""

    Check = Callable[[Request], Awaitable[str]]

    name: str
    check: Check
    required: bool = True


async def _answer(check: ReadinessCheck, request: Request) -> str:
    try:
        return await check.check(request)
    except Exception as exc:
        return f"unreachable: {type(exc).__name__}"


def operations_router(readiness: Sequence[ReadinessCheck]) -> APIRouter:
    """/healthz, /readyz and /metrics: open to anyone who can reach the process, since
    they say nothing about any home or person."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", response_model=Health)
    async def healthz() -> Health:
        """The process is alive."""
        return Health(status="ok")

    @router.get("/readyz", response_model=Health, responses={503: {"model": Health}})
    async def readyz(request: Request, response: Response) -> Health:
        """Whether what this process needs answers, asked concurrently. 503 when
        something required is down; 200 `degraded` when only something optional is."""
        answers = await asyncio.gather(*(_answer(check, request) for check in readiness))
        checks = {check.name: answer for check, answer in zip(readiness, answers, strict=True)}
        failed = [check for check, answer in zip(readiness, answers, strict=True) if answer != "ok"]
        if any(check.required for check in failed):
            response.status_code = 503
            return Health(status="unavailable", checks=checks)
        return Health(status="degraded" if failed else "ok", checks=checks)

    @router.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def add_process_defaults(
    app: FastAPI,
    *,
    process: str,
    settings: ProcessSettings,
    readiness: Sequence[ReadinessCheck] = (),
) -> FastAPI:
    """Wire logging, tracing, problem details, request metrics, /healthz, /readyz,
    /metrics and FastAPI instrumentation into `app` for the process named `process`.

    Only the requests the sampler keeps are traced (hearth_kit.tracing.trace_requests)."""
    setup_logging(settings.log_level, settings.log_format)
    setup_tracing(f"hearth-{process}", settings.otel_exporter)
    install_problem_handlers(app)
    install_problem_openapi(app)
    app.add_middleware(
        RequestBodyLimit,
        max_body_bytes=max_body_bytes_of(settings),
        uploads=upload_limits_of(settings),
    )
    app.add_middleware(RequestMetrics, process=process)
    app.add_middleware(RequestIdsInLogs)  # outside the metrics: every line of the request
    app.include_router(operations_router(readiness))
    trace_requests(
        app,
        lambda: FastAPIInstrumentor.instrument_app(
            app,
            excluded_urls=UNTRACED_PATHS,
            server_request_hook=request_id_on_span,
            client_response_hook=request_id_of_response_on_span,
        ),
        untraced_paths=("/healthz", "/readyz", "/metrics"),
    )
    return app
