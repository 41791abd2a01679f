"""HTTP routes for rent changes."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from fastapi import APIRouter, Response, status

from hearth_kit.db import SessionDep
from hearth_kit.idempotency import IdempotencyDep
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
