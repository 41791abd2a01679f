"""Request latency by route and status (hearth_http_request_duration_seconds).

A pure ASGI middleware: it reads the status from the response's start message and the
route template from the scope the router filled in, and touches nothing else. (Starlette's
`@app.middleware("http")` wraps every request and response in extra objects and tasks,
which costs more than the endpoint of a simple GET.) Each route's series is looked up
once and kept (`labels()` takes a lock and builds its key on every call).
"""

from __future__ import annotations

import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hearth_kit.metrics import REQUEST_DURATION


class RequestMetrics:
    """Observes one latency sample per HTTP request, labelled by the route template
    (`/v1/homes/{uprn}`, never the raw path, so labels stay few) or `unmatched`."""

    def __init__(self, app: ASGIApp, *, process: str) -> None:
        self.app = app
        self.process = process
        self._series: dict[tuple[str, str, int], Any] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def send_with_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_with_status)
        finally:
            route = scope.get("route")
            # the template as documented: /v1/homes/{uprn}, not {uprn:uprn}
            template: str = (
                getattr(route, "path_format", None) or getattr(route, "path", None) or "unmatched"
            )
            key = (scope["method"], template, status)
            series = self._series.get(key)
            if series is None:
                series = REQUEST_DURATION.labels(self.process, key[0], template, str(status))
                self._series[key] = series
            series.observe(time.perf_counter() - started)
