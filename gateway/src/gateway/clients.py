"""One httpx.AsyncClient per downstream service, opened for the app's lifetime.

Each client is instrumented with OpenTelemetry, so every call carries the request's
W3C `traceparent` to the service. Every call made on behalf of a caller carries a fresh
internal token for that service naming the caller (docs/adr/0006-internal-tokens.md):
the services answer nothing else. Every call is bounded from start to finish (httpx's
own timeouts bound each connect/read/write separately): a read by the read budget, a
write by the longer write budget, since cutting a write off early turns work that
happened into a 503. Every
downstream timeout is logged, with the service, method and route template.

Signing an internal token costs more than the rest of a small call, so one token is
reused for the same caller and service for `internal_token_reuse_seconds` (well inside
its 60-second life): a composite signs one per service, not one per call.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Annotated, Any

import httpx
from fastapi import Depends, Request
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

from gateway.auth import SCOPES, Principal
from gateway.metrics import DOWNSTREAM_DURATION, DOWNSTREAM_RESENT
from gateway.request_ids import current_request_id
from gateway.settings import GatewaySettings
from hearth_contracts.topics import SERVICES, Service
from hearth_kit.auth import issue_internal_token
from hearth_kit.logs import get_logger

log = get_logger(__name__)

MAX_CACHED_TOKENS = 10_000
"""Internal tokens kept for reuse at most (one per caller and service)."""


class DownstreamFailure(Exception):
    """A service did not answer: unreachable, or too slow."""

    def __init__(self, service: Service, reason: str, *, delivered: bool | None) -> None:
        super().__init__(f"{service}: {reason}")
        self.service = service
        self.reason = reason
        self.delivered = delivered
        """False when the request never reached the service; None when it may have."""


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
        self._clients: dict[Service, httpx.AsyncClient] = {}
        for service in SERVICES:
            client = httpx.AsyncClient(
                base_url=settings.service_url(service),
                timeout=httpx.Timeout(max(self.timeout, self.write_timeout, self.upload_timeout)),
                # A kept-alive connection is dropped before uvicorn's own 5 s keep-alive
                # would close it under us.
                limits=httpx.Limits(
                    max_connections=200, max_keepalive_connections=100, keepalive_expiry=3.0
                ),
                headers={"User-Agent": "hearth-gateway"},
                # Service-to-service calls stay inside the platform: never through an
                # egress proxy picked up from the environment.
                trust_env=False,
            )
            HTTPXClientInstrumentor.instrument_client(client)
            self._clients[service] = client

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()

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
        params: httpx.QueryParams | Mapping[str, str] | None = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        route: str | None = None,
    ) -> httpx.Response:
        """The service's answer, whatever its status; DownstreamFailure if none came.
        With a caller, the call carries an internal token naming them; without one
        (health checks) it carries none. `timeout` shortens the budget (a composite's
        per-call budget); `route` is the path template logged on a timeout (the path
        itself may hold ids)."""
        if caller is not None:
            headers = {
                **(headers or {}),
                "Authorization": f"Bearer {self.internal_token(service, caller)}",
            }
        if (request_id := current_request_id.get()) is not None:
            headers = {**(headers or {}), "X-Request-ID": request_id}
        budget = self.timeout if method in ("GET", "HEAD") else self.write_timeout
        if (method, path) in self._uploads:  # a stock file of 100,000 homes takes a while
            budget = self.upload_timeout
        if timeout is not None:
            budget = min(budget, timeout)
        started = time.perf_counter()
        outcome = "unreachable"
        try:
            async with asyncio.timeout(budget):
                response = await self._send(service, method, path, params, content, headers)
            outcome = f"{response.status_code // 100}xx"
            return response
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise DownstreamFailure(
                service, f"{type(exc).__name__} while connecting", delivered=False
            ) from exc
        except (TimeoutError, httpx.TimeoutException) as exc:
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
        except httpx.TransportError as exc:
            raise DownstreamFailure(
                service, f"{type(exc).__name__} on the connection", delivered=None
            ) from exc
        finally:
            DOWNSTREAM_DURATION.labels(service, method, outcome).observe(
                time.perf_counter() - started
            )

    async def _send(
        self,
        service: Service,
        method: str,
        path: str,
        params: httpx.QueryParams | Mapping[str, str] | None,
        content: bytes | None,
        headers: Mapping[str, str] | None,
    ) -> httpx.Response:
        """One call, sent again once if the service closed a kept-alive connection as the
        request went out (no answer came) and the request is safe to repeat: a read, or
        a write with an Idempotency-Key, which the service answers with its first result."""
        client = self._clients[service]
        try:
            return await client.request(
                method, path, params=params, content=content, headers=headers
            )
        except (httpx.RemoteProtocolError, httpx.ReadError):
            repeatable = method in ("GET", "HEAD") or any(
                name.lower() == "idempotency-key" for name in (headers or {})
            )
            if not repeatable:
                raise
            DOWNSTREAM_RESENT.labels(service, method).inc()
            return await client.request(
                method, path, params=params, content=content, headers=headers
            )

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


def get_downstreams(request: Request) -> Downstreams:
    downstreams: Downstreams = request.app.state.downstreams
    return downstreams


DownstreamsDep = Annotated[Downstreams, Depends(get_downstreams)]
