"""RFC 9457 problem details: every error a service returns, in one shape.

Domain errors are exception classes carrying their HTTP status; they are turned into
problem details here, in one place.

No personal data: a validation problem names the field and what is wrong with it,
never the value sent (an error message that would quote it is replaced by a generic
one), and a 500 says nothing about its cause; the log line has the exception's type
and frames and the trace id, not its message.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError, ResponseValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field, ValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException

from hearth_kit.logs import get_logger
from hearth_kit.personal_data import exception_type_name
from hearth_kit.tracing import current_ids

PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "https://hearth.example/problems/"

log = get_logger(__name__)


class FieldError(BaseModel):
    field: str = Field(
        description="Dotted path of the offending field, e.g. uprn or tenants.0.full_name"
    )
    location: str = Field(description="Where the field was: body, query, path or header")
    message: str
    type: str


class Problem(BaseModel):
    """An RFC 9457 problem details object."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldError] | None = None


class ProblemError(Exception):
    """A domain error that becomes a problem details response."""

    status: int = 400
    title: str = "Bad request"
    slug: str = "bad-request"

    def __init__(
        self, detail: str, *, headers: dict[str, str] | None = None, **extensions: Any
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.headers = headers or {}
        self.extensions = extensions

    def problem(self, instance: str | None = None) -> dict[str, Any]:
        body = Problem(
            type=TYPE_BASE + self.slug,
            title=self.title,
            status=self.status,
            detail=self.detail,
            instance=instance,
        ).model_dump(exclude_none=True)
        body.update(self.extensions)
        if isinstance(field := self.extensions.get("field"), str):
            # The same shape as a validation error: clients read errors[].field always.
            location = self.extensions.get("location", "body")
            body["errors"] = [
                FieldError(
                    field=field, location=location, message=self.detail, type=self.slug
                ).model_dump()
            ]
        return body


class NotFound(ProblemError):
    status, title, slug = 404, "Not found", "not-found"


class Conflict(ProblemError):
    status, title, slug = 409, "Conflict", "conflict"


class PreconditionFailed(ProblemError):
    status, title, slug = 412, "Precondition failed", "precondition-failed"


class PreconditionRequired(ProblemError):
    status, title, slug = 428, "Precondition required", "precondition-required"


class Unprocessable(ProblemError):
    status, title, slug = 422, "Unprocessable content", "unprocessable"


class Unauthorized(ProblemError):
    status, title, slug = 401, "Unauthorized", "unauthorized"


class Forbidden(ProblemError):
    status, title, slug = 403, "Forbidden", "insufficient-scope"


class ServiceUnavailable(ProblemError):
    status, title, slug = 503, "Service unavailable", "service-unavailable"


class ContentTooLarge(ProblemError):
    status, title, slug = 413, "Content too large", "content-too-large"


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=body["status"], media_type=PROBLEM_JSON, headers=headers)


GENERIC_MESSAGE = "Invalid value"
"""Said instead of a validation message that would quote the value sent."""


def _texts_in(value: Any, depth: int = 0) -> Iterator[str]:
    """Every string and number inside a submitted value (at most a few levels deep)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield str(value)
    elif depth < 4 and isinstance(value, dict):
        for item in value.values():
            yield from _texts_in(item, depth + 1)
    elif depth < 4 and isinstance(value, list | tuple):
        for item in value:
            yield from _texts_in(item, depth + 1)


def _quotes(message: str, text: str) -> bool:
    """Whether `message` contains `text` as a whole token (not inside a longer word)."""
    text = text.strip()
    if not text:
        return False
    return re.search(rf"(?<!\w){re.escape(text)}(?!\w)", message) is not None


def message_without_input(error: dict[str, Any]) -> str:
    """Pydantic's message for one error, unless it quotes the value sent (a custom
    validator's `ValueError(f"... {value}")`, a tag or a parse error describing the
    input): then a generic one. The value itself (`input`) is never used."""
    message = str(error.get("msg") or GENERIC_MESSAGE)
    if any(_quotes(message, text) for text in _texts_in(error.get("input"))):
        return GENERIC_MESSAGE
    return message


def _field_errors(exc: RequestValidationError) -> list[FieldError]:
    errors = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        location = loc[0] if loc else "body"
        path = loc[1:] if location in {"body", "query", "path", "header", "cookie"} else loc
        if err.get("type") == "json_invalid":
            path = []  # loc is ("body", <character offset>): the body itself is malformed
        errors.append(
            FieldError(
                field=".".join(path) or location,
                location=location,
                message=message_without_input(err),
                type=str(err.get("type", "value_error")),
            )
        )
    return errors


async def _validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _field_errors(exc)
    fields = ", ".join(sorted({e.field for e in errors}))
    body = Problem(
        type=TYPE_BASE + "validation",
        title="Your request is not valid",
        status=422,
        detail=f"Invalid or missing fields: {fields}",
        instance=request.url.path,
        errors=errors,
    )
    return problem_response(body.model_dump(exclude_none=True))


async def _problem_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ProblemError)
    return problem_response(exc.problem(instance=request.url.path), headers=exc.headers)


async def _http_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = HTTPStatus(exc.status_code)
    body = Problem(
        title=status.phrase,
        status=exc.status_code,
        detail=str(exc.detail) if exc.detail != status.phrase else None,
        instance=request.url.path,
    )
    return problem_response(body.model_dump(exclude_none=True), headers=dict(exc.headers or {}))


def _route_of(request: Request) -> str:
    """The matched route's template (/v1/residents/{resident_id}), never the path as
    sent, which may carry anything."""
    return str(getattr(request.scope.get("route"), "path", "unmatched"))


def _internal_error(request: Request) -> JSONResponse:
    """A 500 that says nothing about its cause; the trace id lets support find it."""
    body = Problem(title="Internal server error", status=500, instance=request.url.path).model_dump(
        exclude_none=True
    )
    trace_id, _ = current_ids()
    if trace_id is not None:
        body["trace_id"] = trace_id
    return problem_response(body)


async def _invalid_data_handler(request: Request, exc: Exception) -> JSONResponse:
    """A pydantic ValidationError raised by a service's own code (shaping a response
    from stored rows, say), or FastAPI's response validation: a bug, not the client's
    fault. Logged with the fields and error types only: the exception's text would
    quote every input value."""
    assert isinstance(exc, ValidationError | ResponseValidationError)
    errors = exc.errors(include_input=False) if isinstance(exc, ValidationError) else exc.errors()
    log.error(
        "invalid data in the service",
        error_type=exception_type_name(exc),
        route=_route_of(request),
        errors=[
            {"field": ".".join(str(p) for p in e.get("loc", ())), "type": e.get("type")}
            for e in errors
        ],
    )
    return _internal_error(request)


async def _unhandled_handler(request: Request, exc: Exception) -> JSONResponse:
    # exc_info is rendered as frames and exception types only (hearth_kit.logs).
    log.error(
        "unhandled error",
        error_type=exception_type_name(exc),
        route=_route_of(request),
        exc_info=exc,
    )
    return _internal_error(request)


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(ProblemError, _problem_handler)
    # Handled inside the tracing middleware, so no span records their text either.
    app.add_exception_handler(ValidationError, _invalid_data_handler)
    app.add_exception_handler(ResponseValidationError, _invalid_data_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(Exception, _unhandled_handler)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": Problem, "description": "Validation error (problem details)"},
}
