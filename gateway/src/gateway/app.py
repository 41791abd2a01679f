"""The Hearth API gateway: one authenticated API in front of the five services.

It owns no data. Writes pass through to the service that owns them; the home overview
fans out to every service concurrently and returns what answered, marking the rest.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import AsyncIterator

from fastapi import APIRouter, FastAPI
from fastapi.middleware.cors import CORSMiddleware
from starlette.routing import BaseRoute
from starlette.types import ASGIApp

from gateway.auth import TokenVerifier
from gateway.clients import Downstreams
from gateway.homes.endpoints import router as homes_router
from gateway.openapi_document import contractor_openapi_router, serve_published_openapi
from gateway.operations import service_readiness
from gateway.passthrough import passthrough_router, service_paths
from gateway.rate_limits import RateLimiter
from gateway.reports.endpoints import router as reports_router
from gateway.request_ids import RequestIds
from gateway.residents.endpoints import router as residents_router
from gateway.routes import compliance, engagement, income, repairs, visits
from gateway.security_headers import SecurityHeaders
from gateway.settings import GatewaySettings
from gateway.tenancies.endpoints import router as tenancies_router
from gateway.visits.endpoints import router as visits_router
from hearth_kit.defaults import NO_NATIVE_TELEMETRY, add_process_defaults, settle_the_collector
from hearth_kit.logs import get_logger
from hearth_kit.tracing import add_route_words

log = get_logger(__name__)


CORS_REQUEST_HEADERS = (
    "Authorization",
    "Content-Type",
    "Idempotency-Key",
    "If-Match",
    "X-Request-ID",
    # W3C trace context: a front-end that traces its own calls sends these (the gateway
    # follows a caller's sampled traceparent, docs/runbooks/tracing.md); refused in the
    # preflight, the browser would not send the request at all.
    "traceparent",
    "tracestate",
)
"""The request headers a front-end's browser may send (CORS preflight)."""

CORS_RESPONSE_HEADERS = (
    "X-Request-ID",
    "Location",
    "ETag",
    "Retry-After",
    "Idempotent-Replayed",
    "Content-Disposition",
)
"""The answer's headers a front-end's script may read."""


def answer_every_request_with_its_id(app: FastAPI, cors_origins: list[str]) -> None:
    """Put the request ids (gateway.request_ids) and CORS outside the whole middleware
    stack, Starlette's ServerErrorMiddleware included (docs/adr/0212).

    Added with `app.add_middleware` they sat inside ServerErrorMiddleware, which answers
    an unhandled error (the kit's 500 problem) from outside every user middleware: that
    500 carried no `X-Request-ID` and no CORS headers (a browser then hides the answer,
    trace id and all, from the front-end that must report it), and its "unhandled error"
    log line had no `request_id`, as the id was unbound by then. Outside the stack (and
    outside the tracing middleware too, so the SERVER span reads the id the gateway
    made from the request itself) every answer has them. So has every answer
    `Cache-Control: no-store` and `X-Content-Type-Options: nosniff`
    (gateway.security_headers), a 500 included."""
    inner = app.build_middleware_stack  # the kit's (hearth_kit.tracing.trace_requests)

    def build_middleware_stack() -> ASGIApp:
        stack = inner()
        if cors_origins:
            stack = CORSMiddleware(
                stack,
                allow_origins=cors_origins,
                allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                allow_headers=list(CORS_REQUEST_HEADERS),
                expose_headers=list(CORS_RESPONSE_HEADERS),
                max_age=600,
            )
        # outermost: every answer carries the request id, and is kept out of caches
        # (gateway.security_headers)
        return RequestIds(SecurityHeaders(stack))

    vars(app)["build_middleware_stack"] = build_middleware_stack


PASSED_THROUGH = (repairs, compliance, income, engagement, visits)
"""The route tables (gateway/src/gateway/routes) whose rows pass through unchanged."""


@functools.cache
def gateway_routes_shared() -> tuple[BaseRoute, ...]:
    """The gateway's own routers, one per route table passing through, and the contractor
    API's document, included once a process; every app made from them shares them.
    FastAPI builds each included route's state (its dependencies solved, its response
    fields) for the router that includes it and keeps it there: included into each app,
    the 157 routes were built again for every one (0.4 s of each), and tests make an app
    for each of dozens of modules (docs/adr/0232, 0233)."""
    holder = APIRouter()
    for router in (
        homes_router,
        tenancies_router,
        residents_router,
        visits_router,
        reports_router,
        *(
            passthrough_router(service.ROUTES, tag=service.__name__.rsplit(".")[-1])
            for service in PASSED_THROUGH
        ),
        contractor_openapi_router,
    ):
        holder.include_router(router)
    return tuple(holder.routes)


def create_app(settings: GatewaySettings | None = None) -> FastAPI:
    settings = settings or GatewaySettings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings.refuse_development_defaults()
        app.state.downstreams = Downstreams(settings)
        settle_the_collector()
        log.info("gateway started", environment=settings.environment)
        try:
            yield
        finally:
            await app.state.downstreams.aclose()
            log.info("gateway stopped")

    app = FastAPI(
        title="Hearth API",
        description="One authenticated API for Hearth's homes, tenancies, residents, "
        "visits and repairs. See docs/api.md.",
        version="1.0.0",
        lifespan=lifespan,
        telemetry=NO_NATIVE_TELEMETRY,
    )
    app.state.settings = settings
    app.state.token_verifier = TokenVerifier(settings)
    app.state.rate_limiter = RateLimiter(settings)
    add_process_defaults(app, process="gateway", settings=settings, readiness=service_readiness())
    answer_every_request_with_its_id(app, settings.cors_origins)
    app.router.routes.extend(gateway_routes_shared())
    # The client span of a call a service refuses (4xx) keeps only route words in its
    # path, each value becoming {value}: the words of the services' paths the rows call,
    # and of the gateway's own routes (the paths the composites call are among them),
    # which hearth_kit.tracing.trace_requests adds as the gateway starts.
    add_route_words(service_paths(row for service in PASSED_THROUGH for row in service.ROUTES))
    serve_published_openapi(app)
    return app
