"""structlog JSON logs carrying trace_id, span_id, the service name and, while a request
is served, its request id (`request_id`, the `X-Request-ID` the gateway passes on).

Standard-library loggers (uvicorn, aiokafka, sqlalchemy) go through the same
processors, so every line a service prints is one JSON object.

No personal data: values under personal keys (email=, full_name=, ...) are replaced by
[redacted], and an exception is rendered as its traceback's frames and its type, with
no locals and no message unless its type's messages are about infrastructure
(hearth_kit.personal_data).
"""

from __future__ import annotations

import logging
import re
import sys
from typing import Any

import structlog
from starlette.types import ASGIApp, Receive, Scope, Send
from structlog.types import EventDict, WrappedLogger

from hearth_kit.personal_data import (
    REDACTED,
    format_exception_without_values,
    is_personal_key,
    without_personal_data,
)
from hearth_kit.tracing import current_ids

_configured = False

REQUEST_ID_HEADER = b"x-request-id"
PLAIN_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
"""A request id put on log lines: short and plain, as the gateway keeps a caller's
(gateway.request_ids), so no arbitrary text (a person's details, a forged line) gets into
the logs through the header. Matched whole (`fullmatch`: `$` would let a trailing newline
through)."""


def request_id_of(scope: Scope) -> str | None:
    """The request's `X-Request-ID` when it is plain (PLAIN_REQUEST_ID), else None."""
    for name, value in scope.get("headers", ()):
        if name == REQUEST_ID_HEADER:
            text: str = value.decode("latin-1")
            return text if PLAIN_REQUEST_ID.fullmatch(text) else None
    return None


class RequestIdsInLogs:
    """Binds the request's `X-Request-ID` (the one the gateway passes on with every call
    to a service) into the structlog context while the request is served, so each of the
    request's log lines carries `request_id` and a service's lines are found from the id
    a gateway answer carried (docs/runbooks/tracing.md). An id that is missing or not
    plain binds nothing.

    When the request raises, the id is left bound: Starlette's outermost error middleware
    logs the unhandled error after this one has returned, and that line should carry it
    too. The server serves each request in a task of its own, so the binding ends with
    the request's task. Pure ASGI: a header scan and a context variable a request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request_id = request_id_of(scope) if scope["type"] == "http" else None
        if request_id is None:
            await self.app(scope, receive, send)
            return
        bound = structlog.contextvars.bind_contextvars(request_id=request_id)
        await self.app(scope, receive, send)
        structlog.contextvars.reset_contextvars(**bound)


def _add_trace_ids(_logger: WrappedLogger, _name: str, event_dict: EventDict) -> EventDict:
    trace_id, span_id = current_ids()
    if trace_id is not None:
        event_dict.setdefault("trace_id", trace_id)
        event_dict.setdefault("span_id", span_id)
    return event_dict


def redact_personal_data(_logger: WrappedLogger, _name: str, event_dict: EventDict) -> EventDict:
    """Replace the value of any personal key (and of personal keys nested in mappings,
    lists and pydantic models) with [redacted]; exceptions passed as values are
    described by type."""
    for key, value in event_dict.items():
        if key.startswith("_") or key in {"event", "exc_info", "level", "logger", "timestamp"}:
            continue
        if is_personal_key(key):
            event_dict[key] = REDACTED
        elif not isinstance(value, str | int | float | bool | None):
            event_dict[key] = without_personal_data(value)
    return event_dict


def render_exception_without_values(
    _logger: WrappedLogger, _name: str, event_dict: EventDict
) -> EventDict:
    """Turn exc_info into an `exception` text: frames and exception types, no locals,
    no messages that may quote a value (replaces structlog's format_exc_info)."""
    exc_info = event_dict.pop("exc_info", None)
    exc: BaseException | None = None
    if isinstance(exc_info, BaseException):
        exc = exc_info
    elif isinstance(exc_info, tuple):
        exc = exc_info[1]
    elif exc_info:
        exc = sys.exc_info()[1]
    if exc is not None:
        event_dict["exception"] = format_exception_without_values(exc)
    return event_dict


class StdoutHandler(logging.StreamHandler):
    """Writes each line to sys.stdout as it is when the line is written, not as it was
    when logging was set up, so whatever replaces stdout later (a test's capture) gets
    every line."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)


def setup_logging(level: str = "INFO", fmt: str = "json") -> None:
    """Configure structlog and the standard library once per process."""
    global _configured
    if _configured:
        return
    _configured = True
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_trace_ids,
        redact_personal_data,
        structlog.processors.StackInfoRenderer(),
        render_exception_without_values,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer()
        if fmt == "json"
        else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = StdoutHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers = [handler]
    root.setLevel(level.upper())
    # Never below WARNING, whatever the level: aiokafka's DEBUG lines print each request,
    # a SASL PLAIN login's bytes (its password) among them (kit/tests/test_kafka_login.py).
    for noisy in ("aiokafka", "kafka", "sqlalchemy.engine", "httpx", "alembic"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
    # Access lines carry query strings (?postcode=...): request metrics and traces
    # (without query strings) say what they would.
    logging.getLogger("uvicorn.access").handlers = []
    logging.getLogger("uvicorn.access").propagate = False
    # uvicorn's own handler would print "Exception in ASGI application" with the full
    # exception messages; through the root handler it is rendered like every other line.
    for uvicorn_logger in ("uvicorn", "uvicorn.error"):
        logging.getLogger(uvicorn_logger).handlers = []
        logging.getLogger(uvicorn_logger).propagate = True


def get_logger(name: str, **bound: Any) -> structlog.stdlib.BoundLogger:
    logger: structlog.stdlib.BoundLogger = structlog.stdlib.get_logger(name)
    return logger.bind(**bound) if bound else logger
