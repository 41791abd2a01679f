"""HTTP route for the repairs at one home."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.auth import require_scope
from hearth_kit.db import ReadConnectionDep
from hearth_kit.responses import model_response
from hearth_kit.staff import STAFF_RESPONSES
from repairs.home_repairs.schemas import HomeRepairs
from repairs.home_repairs.service import read_home_repairs

router = APIRouter(prefix="/v1/repairs/homes", tags=["repairs"], responses=STAFF_RESPONSES)

READ_SCOPE = "repairs:read"
"""What both list routes this read stands for need at the gateway."""


@router.get(
    "/{uprn}", response_model=HomeRepairs, dependencies=[Depends(require_scope(READ_SCOPE))]
)
async def home_repairs(
    uprn: Annotated[str, Path(pattern=UPRN_PATTERN)], connection: ReadConnectionDep
) -> Response:
    """What repairs holds for one home in one read: the first page of its open repairs
    and of its appointment requests (at most 50 each, the list routes' default page), with
    whether more exist. Needs `repairs:read`; a
    contractor's token is refused (403), as on every staff route (hearth_kit.staff: a
    contractor sees only its own work orders, under /v1/contractor). Empty lists for an
    unknown home."""
    return model_response(await read_home_repairs(connection, uprn))
