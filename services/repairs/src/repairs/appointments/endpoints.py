"""HTTP routes for appointments and appointment requests."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from hearth_contracts.events.visits import Trade
from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.auth import Caller, require_scope
from hearth_kit.db import ReadConnectionDep, SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.responses import model_response
from hearth_kit.staff import STAFF_RESPONSES
from hearth_kit.text_patterns import HAS_WORDS
from repairs.appointments.schemas import (
    AppointmentCancellation,
    AppointmentCreate,
    AppointmentOutcome,
    AppointmentPublic,
    AppointmentRequestPublic,
    Availability,
    Rebooking,
)
from repairs.appointments.service import AppointmentService, appointment_request_service
from repairs.models import AppointmentRequestStatus, AppointmentStatus

router = APIRouter(
    prefix="/v1/appointment-requests",
    tags=["appointments"],
    responses=STAFF_RESPONSES,
)


@router.get("", response_model=Page[AppointmentRequestPublic])
async def list_appointment_requests(
    connection: ReadConnectionDep,
    page: PageDep,
    uprn: Annotated[str | None, Query(pattern=UPRN_PATTERN)] = None,
    status: AppointmentRequestStatus | None = None,
) -> Response:
    """Appointment requests with the repairs each will cover."""
    return model_response(
        await appointment_request_service.page(connection, page, uprn=uprn, status=status)
    )


def _appointments(request: Request) -> AppointmentService:
    """The service with this process's slots, capacity and calendar."""
    service: AppointmentService = request.app.state.appointment_service
    return service


AppointmentServiceDep = Annotated[AppointmentService, Depends(_appointments)]

appointments_router = APIRouter(
    prefix="/v1/appointments",
    tags=["appointments"],
    responses=STAFF_RESPONSES,
)


@appointments_router.get("/availability", response_model=Availability)
async def availability(
    session: SessionDep,
    appointments: AppointmentServiceDep,
    uprn: Annotated[str, Query(pattern=UPRN_PATTERN)],
    trades: Annotated[list[Trade], Query(min_length=1, max_length=10)],
    contractor_id: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=64,
            pattern=HAS_WORDS,
            description="The contractor to do the work (its work orders' contractor): "
            "its places are counted. Default: the first configured contractor doing all "
            "the trades",
        ),
    ] = None,
) -> Availability:
    """Free slots for one appointment covering all these trades at the home, in the
    contractor's diary: each contractor's places are its own (ADR 0155)."""
    return await appointments.availability(
        session, uprn=uprn, trades=sorted(set(trades)), contractor_id=contractor_id
    )


@appointments_router.post("", status_code=status.HTTP_201_CREATED, response_model=AppointmentPublic)
async def book_appointment(
    body: AppointmentCreate,
    session: SessionDep,
    idempotency: IdempotencyDep,
    appointments: AppointmentServiceDep,
) -> Response:
    """Book one appointment for one or more work orders at one home (appointment-booked)."""
    return await idempotency.create(
        session,
        lambda: appointments.book(session, body),
        location=lambda a: f"/v1/appointments/{a.id}",
    )


@appointments_router.get("", response_model=Page[AppointmentPublic])
async def list_appointments(
    session: SessionDep,
    page: PageDep,
    appointments: AppointmentServiceDep,
    uprn: Annotated[str | None, Query(pattern=UPRN_PATTERN)] = None,
    status: AppointmentStatus | None = None,
) -> Page[AppointmentPublic]:
    """Appointments, soonest first, by home and status (status=booked: the next ones)."""
    return await appointments.page(session, page, uprn=uprn, status=status)


@appointments_router.get("/{appointment_id}", response_model=AppointmentPublic)
async def get_appointment(
    appointment_id: uuid.UUID, session: SessionDep, appointments: AppointmentServiceDep
) -> AppointmentPublic:
    """One appointment, where booking and rebooking's Location leads (ADR 0181). After
    /availability, which this path would otherwise take as an id. Staff only, as every
    appointment route: a contractor reads its appointments on its work orders."""
    return await appointments.get(session, appointment_id)


@appointments_router.post(
    "/{appointment_id}/rebook",
    status_code=status.HTTP_201_CREATED,
    response_model=AppointmentPublic,
)
async def rebook_appointment(
    appointment_id: uuid.UUID,
    body: Rebooking,
    session: SessionDep,
    idempotency: IdempotencyDep,
    appointments: AppointmentServiceDep,
) -> Response:
    """Move a booked appointment to another slot (a new appointment naming the old one)."""
    return await idempotency.create(
        session,
        lambda: appointments.rebook(session, appointment_id, body),
        location=lambda a: f"/v1/appointments/{a.id}",
    )


@appointments_router.post("/{appointment_id}/cancel", response_model=AppointmentPublic)
async def cancel_appointment(
    appointment_id: uuid.UUID,
    body: AppointmentCancellation,
    session: SessionDep,
    idempotency: IdempotencyDep,
    appointments: AppointmentServiceDep,
) -> Response:
    """Cancel a booked appointment: its slot is freed, its work orders need an
    appointment again (appointment-cancelled); 409 unless it is booked."""
    return await idempotency.create(
        session,
        lambda: appointments.cancel(session, appointment_id, body),
        status_code=200,
    )


@appointments_router.post("/{appointment_id}/outcome", response_model=AppointmentPublic)
async def record_outcome(
    appointment_id: uuid.UUID,
    body: AppointmentOutcome,
    staff: Annotated[Caller, Depends(require_scope("repairs:write"))],  # before a transaction
    session: SessionDep,
    idempotency: IdempotencyDep,
    appointments: AppointmentServiceDep,
) -> Response:
    """Kept, missed or no access (appointment-missed for the last two). Also staff's
    confirmation that the household asked for a contractor's late move: `missed` by
    `resident` on an appointment that move made missed (docs/adr/0129)."""
    return await idempotency.create(
        session,
        lambda: appointments.record_outcome(session, appointment_id, body, staff.subject),
        status_code=200,
    )
