"""Who may use a service's staff routes: members of staff, never a contractor.

A contractor's internal token carries `contractor_id` (and the `contractor` scope). The
gateway passes a contractor only to its `/v1/contractor/...` rows, but each service
decides isolation itself (ARCHITECTURE: every service checks who is calling), so a
contractor's token that reaches a staff route directly is a 403 problem there too.

Two ways to say it:

- `APIRouter(dependencies=STAFF_ONLY)`: every route of the router is for staff
  (repairs keeps its contractor API on routers of its own);
- `staff_only(router, ..., contractor_routes={(method, path), ...})` in a service's
  app.py: every route of those routers is for staff except the contractor routes named,
  so a route added later is closed to contractors until someone opens it on purpose.

On a contractor route a contractor's token must name its contractor: a token with the
`contractor` scope and no `contractor_id` would otherwise be read as staff's by the
service's own filter (`caller.contractor_id is None` means "every row").

`scoped(router, ..., read=..., write=...)` in app.py makes every read and write of
those routers need the scope the gateway asks for it (a staff token reaching the
service directly does no more than through the gateway); a contractor on its own
routes needs its own scope.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any

from fastapi import APIRouter, Depends, Request

from hearth_kit.auth import Caller, CallerDep
from hearth_kit.problems import PROBLEM_RESPONSES, Forbidden, Problem

CONTRACTOR_SCOPE = "contractor"
"""The scope of a contractor's token (gateway.scopes.CONTRACTOR_SCOPE)."""

ContractorRoute = tuple[str, str]
"""(method, path template) of a route a contractor may call: ("GET", "/v1/things/{id}")."""


def acts_for_a_contractor(caller: Caller) -> bool:
    """True for a token naming a contractor or carrying the contractor scope, whatever
    other scopes it carries."""
    return caller.contractor_id is not None or CONTRACTOR_SCOPE in caller.scopes


def _contractor_refused() -> Forbidden:
    return Forbidden(
        "A contractor's token may use only the contractor API (the gateway's "
        "/v1/contractor/... routes)"
    )


def _contractor_unnamed() -> Forbidden:
    return Forbidden("A contractor's token must name its contractor (contractor_id)")


async def staff_caller(caller: CallerDep) -> Caller:
    """The caller, when a member of staff: a contractor's token is refused (403
    problem). Built on the routers' token check, so the token is checked once a
    request."""
    if acts_for_a_contractor(caller):
        raise _contractor_refused()
    return caller


STAFF_ONLY = [Depends(staff_caller)]
"""The dependencies of a staff router (APIRouter(dependencies=STAFF_ONLY))."""

STAFF_RESPONSES: dict[int | str, dict[str, Any]] = {
    **PROBLEM_RESPONSES,
    403: {
        "model": Problem,
        "description": "A contractor's token, or a token without the scope the route needs",
    },
}
"""What a staff route can answer besides its own (validation and 403 problems)."""


def _staff_or_contractor_route(
    contractor_routes: frozenset[ContractorRoute],
) -> Callable[[Request, Caller], Awaitable[Caller]]:
    async def staff_unless_a_contractor_route(request: Request, caller: CallerDep) -> Caller:
        """The caller: staff anywhere, a contractor (named) only on its routes."""
        if not acts_for_a_contractor(caller):
            return caller
        route = request.scope.get("route")
        path = route.path if route is not None else request.scope["path"]
        if (request.method, path) not in contractor_routes:
            raise _contractor_refused()
        if caller.contractor_id is None:
            raise _contractor_unnamed()
        return caller

    return staff_unless_a_contractor_route


def _declared_routes(router: APIRouter, prefix: str = "") -> set[ContractorRoute]:
    """(method, full path template) of every route `router` declares, through the
    routers it includes (FastAPI keeps an included router whole, with its prefix)."""
    declared: set[ContractorRoute] = set()
    for route in router.routes:
        included = getattr(route, "original_router", None)
        if isinstance(included, APIRouter):
            context = getattr(route, "include_context", None)
            declared |= _declared_routes(included, prefix + getattr(context, "prefix", ""))
        else:
            path = getattr(route, "path", "")
            declared |= {(method, prefix + path) for method in getattr(route, "methods", ())}
    return declared


def staff_only(
    *routers: APIRouter, contractor_routes: Collection[ContractorRoute] = ()
) -> APIRouter:
    """One router holding `routers`, every route of which refuses a contractor's token
    (403) except the `contractor_routes` (method and full path template, as the route
    is declared), where a contractor that names itself may call."""
    if contractor_routes:
        dependency = _staff_or_contractor_route(frozenset(contractor_routes))
        staff = APIRouter(dependencies=[Depends(dependency)], responses=STAFF_RESPONSES)
    else:
        staff = APIRouter(dependencies=STAFF_ONLY, responses=STAFF_RESPONSES)
    for router in routers:
        staff.include_router(router)
    known = {declared for router in routers for declared in _declared_routes(router)}
    if unknown := set(contractor_routes) - known:
        raise ValueError(f"contractor routes that no router declares: {sorted(unknown)}")
    return staff


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods that change nothing; every other method is a write."""


def _missing(scope: str) -> Forbidden:
    return Forbidden(
        f"This needs the scope {scope}, which the token does not grant",
        required_scopes=[scope],
        missing_scopes=[scope],
    )


def _scope_check(
    read: str | None, write: str | None, read_also: Mapping[str, frozenset[str]]
) -> Callable[[Request, Caller], Awaitable[Caller]]:
    async def needs_the_scope(request: Request, caller: CallerDep) -> Caller:
        """The caller, when it may make this call: staff with the read or write scope;
        a contractor (let through only to its own routes by `staff_only`) with the
        contractor scope and its id."""
        reading = request.method in READ_METHODS
        scope = read if reading else write
        if scope is None:
            return caller
        if acts_for_a_contractor(caller):
            if CONTRACTOR_SCOPE not in caller.scopes:
                raise _missing(CONTRACTOR_SCOPE)
            if caller.contractor_id is None:
                raise _contractor_unnamed()
            return caller
        if scope in caller.scopes:
            return caller
        if reading and read_also:
            route = request.scope.get("route")
            path = route.path if route is not None else request.scope["path"]
            if read_also.get(path, frozenset()) & caller.scopes:
                return caller
        raise _missing(scope)

    return needs_the_scope


def scoped(
    *routers: APIRouter,
    read: str | None = None,
    write: str | None = None,
    read_also: Mapping[str, Collection[str]] | None = None,
) -> APIRouter:
    """One router holding `routers`, whose reads (GET, HEAD, OPTIONS) need `read` and
    whose writes (every other method) need `write` from staff: the scopes the gateway
    asks for those routes, so a token that reaches the service directly does no more
    than through the gateway (403 problem naming the missing scope). `None` leaves that
    side to the routes themselves (a need-to-know scope checked per route).
    `read_also` names further scopes that are enough to read one route (path template:
    the figures, which the gateway's report reads with `reports:read`). A contractor,
    on a contractor route, needs the contractor scope instead."""
    also = {path: frozenset(scopes) for path, scopes in (read_also or {}).items()}
    known = {path for router in routers for _, path in _declared_routes(router)}
    if unknown := set(also) - known:
        raise ValueError(f"read_also names routes that no router declares: {sorted(unknown)}")
    holder = APIRouter(
        dependencies=[Depends(_scope_check(read, write, also))], responses=STAFF_RESPONSES
    )
    for router in routers:
        holder.include_router(router)
    return holder
