"""Who may use a service's staff routes: members of staff, never a contractor.

A contractor's internal token carries `contractor_id` (and the `contractor` scope). The
gateway passes a contractor only to its `/v1/contractor/...` rows, but each service
decides isolation itself (ARCHITECTURE: every service checks who is calling), so a
contractor's token that reaches a staff route directly is a 403 problem there too.

Two ways to say it:

- `staff_only(router, ..., contractor_routes={(method, path), ...})` in a service's
  app.py: every route of those routers is for staff except the contractor routes named,
  so a route added later is closed to contractors until someone opens it on purpose;
- `APIRouter(dependencies=STAFF_ONLY)`: a dependency of its own, for a router built
  outside a service app (each dependency costs FastAPI work on every request, so the
  services use `staff_only`, whose rules the token check applies: `GuardedRouter`).

On a contractor route a contractor's token must name its contractor: a token with the
`contractor` scope and no `contractor_id` would otherwise be read as staff's by the
service's own filter (`caller.contractor_id is None` means "every row").

`scoped(router, ..., read=..., write=...)` in app.py makes every read and write of
those routers need the scope the gateway asks for it (a staff token reaching the
service directly does no more than through the gateway); a contractor on its own
routes needs its own scope.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from fastapi import APIRouter, Depends

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


class GuardedRouter(APIRouter):
    """A router holding a service's routers, with the access rule of each of their
    routes: `staff_only` and `scoped` build them, and `create_service_app` hands their
    rules to the token check (`hearth_kit.auth.InternalTokenCheck`), which applies a
    route's rule with the token it has just verified.

    The rules are not FastAPI dependencies on purpose: FastAPI solves every dependency
    of a route on every request, and two more (staff, scope) cost a GET by key about a
    sixth of its CPU; a lookup in the token check costs a dictionary read."""

    def __init__(self, access_rules: dict[ContractorRoute, AccessRule]) -> None:
        super().__init__(responses=STAFF_RESPONSES)
        self.access_rules = access_rules


@dataclass(frozen=True, slots=True)
class AccessRule:
    """Who may call one route: staff with `read` (GET, HEAD, OPTIONS) or `write` (every
    other method) scope (None: the route checks itself), or one of `read_also` to read;
    on a `staff_only` route a contractor only where `contractor_route`, and then with
    the contractor scope and its own id."""

    read: str | None = None
    write: str | None = None
    read_also: frozenset[str] = frozenset()
    staff_only: bool = False
    contractor_route: bool = False

    def __call__(self, caller: Caller, method: str) -> None:
        """Raise the 403 problem this caller gets here, or return (let through)."""
        contractor = acts_for_a_contractor(caller)
        if contractor and self.staff_only:
            if not self.contractor_route:
                raise _contractor_refused()
            if caller.contractor_id is None:
                raise _contractor_unnamed()
        reading = method in READ_METHODS
        scope = self.read if reading else self.write
        if scope is None:
            return
        if contractor:
            if CONTRACTOR_SCOPE not in caller.scopes:
                raise _missing(CONTRACTOR_SCOPE)
            if caller.contractor_id is None:
                raise _contractor_unnamed()
            return
        if scope in caller.scopes or (reading and self.read_also & caller.scopes):
            return
        raise _missing(scope)


def _rules_of(router: APIRouter) -> dict[ContractorRoute, AccessRule]:
    """The rules a router already carries (a GuardedRouter's), else an open rule for
    each route it declares."""
    if isinstance(router, GuardedRouter):
        return dict(router.access_rules)
    return {declared: AccessRule() for declared in _declared_routes(router)}


def _holding(routers: tuple[APIRouter, ...], rules: dict[ContractorRoute, AccessRule]) -> APIRouter:
    holder = GuardedRouter(rules)
    for router in routers:
        holder.include_router(router)
    return holder


def access_rules(routers: Iterable[APIRouter]) -> dict[ContractorRoute, AccessRule]:
    """Every rule the `routers` a service app includes carry, by (method, path
    template): what the token check applies."""
    rules: dict[ContractorRoute, AccessRule] = {}
    for router in routers:
        if isinstance(router, GuardedRouter):
            rules |= router.access_rules
    return rules


def staff_only(
    *routers: APIRouter, contractor_routes: Collection[ContractorRoute] = ()
) -> APIRouter:
    """One router holding `routers`, every route of which refuses a contractor's token
    (403) except the `contractor_routes` (method and full path template, as the route
    is declared), where a contractor that names itself may call."""
    allowed = frozenset(contractor_routes)
    rules = {
        declared: replace(rule, staff_only=True, contractor_route=declared in allowed)
        for router in routers
        for declared, rule in _rules_of(router).items()
    }
    if unknown := allowed - rules.keys():
        raise ValueError(f"contractor routes that no router declares: {sorted(unknown)}")
    return _holding(routers, rules)


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods that change nothing; every other method is a write."""


def _missing(scope: str) -> Forbidden:
    return Forbidden(
        f"This needs the scope {scope}, which the token does not grant",
        required_scopes=[scope],
        missing_scopes=[scope],
    )


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
    rules = {
        declared: replace(
            rule, read=read, write=write, read_also=also.get(declared[1], frozenset())
        )
        for router in routers
        for declared, rule in _rules_of(router).items()
    }
    if unknown := set(also) - {path for _, path in rules}:
        raise ValueError(f"read_also names routes that no router declares: {sorted(unknown)}")
    return _holding(routers, rules)
