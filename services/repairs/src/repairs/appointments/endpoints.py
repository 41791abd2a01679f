"""HTTP routes for appointment requests."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.db import SessionDep
from hearth_kit.pagination import Page, PageDep, encode_cursor
from hearth_kit.problems import PROBLEM_RESPONSES, Unprocessable
from repairs.appointments import repository
from repairs.appointments.schemas import AppointmentRequestPublic
from repairs.appointments.service import to_public
from repairs.models import AppointmentRequestStatus

router = APIRouter(
    prefix="/v1/appointment-requests", tags=["appointments"], responses=PROBLEM_RESPONSES
)


@router.get("", response_model=Page[AppointmentRequestPublic])
async def list_appointment_requests(
    session: SessionDep,
    page: PageDep,
    uprn: Annotated[str | None, Query(pattern=UPRN_PATTERN)] = None,
    status: AppointmentRequestStatus | None = None,
) -> Page[AppointmentRequestPublic]:
    """Appointment requests with the repairs each will cover."""
    after = page.after()
    try:
        after_id = uuid.UUID(after[0]) if after else None
    except ValueError as exc:
        raise Unprocessable("The cursor is not one this API issued", field="cursor") from exc
    requests = await repository.page(
        session, uprn=uprn, status=status, after=after_id, limit=page.limit + 1
    )
    shown = requests[: page.limit]
    repairs = await repository.repairs_of(session, [r.id for r in shown])
    items = [to_public(r, repairs[r.id]) for r in shown]
    next_cursor = encode_cursor(items[-1].id) if len(requests) > page.limit else None
    return Page(items=items, next_cursor=next_cursor)
