"""HTTP routes for communal issues reported from visits, and their triage."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.auth import CallerDep
from hearth_kit.db import ReadConnectionDep, SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.responses import model_response
from hearth_kit.staff import STAFF_RESPONSES
from repairs.communal_issues import service
from repairs.communal_issues.schemas import CommunalIssuePublic, CommunalIssueTriage
from repairs.models import CommunalIssueStatus
from repairs.work_orders.service import RepairService


def _repair_service(request: Request) -> RepairService:
    """The service with this process's response targets and calendar."""
    repair_service: RepairService = request.app.state.repair_service
    return repair_service


RepairServiceDep = Annotated[RepairService, Depends(_repair_service)]

router = APIRouter(
    prefix="/v1/communal-issues",
    tags=["communal issues"],
    responses=STAFF_RESPONSES,
)


@router.get("", response_model=Page[CommunalIssuePublic])
async def list_communal_issues(
    connection: ReadConnectionDep,
    page: PageDep,
    status: CommunalIssueStatus = CommunalIssueStatus.OPEN,
    block_id: Annotated[
        str | None,
        Query(
            pattern=UPRN_PATTERN,
            description="Only issues reported from homes in this block (the block's UPRN)",
        ),
    ] = None,
) -> Response:
    """Communal issues noticed on visits, oldest found first: by default those awaiting
    triage (`status=open`); with `block_id`, one block's reports together."""
    return model_response(
        await service.page_of_issues(connection, page, status=status, block_id=block_id)
    )


@router.post("/{issue_id}/triage", response_model=CommunalIssuePublic)
async def triage_communal_issue(
    issue_id: uuid.UUID,
    body: CommunalIssueTriage,
    manager: CallerDep,
    session: SessionDep,
    idempotency: IdempotencyDep,
    repair_service: RepairServiceDep,
) -> Response:
    """Raise a repair for the issue at the UPRN named (repair-reported, source
    home_visit), or close it with a reason; 409 once it is triaged (repairs:write,
    applied with the router's scopes)."""
    return await idempotency.create(
        session,
        lambda: service.triage(session, repair_service, issue_id, body, manager.subject),
        status_code=200,
    )
