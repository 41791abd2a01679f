"""The gateway's own problems: authentication, authorisation and unavailable services.

They are kit problem details (RFC 9457) that also carry response headers
(`WWW-Authenticate`, `Retry-After`), which the kit's ProblemError handler does not send.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from hearth_kit.problems import (
    Problem,
    ProblemError,
    install_problem_handlers,
    problem_response,
)


class GatewayProblem(ProblemError):
    """A problem details response with headers."""

    def __init__(self, detail: str, *, headers: dict[str, str] | None = None, **extensions: Any):
        super().__init__(detail, **extensions)
        self.headers = headers or {}


class Unauthorized(GatewayProblem):
    status, title, slug = 401, "Unauthorized", "unauthorized"


class Forbidden(GatewayProblem):
    status, title, slug = 403, "Forbidden", "insufficient-scope"


class ServiceUnavailable(GatewayProblem):
    status, title, slug = 503, "Service unavailable", "service-unavailable"


async def _gateway_problem_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, GatewayProblem)
    return problem_response(exc.problem(instance=request.url.path), headers=exc.headers)


def install_gateway_problem_handlers(app: FastAPI) -> None:
    """The kit's handlers, plus one for problems with headers (found first: it is the
    more specific exception class)."""
    install_problem_handlers(app)
    app.add_exception_handler(GatewayProblem, _gateway_problem_handler)


AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No valid bearer token (problem details)"},
    403: {"model": Problem, "description": "The token lacks a scope this needs (problem details)"},
    422: {"model": Problem, "description": "Validation error (problem details)"},
}
