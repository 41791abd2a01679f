"""HTTP routes for repair requests."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.db import ReadConnectionDep, SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.responses import model_response
from hearth_kit.staff import STAFF_RESPONSES
from repairs.models import RepairStatus
from repairs.work_orders.schemas import RepairCreate, RepairPublic
from repairs.work_orders.service import RepairService, page_of_repairs

router = APIRouter(prefix="/v1/repairs", tags=["repairs"], responses=STAFF_RESPONSES)


async def _service(request: Request) -> RepairService:
    """The service with this process's response targets and working-day calendar."""
    service: RepairService = request.app.state.repair_service
    return service


RepairServiceDep = Annotated[RepairService, Depends(_service)]


@router.post("", status_code=status.HTTP_201_CREATED, response_model=RepairPublic)
async def report_repair(
    body: RepairCreate,
    session: SessionDep,
    idempotency: IdempotencyDep,
    repairs: RepairServiceDep,
) -> Response:
    """Report a repair; its target date follows from its priority (publishes repair-reported)."""
    return await idempotency.create(
        session,
        lambda: repairs.report_from_contact(session, body),
        location=lambda repair: f"/v1/repairs/{repair.id}",
    )


@router.get("/{repair_id}", response_model=RepairPublic)
async def get_repair(
    repair_id: uuid.UUID, session: SessionDep, repairs: RepairServiceDep
) -> RepairPublic:
    """One repair request."""
    return await repairs.get(session, repair_id)


@router.get("", response_model=Page[RepairPublic])
async def list_repairs(
    connection: ReadConnectionDep,
    page: PageDep,
    uprn: Annotated[str | None, Query(pattern=UPRN_PATTERN)] = None,
    status: RepairStatus | None = None,
    appointment_request_id: uuid.UUID | None = None,
    overdue: Annotated[
        bool | None,
        Query(description="true: only open repairs past their target now; false: all others"),
    ] = None,
) -> Response:
    """Repair requests, filtered by home, status, appointment request or overdue."""
    return model_response(
        await page_of_repairs(
            connection,
            page,
            uprn=uprn,
            status=status,
            appointment_request_id=appointment_request_id,
            overdue=overdue,
        )
    )
