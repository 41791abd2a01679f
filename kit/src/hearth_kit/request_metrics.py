"""Request latency by route and status (hearth_http_request_duration_seconds).

A pure ASGI middleware: it reads the status from the response's start message and the
route template from the scope the router filled in, and touches nothing else. (Starlette's
`@app.middleware("http")` wraps every request and response in extra objects and tasks,
which costs more than the endpoint of a simple GET.)
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hearth_kit.metrics import REQUEST_DURATION


class RequestMetrics:
    """Observes one latency sample per HTTP request, labelled by the route template
    (`/v1/homes/{uprn}`, never the raw path, so labels stay few) or `unmatched`."""

    def __init__(self, app: ASGIApp, *, process: str) -> None:
        self.app = app
        self.process = process

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
            REQUEST_DURATION.labels(
                self.process,
                scope["method"],
                # the template as documented: /v1/homes/{uprn}, not {uprn:uprn}
                getattr(route, "path_format", None) or getattr(route, "path", "unmatched"),
                str(status),
            ).observe(time.perf_counter() - started)
