"""HTTP routes for officers' caseloads."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response

from hearth_kit.auth import require_scope
from hearth_kit.db import SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.problems import PROBLEM_RESPONSES
from visits.caseloads import service as caseloads
from visits.caseloads.schemas import CaseloadEntryPublic, ReferralCreate
from visits.programme.endpoints import SettingsDep

router = APIRouter(prefix="/v1/caseloads", tags=["caseloads"], responses=PROBLEM_RESPONSES)

OfficerPath = Annotated[
    str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._-]+$", description="Staff id")
]


@router.get("/{officer}", response_model=Page[CaseloadEntryPublic])
async def officer_caseload(
    officer: OfficerPath, session: SessionDep, page: PageDep
) -> Page[CaseloadEntryPublic]:
    """The tenancies an officer holds, with caseload, review and introductory end dates."""
    return await caseloads.page(session, officer, page)


@router.post(
    "/tenancies/{tenancy_id}/hand-back",
    response_model=CaseloadEntryPublic,
    dependencies=[Depends(require_scope("caseloads:write"))],
)
async def hand_back(
    tenancy_id: uuid.UUID, session: SessionDep, idempotency: IdempotencyDep, settings: SettingsDep
) -> Response:
    """Hand a sustainable tenancy case back to the caseload it was referred from (needs
    the caseloads:write scope). A retry with the same Idempotency-Key gets the first
    answer, not a 409 for a case already handed back."""
    return await idempotency.create(
        session,
        lambda: caseloads.hand_back(session, settings.caseloads, tenancy_id),
        status_code=200,
    )


@router.post(
    "/tenancies/{tenancy_id}/referral",
    response_model=CaseloadEntryPublic,
    dependencies=[Depends(require_scope("caseloads:write"))],
)
async def refer(
    tenancy_id: uuid.UUID,
    body: ReferralCreate,
    session: SessionDep,
    idempotency: IdempotencyDep,
    settings: SettingsDep,
) -> Response:
    """Refer a current tenancy to the sustainable tenancy caseload with a review date (a
    referral made outside a visit report; needs the caseloads:write scope). Repeating it
    sets the new review date; a retry with the same Idempotency-Key gets the first
    answer and changes nothing."""
    return await idempotency.create(
        session,
        lambda: caseloads.refer_directly(session, settings.caseloads, tenancy_id, body.review_on),
        status_code=200,
    )
