"""The gateway's problems: authentication, authorisation and unavailable services, as
RFC 9457 problem details with their headers (`WWW-Authenticate`, `Retry-After`)."""

from __future__ import annotations

from typing import Any

from hearth_kit.problems import (
    Forbidden,
    Problem,
    ServiceUnavailable,
    Unauthorized,
)

__all__ = ["AUTH_RESPONSES", "Forbidden", "ServiceUnavailable", "Unauthorized"]


AUTH_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "No valid bearer token (problem details)"},
    403: {"model": Problem, "description": "The token lacks a scope this needs (problem details)"},
    422: {"model": Problem, "description": "Validation error (problem details)"},
}
