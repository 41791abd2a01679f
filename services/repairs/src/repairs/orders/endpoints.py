"""HTTP routes for work orders: staff's (/v1/work-orders) and the contractor API
(/v1/contractor/work-orders), where the contractor is the internal token's
contractor_id and every query is filtered by it (another contractor's work order is a
404, decided here in the service, not only at the gateway)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.auth import Caller, CallerDep, require_scope
from hearth_kit.db import SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.problems import PROBLEM_RESPONSES, Forbidden
from hearth_kit.staff import STAFF_RESPONSES
from repairs.models import WorkOrderStatus
from repairs.orders.schemas import (
    Completion,
    ContractorWorkOrder,
    FollowOnLink,
    StatusHistory,
    StatusUpdate,
    VariationApproval,
    WorkOrderCancel,
    WorkOrderCreate,
    WorkOrderPublic,
)
from repairs.orders.service import WorkOrderService
from repairs.scopes import MANAGE_SCOPE


def _service(request: Request) -> WorkOrderService:
    """The service with this process's contractors and approver limit."""
    service: WorkOrderService = request.app.state.work_order_service
    return service


WorkOrderServiceDep = Annotated[WorkOrderService, Depends(_service)]


async def _contractor_id(caller: CallerDep) -> str:
    """The calling contractor, from the internal token (403 for anyone else)."""
    if caller.contractor_id is None:
        raise Forbidden("Only a contractor's token may use the contractor API")
    return caller.contractor_id


ContractorIdDep = Annotated[str, Depends(_contractor_id)]

router = APIRouter(
    prefix="/v1/work-orders",
    tags=["work orders"],
    responses=STAFF_RESPONSES,
)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=WorkOrderPublic,
    dependencies=[Depends(require_scope("repairs:write"))],
)
async def raise_work_order(
    body: WorkOrderCreate,
    session: SessionDep,
    idempotency: IdempotencyDep,
    orders: WorkOrderServiceDep,
) -> Response:
    """Triage a repair into a work order for one contractor (work-order-raised; pushed
    to the contractor's webhook)."""
    return await idempotency.create(
        session,
        lambda: orders.raise_order(session, body),
        location=lambda order: f"/v1/work-orders/{order.id}",
    )


@router.get("", response_model=Page[WorkOrderPublic])
async def list_work_orders(
    session: SessionDep,
    page: PageDep,
    orders: WorkOrderServiceDep,
    uprn: Annotated[str | None, Query(pattern=UPRN_PATTERN)] = None,
    status: WorkOrderStatus | None = None,
) -> Page[WorkOrderPublic]:
    """Work orders by home and status."""
    return await orders.page(session, page, uprn=uprn, status=status)


@router.get("/{work_order_id}", response_model=WorkOrderPublic)
async def get_work_order(
    work_order_id: uuid.UUID, session: SessionDep, orders: WorkOrderServiceDep
) -> WorkOrderPublic:
    """One work order."""
    return await orders.get(session, work_order_id)


@router.get("/{work_order_id}/status-updates", response_model=StatusHistory)
async def work_order_status_updates(
    work_order_id: uuid.UUID, session: SessionDep, page: PageDep, orders: WorkOrderServiceDep
) -> StatusHistory:
    """The contractor's status updates of one work order, in the order they happened
    (kept as sent, those that arrived late too), a page at a time."""
    return await orders.status_history(session, work_order_id, page)


@router.post("/{work_order_id}/cancel", response_model=WorkOrderPublic)
async def cancel_work_order(
    work_order_id: uuid.UUID,
    body: WorkOrderCancel,
    caller: Annotated[Caller, Depends(require_scope("repairs:write"))],
    session: SessionDep,
    idempotency: IdempotencyDep,
    orders: WorkOrderServiceDep,
) -> Response:
    """Cancel a work order raised in error, with a reason code, before its work started
    and with no appointment booked (409 status otherwise): it no longer holds its repair
    open, and its contractor is sent cancel-repair (ADR 0141)."""
    return await idempotency.create(
        session,
        lambda: orders.cancel(session, work_order_id, caller.subject, body),
        status_code=200,
    )


