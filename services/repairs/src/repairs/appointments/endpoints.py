"""HTTP routes for appointment requests."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.db import SessionDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.problems import PROBLEM_RESPONSES
from repairs.appointments.schemas import AppointmentRequestPublic
from repairs.appointments.service import appointment_request_service
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
    return await appointment_request_service.page(session, page, uprn=uprn, status=status)
