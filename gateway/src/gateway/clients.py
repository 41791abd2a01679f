"""One aiohttp ClientSession per downstream service, opened on first use and kept for
the app's lifetime (docs/adr/0014-gateway-downstream-client.md).

Each session has its own connection pool (a TCPConnector) whose kept-alive connections
are reused call after call: a composite's eight calls take eight idle connections and
put them back. aiohttp's pool hands out the most recently used idle connection without
polling every pooled socket per call (httpx's pool did: a fifth of the gateway's CPU
under load).

Every call carries the request's W3C `traceparent` to the service: inside a sampled
request it runs in a CLIENT span of its own (the service's SERVER span is its child);
otherwise the request's unsampled context is passed on as it is, with no span built.
Every call made on behalf of a caller carries an internal token for that service naming
the caller (docs/adr/0006-internal-tokens.md): the services answer nothing else. Every
call is bounded from start to finish: a read by the read budget, a write by the longer
write budget, since cutting a write off early turns work that happened into a 503.
Every downstream timeout is logged, with the service, method and route template. A call
cut off by its budget closes its connection; the pool opens another for the next call,
so nothing half-read is ever handed to another caller.

Signing an internal token costs more than the rest of a small call, so one token is
reused for the same caller and service for `internal_token_reuse_seconds` (well inside
its 60-second life): a composite signs one per service, not one per call.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

import aiohttp
from fastapi import Depends, Request
from multidict import CIMultiDictProxy
from opentelemetry import trace
from opentelemetry.trace import SpanContext, SpanKind, StatusCode

from gateway.auth import SCOPES, Principal
from gateway.metrics import DOWNSTREAM_DURATION, DOWNSTREAM_RESENT
from gateway.request_ids import current_request_id
from gateway.settings import GatewaySettings
from hearth_contracts.topics import SERVICES, Service
from hearth_kit.auth import issue_internal_token
from hearth_kit.logs import get_logger

log = get_logger(__name__)
tracer = trace.get_tracer(__name__)

MAX_CACHED_TOKENS = 10_000
"""Internal tokens kept for reuse at most (one per caller and service)."""

READ_METHODS = frozenset({"GET", "HEAD"})


class DownstreamFailure(Exception):
    """A service did not answer: unreachable, or too slow."""

    def __init__(self, service: Service, reason: str, *, delivered: bool | None) -> None:
        super().__init__(f"{service}: {reason}")
        self.service = service
        self.reason = reason
        self.delivered = delivered
        """False when the request never reached the service; None when it may have."""


@dataclass(frozen=True, slots=True)
class DownstreamAnswer:
    """A service's answer, read whole: its status, headers (case-insensitive) and body."""

    status_code: int
    headers: CIMultiDictProxy[str]
    content: bytes

    def json(self) -> Any:
        """The body as JSON (ValueError when it is not)."""
        return json.loads(self.content)

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")


