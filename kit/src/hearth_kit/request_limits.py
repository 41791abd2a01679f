"""Request body limit: a body over the limit is refused with a 413 problem, unread.

Pure ASGI middleware, installed by the process defaults in every service and the
gateway. A declared Content-Length over the limit is refused before the application
runs or a byte of the body is read; a body without one (chunked) is counted as it
streams and refused as soon as it passes the limit, so no process ever holds more
than the limit (plus one chunk) of a request in memory.

Upload routes (the stock import's CSV) may be given a larger limit of their own, by
method and exact path; every other route keeps the process's limit.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hearth_kit.problems import ContentTooLarge, problem_response

MAX_BODY_SETTING = "HEARTH_MAX_REQUEST_BODY_BYTES"
DEFAULT_MAX_BODY_BYTES = 1024 * 1024
"""1 MiB: the largest legitimate Hearth request (a visit report with its findings) is a
few kilobytes."""


def max_body_bytes_from_env() -> int:
    """HEARTH_MAX_REQUEST_BODY_BYTES, else 1 MiB."""
    return int(os.environ.get(MAX_BODY_SETTING, DEFAULT_MAX_BODY_BYTES))


def max_body_bytes_of(settings: object) -> int:
    """A process's limit: its settings' `max_request_body_bytes` (every service's
    ServiceSettings has one), else HEARTH_MAX_REQUEST_BODY_BYTES, else 1 MiB."""
    configured = getattr(settings, "max_request_body_bytes", None)
    return configured if isinstance(configured, int) else max_body_bytes_from_env()


def upload_limits_of(settings: object) -> dict[tuple[str, str], int]:
    """A process's larger limits for upload routes, {(method, path): bytes}: its
    settings' `upload_body_limits` when it has one (the gateway's), else none."""
    configured = getattr(settings, "upload_body_limits", None)
    return dict(configured) if isinstance(configured, Mapping) else {}


BODILESS_METHODS = frozenset({"GET", "HEAD"})
"""Methods whose requests carry no body unless they announce one."""


class BodyTooLarge(Exception):
    """Raised from `receive` when a streamed body passes the limit: the application
    stops reading, and the middleware answers 413 in its place."""


class RequestBodyLimit:
    """Refuses request bodies larger than `max_body_bytes` with a 413 problem; a route
    in `uploads` ({(method, exact path): bytes}) has its own limit instead."""

    def __init__(
        self,
        app: ASGIApp,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        uploads: Mapping[tuple[str, str], int] | None = None,
    ) -> None:
        if max_body_bytes < 1 or any(limit < 1 for limit in (uploads or {}).values()):
            raise ValueError("max_body_bytes must be at least 1")
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.uploads = dict(uploads or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.uploads.get((scope.get("method", ""), scope.get("path", "")))
        limit = self.max_body_bytes if limit is None else limit
        declared, chunked = _body_framing(scope)
        if declared is not None and declared > limit:
            await self._refuse(scope, receive, send, limit)
            return
        if declared is None and not chunked and scope.get("method") in BODILESS_METHODS:
            # A GET or HEAD that announces no body has none (RFC 9112, 6.3), and no
            # Hearth route reads the body of one: nothing to count, so no wrapper
            # around receive and send (every read, most of the traffic).
            await self.app(scope, receive, send)
            return

        received = 0
        too_large = False
        response_started = False

        async def counted_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    too_large = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal response_started
            if too_large and not response_started:
                return  # the application's answer to a body it never fully got
            if message["type"] == "http.response.start":
                response_started = True
            await send(message)

        try:
            await self.app(scope, counted_receive, guarded_send)
        except BodyTooLarge:
            if response_started:
                raise  # too late to answer 413: the server drops the connection
        except Exception:
            if not too_large or response_started:
                raise
            # The application wrapped BodyTooLarge in its own error: still a 413.
        if too_large and not response_started:
            await self._refuse(scope, receive, send, limit)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        problem = ContentTooLarge(
            f"The request body is larger than the limit of {limit} bytes",
            max_body_bytes=limit,
        ).problem(instance=scope.get("path"))
        # Connection: close, so the server does not read the rest of the body to reuse
        # the connection.
        await problem_response(problem, headers={"Connection": "close"})(scope, receive, send)


def _body_framing(scope: Scope) -> tuple[int | None, bool]:
    """The request's declared Content-Length (None when absent or unreadable) and
    whether it is sent chunked (Transfer-Encoding), which makes any length meaningless."""
    declared: int | None = None
    chunked = False
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                chunked = True  # an unreadable length: count what actually arrives
        elif name == b"transfer-encoding":
            chunked = True
    return declared, chunked
