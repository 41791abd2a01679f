"""HTTP routes for rent changes: record one, list them, withdraw one not yet charged."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from fastapi import APIRouter, Response, status

from hearth_kit.db import SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.problems import PROBLEM_RESPONSES
from income.rents.schemas import RentChangeCreate, RentChangePublic
from income.rents.service import rent_change_service

router = APIRouter(prefix="/v1/tenancies", tags=["tenancies"], responses=PROBLEM_RESPONSES)


@router.post(
    "/{tenancy_id}/rent-change",
    status_code=status.HTTP_201_CREATED,
    response_model=RentChangePublic,
)
async def change_rent(
    tenancy_id: uuid.UUID, body: RentChangeCreate, session: SessionDep, idempotency: IdempotencyDep
) -> Response:
    """Change a tenancy's weekly rent and service charge from a rent week not yet
    charged (the April rent change: one call per tenancy). The rent run charges each
    week the rent in force that week; the summary, the arrears ladder's thresholds and
    the rent roll use the rent in force now. A retry with the same Idempotency-Key gets
    the first answer."""
    return await idempotency.create(
        session,
        lambda: rent_change_service.change(session, tenancy_id, body, datetime.now(UTC)),
        location=lambda _: f"/v1/tenancies/{tenancy_id}",
    )


@router.get("/{tenancy_id}/rent-changes", response_model=Page[RentChangePublic])
async def list_rent_changes(
    tenancy_id: uuid.UUID, session: SessionDep, page: PageDep
) -> Page[RentChangePublic]:
    """The rent changes recorded on a tenancy, by the week they take effect from (those
    already charged and those still waiting)."""
    return await rent_change_service.changes(session, tenancy_id, page)


@router.delete(
    "/{tenancy_id}/rent-changes/{effective_from}", status_code=status.HTTP_204_NO_CONTENT
)
async def withdraw_rent_change(
    tenancy_id: uuid.UUID, effective_from: date, session: SessionDep
) -> Response:
    """Withdraw a rent change recorded by mistake before its week is charged (a 409
    naming `effective_from` once that week or a later one is charged): those weeks are
    charged the rent in force before it."""
    await rent_change_service.withdraw(session, tenancy_id, effective_from)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
