"""HTTP routes for repair requests."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.db import SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep, encode_cursor
from hearth_kit.problems import PROBLEM_RESPONSES, Unprocessable
from repairs.models import RepairStatus
from repairs.work_orders import repository
from repairs.work_orders.schemas import RepairCreate, RepairPublic
from repairs.work_orders.service import RepairService, with_addresses

router = APIRouter(prefix="/v1/repairs", tags=["repairs"], responses=PROBLEM_RESPONSES)


def _service(request: Request) -> RepairService:
    service: RepairService = request.app.state.repair_service
    return service


@router.post("", status_code=status.HTTP_201_CREATED, response_model=RepairPublic)
async def report_repair(
    body: RepairCreate,
    request: Request,
    session: SessionDep,
    idempotency: IdempotencyDep,
    response: Response,
) -> object:
    """Report a repair; its target date follows from its priority (publishes repair-reported)."""
    if (replayed := await idempotency.replay(session)) is not None:
        return replayed
    (repair,) = await with_addresses(
        session, [await _service(request).report_from_contact(session, body)]
    )
    response.headers["Location"] = f"/v1/repairs/{repair.id}"
    await idempotency.remember(
        session, 201, repair.model_dump(mode="json"), {"Location": response.headers["Location"]}
    )
    return repair


@router.get("/{repair_id}", response_model=RepairPublic)
async def get_repair(repair_id: uuid.UUID, request: Request, session: SessionDep) -> RepairPublic:
    """One repair request."""
    (repair,) = await with_addresses(session, [await _service(request).get(session, repair_id)])
    return repair


@router.get("", response_model=Page[RepairPublic])
async def list_repairs(
    session: SessionDep,
    page: PageDep,
    uprn: Annotated[str | None, Query(pattern=UPRN_PATTERN)] = None,
    status: RepairStatus | None = None,
    appointment_request_id: uuid.UUID | None = None,
) -> Page[RepairPublic]:
    """Repair requests, filtered by home, status or appointment request."""
    after = page.after()
    try:
        after_id = uuid.UUID(after[0]) if after else None
    except ValueError as exc:
        raise Unprocessable("The cursor is not one this API issued", field="cursor") from exc
    repairs = await repository.page(
        session,
        uprn=uprn,
        status=status,
        appointment_request_id=appointment_request_id,
        after=after_id,
        limit=page.limit + 1,
    )
    items = await with_addresses(session, repairs[: page.limit])
    next_cursor = encode_cursor(items[-1].id) if len(repairs) > page.limit else None
    return Page(items=items, next_cursor=next_cursor)
