"""The authorisation matrix: every role against every gateway route, allowed or denied.

Worked out from the app itself, never kept by hand: each `/v1` route's scopes are read
from its `require_scopes(...)` dependency (pass-through rows included, as the domains
add them), and a role may call a route when its scope set holds every scope the route
needs. A query parameter that asks for more scopes (`GET /v1/surveys/results?strand=`,
diversity:read) is a row of its own. `python -m gateway.openapi_build` writes the table
into docs/api.md; the parametrised test (gateway/tests/test_authorisation_matrix.py)
calls every cell.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from fastapi import FastAPI, routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from gateway.auth import ScopeCheck
from gateway.scopes import CONTRACTOR_SCOPE


@dataclass(frozen=True)
class GatewayRoute:
    """One method and path of the gateway, and the scopes a caller needs for it."""

    method: str
    path: str
    scopes: tuple[str, ...] | None
    """None: the route needs no token at all."""
    query: str | None = None
    """A query parameter that asks for more scopes (`strand`): this row is the route
    called with it, and `scopes` holds the parameter's scopes too."""
    contractor_too: bool = False
    """A contractor's token may call this staff route as well (`require_scopes`)."""

    @property
    def label(self) -> str:
        return f"{self.path}?{self.query}=" if self.query else self.path

    def allows(self, role_scopes: Sequence[str]) -> bool:
        if self.contractor_too and CONTRACTOR_SCOPE in role_scopes:
            return True
        return self.scopes is None or set(self.scopes) <= set(role_scopes)


def _scope_checks(dependant: Dependant) -> Iterator[ScopeCheck]:
    if isinstance(dependant.call, ScopeCheck):
        yield dependant.call
    for sub in dependant.dependencies:
        yield from _scope_checks(sub)


def api_routes(app: FastAPI) -> Iterator[tuple[str, APIRoute]]:
    """Each APIRoute of `app` with its full path. FastAPI (0.160 on) keeps an included
    router as one entry in `app.routes`; `iter_route_contexts` opens them."""
    for context in routing.iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and context.path is not None:
            yield context.path, route


def gateway_routes(app: FastAPI) -> list[GatewayRoute]:
    """Every `/v1` route of `app`, by path then method."""
    routes = []
    for path, route in api_routes(app):
        if not path.startswith("/v1/"):
            continue
        checks = list(_scope_checks(route.dependant))
        scopes = tuple(dict.fromkeys(s for check in checks for s in check.scopes))
        by_query: dict[str, tuple[str, ...]] = {}
        for check in checks:
            for name, more in check.query_scopes.items():
                by_query[name] = tuple(dict.fromkeys((*by_query.get(name, scopes), *more)))
        contractor_too = any(check.contractor_too for check in checks)
        for method in sorted(route.methods or ()):
            routes.append(
                GatewayRoute(
                    method, path, scopes if checks else None, contractor_too=contractor_too
                )
            )
            for name, with_query in sorted(by_query.items()):
                routes.append(GatewayRoute(method, path, with_query, query=name))
    return sorted(routes, key=lambda r: (r.path, r.method, r.query or ""))


def matrix_markdown(routes: Sequence[GatewayRoute], roles: Mapping[str, Sequence[str]]) -> str:
    """The matrix as a Markdown table: one row per route, one column per role."""
    names = list(roles)
    lines = [
        "| route | scopes | " + " | ".join(names) + " |",
        "|---|---|" + "---|" * len(names),
    ]
    for route in routes:
        scopes = "(none: open)" if route.scopes is None else " ".join(route.scopes) or "(token)"
        if route.contractor_too:
            scopes += f", or {CONTRACTOR_SCOPE}"
        cells = ["yes" if route.allows(roles[name]) else "-" for name in names]
        lines.append(f"| `{route.method} {route.label}` | {scopes} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
