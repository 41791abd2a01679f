"""HTTP routes for recharges."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from hearth_kit.auth import Caller, require_scope
from hearth_kit.db import SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.staff import STAFF_RESPONSES
from repairs.recharges.schemas import RechargeCreate, RechargeDeclineCreate, RechargePublic
from repairs.recharges.service import recharge_service

router = APIRouter(tags=["recharges"], responses=STAFF_RESPONSES)


@router.post(
    "/v1/repairs/{repair_id}/recharges",
    status_code=status.HTTP_201_CREATED,
    response_model=RechargePublic,
    dependencies=[Depends(require_scope("repairs:write"))],
)
async def recharge_household(
    repair_id: uuid.UUID, body: RechargeCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """Recharge the household for damage (recharge-raised, or held for a manager's
    approval where the household has a recorded vulnerability)."""
    return await idempotency.create(
        session,
        lambda: recharge_service.request(session, repair_id, body),
        location=lambda r: f"/v1/recharges/{r.id}",
    )


@router.get("/v1/recharges/{recharge_id}", response_model=RechargePublic)
async def get_recharge(recharge_id: uuid.UUID, session: SessionDep) -> RechargePublic:
    """One recharge, its status now (held, raised, collected, declined...): where asking
    for it leads (ADR 0181). repairs:read, as the work orders and repairs it is asked on."""
    return await recharge_service.get(session, recharge_id)


@router.post("/v1/recharges/{recharge_id}/approval", response_model=RechargePublic)
async def approve_recharge(
    recharge_id: uuid.UUID,
    manager: Annotated[Caller, Depends(require_scope("repairs:manage"))],  # before a transaction
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Response:
    """A manager approves a recharge held for a household's vulnerability (repairs:manage).
    422 naming `repair_id` when its repair has turned out to be communal since it was
    held: nothing raised; decline it with `communal_repair`."""
    return await idempotency.create(
        session,
        lambda: recharge_service.approve(session, recharge_id, manager.subject),
        status_code=200,
    )


@router.post("/v1/recharges/{recharge_id}/decline", response_model=RechargePublic)
async def decline_recharge(
    recharge_id: uuid.UUID,
    body: RechargeDeclineCreate,
    manager: Annotated[Caller, Depends(require_scope("repairs:manage"))],  # before a transaction
    session: SessionDep,
    idempotency: IdempotencyDep,
) -> Response:
    """A manager, having considered the household's vulnerability, declines a held
    recharge (repairs:manage): never raised, nothing published. 409 naming `status` when
    it is not awaiting approval (already approved or declined)."""
    return await idempotency.create(
        session,
        lambda: recharge_service.decline(session, recharge_id, manager.subject, body),
        status_code=200,
    )
