"""RFC 9457 problem details: every error a service returns, in one shape.

Domain errors are exception classes carrying their HTTP status; they are turned into
problem details here, in one place.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from hearth_kit.logs import get_logger

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


def problem_response(body: dict[str, Any], headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(body, status_code=body["status"], media_type=PROBLEM_JSON, headers=headers)


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
                message=str(err.get("msg", "invalid")),
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


async def _unhandled_handler(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", path=request.url.path)
    body = Problem(title="Internal server error", status=500, instance=request.url.path)
    return problem_response(body.model_dump(exclude_none=True))


def install_problem_handlers(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(ProblemError, _problem_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(Exception, _unhandled_handler)


PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    422: {"model": Problem, "description": "Validation error (problem details)"},
}