class Downstreams:
    """The gateway's clients for the services, by name."""

    def __init__(self, settings: GatewaySettings) -> None:
        self.timeout = settings.downstream_timeout_seconds
        self.write_timeout = settings.write_timeout_seconds
        self.upload_timeout = settings.upload_timeout_seconds
        self._uploads = frozenset(settings.upload_body_limits)
        self._signing_key = settings.internal_token_key()
        self._token_reuse = settings.internal_token_reuse_seconds
        self._tokens: dict[tuple[Service, Principal], tuple[float, str]] = {}
        self._urls = {service: settings.service_url(service).rstrip("/") for service in SERVICES}
        self._pool_size = settings.downstream_connections_per_service
        self._keepalive = settings.downstream_keepalive_seconds
        self._sessions: dict[Service, aiohttp.ClientSession] = {}
        self._series: dict[tuple[Service, str, str], Any] = {}

    def _session(self, service: Service) -> aiohttp.ClientSession:
        """The service's session, opened on first use (a session belongs to the running
        event loop)."""
        session = self._sessions.get(service)
        if session is None:
            connector = aiohttp.TCPConnector(
                limit=self._pool_size,
                limit_per_host=0,
                # A kept-alive connection is dropped before uvicorn's own 5 s keep-alive
                # would close it under us.
                keepalive_timeout=self._keepalive,
            )
            session = aiohttp.ClientSession(
                connector=connector,
                # Each call is bounded by its own budget (asyncio.timeout in request()).
                timeout=aiohttp.ClientTimeout(total=None),
                # Nothing is compressed between the gateway and the services (loopback or
                # one cluster): compressing would cost both ends CPU for nothing. (Said
                # in a header rather than with skip_auto_headers, which aiohttp works
                # through on every call.)
                headers={"User-Agent": "hearth-gateway", "Accept-Encoding": "identity"},
                auto_decompress=False,
                # Service-to-service calls stay inside the platform: never through an
                # egress proxy picked up from the environment.
                trust_env=False,
                # The services set no cookies the gateway should keep or send back.
                cookie_jar=aiohttp.DummyCookieJar(),
            )
            # aiohttp would send a read again by itself when a kept-alive connection was
            # closed under it, unseen; _send does that instead, counted, and for writes
            # with an Idempotency-Key too.
            session._retry_connection = False
            self._sessions[service] = session
        return session

    async def aclose(self) -> None:
        sessions, self._sessions = list(self._sessions.values()), {}
        for session in sessions:
            await session.close()

    def internal_token(self, service: Service, caller: Principal) -> str:
        """A token for one call to `service` on behalf of `caller` (60 s). It carries
        only the scopes the gateway knows (SCOPES): never `admin`, whatever the identity
        provider put in the caller's token. Reused for the same caller and service
        while younger than the reuse time."""
        now = time.monotonic()
        key = (service, caller)
        cached = self._tokens.get(key)
        if cached is not None and now - cached[0] < self._token_reuse:
            return cached[1]
        token = issue_internal_token(
            self._signing_key,
            service=service,
            subject=caller.subject,
            scopes=caller.scopes & SCOPES.keys(),
            contractor_id=caller.contractor_id,
        )
        if len(self._tokens) >= MAX_CACHED_TOKENS:
            self._forget_old_tokens(now)
        self._tokens[key] = (now, token)
        return token

    def _forget_old_tokens(self, now: float) -> None:
        stale = [key for key, (at, _) in self._tokens.items() if now - at >= self._token_reuse]
        for key in stale:
            del self._tokens[key]
        if len(self._tokens) >= MAX_CACHED_TOKENS:
            self._tokens.clear()

    async def request(
        self,
        service: Service,
        method: str,
        path: str,
        *,
        caller: Principal | None = None,
        params: Mapping[str, str] | None = None,
        query: str = "",
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        route: str | None = None,
    ) -> DownstreamAnswer:
        """The service's answer, whatever its status; DownstreamFailure if none came.
        With a caller, the call carries an internal token naming them; without one
        (health checks) it carries none. `params` are encoded into the query; `query` is
        a query string already encoded (passed through as the caller sent it).
        `timeout` shortens the budget (a composite's per-call budget); `route` is the
        path template logged on a timeout and named on the span (the path itself may
        hold ids)."""
        sent = dict(headers) if headers else {}
        if caller is not None:
            sent["Authorization"] = f"Bearer {self.internal_token(service, caller)}"
        if (request_id := current_request_id.get()) is not None:
            sent["X-Request-ID"] = request_id
        budget = self.timeout if method in READ_METHODS else self.write_timeout
        if (method, path) in self._uploads:  # a stock file of 100,000 homes takes a while
            budget = self.upload_timeout
        if timeout is not None:
            budget = min(budget, timeout)
        url = self._urls[service] + path
        if params:
            query = f"{query}&{urlencode(params)}" if query else urlencode(params)
        if query:
            url = f"{url}?{query}"
        started = time.perf_counter()
        outcome = "unreachable"
        span = trace.get_current_span()
        try:
            if span.is_recording():
                with tracer.start_as_current_span(
                    method,
                    kind=SpanKind.CLIENT,
                    attributes={
                        "http.request.method": method,
                        "server.address": service,
                        "url.template": route or path,
                        "hearth.downstream": service,
                    },
                ) as client_span:
                    _propagate(client_span.get_span_context(), sent)
                    answer = await self._bounded(service, method, url, content, sent, budget)
                    client_span.set_attribute("http.response.status_code", answer.status_code)
                    if answer.status_code >= 500:
                        client_span.set_status(StatusCode.ERROR)
            else:
                _propagate(span.get_span_context(), sent)
                answer = await self._bounded(service, method, url, content, sent, budget)
            outcome = f"{answer.status_code // 100}xx"
            return answer
        except aiohttp.ClientConnectorError as exc:
            raise DownstreamFailure(
                service, f"{type(exc).__name__} while connecting", delivered=False
            ) from exc
        except TimeoutError as exc:
            outcome = "timeout"
            log.warning(
                "downstream timeout",
                service=service,
                method=method,
                route=route or path,
                budget_seconds=budget,
            )
            reason = f"timed out after {budget:g}s"
            raise DownstreamFailure(service, reason, delivered=None) from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise DownstreamFailure(
                service, f"{type(exc).__name__} on the connection", delivered=None
            ) from exc
        finally:
            series = self._series.get((service, method, outcome))
            if series is None:  # looked up once per label set (labels() locks and builds)
                series = self._series[service, method, outcome] = DOWNSTREAM_DURATION.labels(
                    service, method, outcome
                )
            series.observe(time.perf_counter() - started)

    async def _bounded(
        self,
        service: Service,
        method: str,
        url: str,
        content: bytes | None,
        headers: dict[str, str],
        budget: float,
    ) -> DownstreamAnswer:
        async with asyncio.timeout(budget):
            return await self._send(service, method, url, content, headers)

    async def _send(
        self,
        service: Service,
        method: str,
        url: str,
        content: bytes | None,
        headers: dict[str, str],
    ) -> DownstreamAnswer:
        """One call, sent again once if the service closed a kept-alive connection as the
        request went out (no answer came) and the request is safe to repeat: a read, or
        a write with an Idempotency-Key, which the service answers with its first result."""
        session = self._session(service)
        try:
            return await _exchange(session, method, url, content, headers)
        except aiohttp.ClientConnectorError:
            raise  # never reached the service: nothing to repeat on a live connection
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError, aiohttp.ClientPayloadError):
            repeatable = method in READ_METHODS or any(
                name.lower() == "idempotency-key" for name in headers
            )
            if not repeatable:
                raise
            DOWNSTREAM_RESENT.labels(service, method).inc()
            return await _exchange(session, method, url, content, headers)

    async def get_json(
        self,
        service: Service,
        path: str,
        caller: Principal,
        params: Mapping[str, str] | None = None,
        *,
        timeout: float | None = None,
        route: str | None = None,
    ) -> tuple[int, Any]:
        """A GET's status and JSON body (None when the body is not JSON), on behalf of
        `caller`."""
        response = await self.request(
            service,
            "GET",
            path,
            caller=caller,
            params=params,
            headers={"Accept": "application/json"},
            timeout=timeout,
            route=route,
        )
        try:
            body = response.json()
        except ValueError:
            body = None
        return response.status_code, body


async def _exchange(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    content: bytes | None,
    headers: dict[str, str],
) -> DownstreamAnswer:
    """Send one request and read its answer whole; the connection goes back to the pool
    as the answer is read (or is closed, if the call is cut off first)."""
    async with session.request(
        method, url, data=content, headers=headers, allow_redirects=False
    ) as response:
        body = await response.read()
        return DownstreamAnswer(response.status, response.headers, body)


def _propagate(context: SpanContext, headers: dict[str, str]) -> None:
    """The W3C traceparent (and tracestate) of `context` into `headers`: what
    OpenTelemetry's propagator writes, without its lookups per call."""
    if not context.is_valid:
        return
    headers["traceparent"] = (
        f"00-{context.trace_id:032x}-{context.span_id:016x}-{int(context.trace_flags):02x}"
    )
    if context.trace_state:
        headers["tracestate"] = context.trace_state.to_header()


async def get_downstreams(request: Request) -> Downstreams:
    """The app's Downstreams (a coroutine: FastAPI runs a plain function dependency in a
    worker thread, a thread hand-off per request)."""
    downstreams: Downstreams = request.app.state.downstreams
    return downstreams


DownstreamsDep = Annotated[Downstreams, Depends(get_downstreams)]
