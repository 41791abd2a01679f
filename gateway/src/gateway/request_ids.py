"""Request ids: every answer carries `X-Request-ID`, the caller's own when it sent a
usable one, else a new one; the id goes on every log line of the request (structlog
context), on the request's span (`hearth.request_id`, set by the kit's tracing hook from the
header this passes inward, so a trace can be found from it)
and on every call to a service.

Pure ASGI middleware: no per-request task or body copy.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar

import structlog
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "x-request-id"
_HEADER = HEADER.encode()
USABLE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
"""A caller's id is kept when it is short and plain (no spaces, nothing to escape)."""

current_request_id: ContextVar[str | None] = ContextVar("hearth_request_id", default=None)


def _sent_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == _HEADER:
            text = value.decode("latin-1")
            return text if USABLE.fullmatch(text) else None
    return None


class RequestIds:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        sent = _sent_id(scope)
        request_id = sent or uuid.uuid4().hex
        token = current_request_id.set(request_id)
        structlog.contextvars.bind_contextvars(request_id=request_id)
        encoded = request_id.encode()
        # The id goes inward as a header too (replacing one that was not usable), so the
        # kit's tracing hook puts it on the request's span (hearth.request_id).
        if sent is None:
            headers = [(k, v) for k, v in scope.get("headers", []) if k != _HEADER]
            scope = {**scope, "headers": [*headers, (_HEADER, encoded)]}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, v) for k, v in message.get("headers", []) if k != _HEADER]
                headers.append((_HEADER, encoded))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            structlog.contextvars.unbind_contextvars("request_id")
            current_request_id.reset(token)
