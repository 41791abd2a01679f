"""HTTP routes for tenants' copies of safety records."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query

from compliance.tenant_copies import service
from compliance.tenant_copies.rules import CopyStanding
from compliance.tenant_copies.schemas import TenantCopyPublic
from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.db import SessionDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.problems import PROBLEM_RESPONSES
from hearth_kit.working_days import london_day

router = APIRouter(
    prefix="/v1/compliance/tenant-copies", tags=["tenant copies"], responses=PROBLEM_RESPONSES
)


@router.get("", response_model=Page[TenantCopyPublic])
async def list_tenant_copies(
    session: SessionDep,
    page: PageDep,
    status: CopyStanding | None = None,
    uprn: Annotated[str | None, Query(pattern=UPRN_PATTERN)] = None,
) -> Page[TenantCopyPublic]:
    """Tenants' copies of gas safety records and EICRs by deadline, earliest first:
    `overdue` (not sent by their deadline), `owed` (not sent, deadline to come),
    `sent_on_time`, `sent_late`; by home."""
    return await service.page(
        session, page, status=status, uprn=uprn, today=london_day(datetime.now(UTC))
    )
