"""Who may use repairs' staff routes: members of staff, never a contractor.

A contractor's internal token carries `contractor_id` (and the `contractor` scope). The
gateway passes a contractor only to the `/v1/contractor/...` rows, but the service
decides isolation itself (issue 6): every staff router depends on `staff_caller`, so a
contractor's token is a 403 problem on every staff route, including one added later,
and sees only its own work orders under /v1/contractor/work-orders."""

from __future__ import annotations

from typing import Any

from fastapi import Depends

from hearth_kit.auth import Caller, CallerDep
from hearth_kit.problems import PROBLEM_RESPONSES, Forbidden, Problem

CONTRACTOR_SCOPE = "contractor"
"""The scope of a contractor's token (gateway.scopes.CONTRACTOR_SCOPE)."""

MANAGE_SCOPE = "repairs:manage"
"""Approve variations and recharges; run Awaab's Law cases (gateway.scopes)."""


async def staff_caller(caller: CallerDep) -> Caller:
    """The caller, when a member of staff: a token naming a contractor, or with the
    contractor scope, is refused (403 problem) whatever other scopes it carries. The
    same dependency as the routers' token check underneath, so the token is checked
    once a request."""
    if caller.contractor_id is not None or CONTRACTOR_SCOPE in caller.scopes:
        raise Forbidden("A contractor's token may use only the contractor API under /v1/contractor")
    return caller


STAFF_ONLY = [Depends(staff_caller)]
"""The dependencies of every staff router (APIRouter(dependencies=STAFF_ONLY))."""

STAFF_RESPONSES: dict[int | str, dict[str, Any]] = {
    **PROBLEM_RESPONSES,
    403: {
        "model": Problem,
        "description": "A contractor's token, or a token without the scope the route needs",
    },
}
"""What a staff route can answer besides its own (validation and 403 problems)."""