@router.post(
    "/{work_order_id}/follow-on-of",
    response_model=WorkOrderPublic,
    dependencies=[Depends(require_scope("repairs:write"))],
)
async def link_follow_on(
    work_order_id: uuid.UUID,
    body: FollowOnLink,
    session: SessionDep,
    idempotency: IdempotencyDep,
    orders: WorkOrderServiceDep,
) -> Response:
    """Link a work order raised without `follow_on_of` to the completed work order whose
    follow-on it is (200): its completion then does that follow-on (ADR 0147, 0154). 422
    follow_on_of (another repair's, not asking for a follow-on, followed on already,
    itself, a loop, raised before the ask), 409 status once it is completed or
    cancelled."""
    return await idempotency.create(
        session,
        lambda: orders.link_follow_on(session, work_order_id, body),
        status_code=200,
    )


@router.post("/{work_order_id}/variation-approval", response_model=WorkOrderPublic)
async def approve_variation(
    work_order_id: uuid.UUID,
    body: VariationApproval,
    approver: Annotated[Caller, Depends(require_scope(MANAGE_SCOPE))],  # before a transaction
    session: SessionDep,
    idempotency: IdempotencyDep,
    orders: WorkOrderServiceDep,
) -> Response:
    """Approve a variation up to an amount within the approver's limit (repairs:manage;
    403 without it)."""
    return await idempotency.create(
        session,
        lambda: orders.approve_variation(session, work_order_id, approver.subject, body),
        status_code=200,
    )


contractor_router = APIRouter(
    prefix="/v1/contractor/work-orders", tags=["contractor API"], responses=PROBLEM_RESPONSES
)


@contractor_router.get("", response_model=Page[ContractorWorkOrder])
async def contractor_work_orders(
    session: SessionDep,
    page: PageDep,
    orders: WorkOrderServiceDep,
    contractor_id: ContractorIdDep,
    status: WorkOrderStatus | None = None,
) -> Page[ContractorWorkOrder]:
    """The calling contractor's work orders (only its own), each with its appointment."""
    return await orders.contractors_page(session, page, status=status, contractor_id=contractor_id)


@contractor_router.get("/{work_order_id}", response_model=ContractorWorkOrder)
async def contractor_work_order(
    work_order_id: uuid.UUID,
    session: SessionDep,
    orders: WorkOrderServiceDep,
    contractor_id: ContractorIdDep,
) -> ContractorWorkOrder:
    """One of the calling contractor's work orders, with its appointment: the window
    staff booked or the contractor sent, and whether it still stands (another
    contractor's work order is a 404)."""
    return await orders.contractors(session, work_order_id, contractor_id=contractor_id)


@contractor_router.get("/{work_order_id}/status-updates", response_model=StatusHistory)
async def contractor_status_updates(
    work_order_id: uuid.UUID,
    session: SessionDep,
    page: PageDep,
    orders: WorkOrderServiceDep,
    contractor_id: ContractorIdDep,
) -> StatusHistory:
    """Your status updates of one of your work orders, in the order they happened (as
    kept: one that arrived late is there, in its place), a page at a time."""
    return await orders.status_history(session, work_order_id, page, contractor_id=contractor_id)


@contractor_router.post("/{work_order_id}/status", response_model=WorkOrderPublic)
async def contractor_status(
    work_order_id: uuid.UUID,
    body: StatusUpdate,
    session: SessionDep,
    idempotency: IdempotencyDep,
    orders: WorkOrderServiceDep,
    contractor_id: ContractorIdDep,
) -> Response:
    """Job status update: appointment made or changed, operative on the way, no access,
    in progress, variation requested. Kept, and the work order's status if it is the
    latest by `at`: one older than the status (it arrived late) is answered 200 with the
    work order as it is (docs/adr/0054)."""
    return await idempotency.create(
        session,
        lambda: orders.update_status(session, work_order_id, contractor_id, body),
        status_code=200,
    )


@contractor_router.post("/{work_order_id}/completion", response_model=WorkOrderPublic)
async def contractor_completion(
    work_order_id: uuid.UUID,
    body: Completion,
    session: SessionDep,
    idempotency: IdempotencyDep,
    orders: WorkOrderServiceDep,
    contractor_id: ContractorIdDep,
) -> Response:
    """Work order complete: on time or late, right first time, variation within the
    approval, photo references (repair-completed)."""
    return await idempotency.create(
        session,
        lambda: orders.complete(session, work_order_id, contractor_id, body),
        status_code=200,
    )
