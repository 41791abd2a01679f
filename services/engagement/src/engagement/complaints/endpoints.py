"""HTTP routes for complaints (the Complaint Handling Code) and service requests."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from engagement.complaints.schemas import (
    ComplaintAcknowledge,
    ComplaintCreate,
    ComplaintEscalate,
    ComplaintExtend,
    ComplaintPublic,
    ComplaintRespond,
    ServiceRequestCreate,
    ServiceRequestPublic,
)
from engagement.complaints.service import STAGE_1_HANDLER_RESPONSE, ComplaintService
from engagement.models import ComplaintStatus
from hearth_contracts.values import UPRN_PATTERN
from hearth_kit.auth import CallerDep
from hearth_kit.db import SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.pagination import Page, PageDep
from hearth_kit.problems import PROBLEM_RESPONSES

router = APIRouter(tags=["complaints"], responses=PROBLEM_RESPONSES)


def _service(request: Request) -> ComplaintService:
    """The complaint service app.py built from the settings (the Code's timescales) and
    the Code's working days (weekends and bank holidays only, docs/adr/0041)."""
    service: ComplaintService = request.app.state.complaint_service
    return service


ComplaintServiceDep = Annotated[ComplaintService, Depends(_service)]


@router.post("/v1/complaints", status_code=status.HTTP_201_CREATED, response_model=ComplaintPublic)
async def receive_complaint(
    body: ComplaintCreate,
    session: SessionDep,
    idempotency: IdempotencyDep,
    complaints: ComplaintServiceDep,
) -> Response:
    """Record a complaint at stage 1 (publishes complaint-received)."""
    return await idempotency.create(
        session,
        lambda: complaints.receive(session, body),
        location=lambda complaint: f"/v1/complaints/{complaint.id}",
    )


@router.get("/v1/complaints", response_model=Page[ComplaintPublic])
async def list_complaints(
    session: SessionDep,
    page: PageDep,
    complaints: ComplaintServiceDep,
    resident_id: uuid.UUID | None = None,
    uprn: Annotated[str | None, Query(pattern=UPRN_PATTERN)] = None,
    status: ComplaintStatus | None = None,
) -> Page[ComplaintPublic]:
    """Complaints in the order received, with each stage's deadlines; filter by
    resident, home or status (open: the current stage is not answered)."""
    return await complaints.page(session, page, resident_id=resident_id, uprn=uprn, status=status)


@router.get("/v1/complaints/{complaint_id}", response_model=ComplaintPublic)
async def get_complaint(
    complaint_id: uuid.UUID, session: SessionDep, complaints: ComplaintServiceDep
) -> ComplaintPublic:
    """One complaint with its stages and deadlines."""
    return await complaints.get(session, complaint_id)


@router.post(
    "/v1/complaints/{complaint_id}/acknowledge",
    response_model=ComplaintPublic,
    responses=STAGE_1_HANDLER_RESPONSE,
)
async def acknowledge_complaint(
    complaint_id: uuid.UUID,
    body: ComplaintAcknowledge,
    session: SessionDep,
    idempotency: IdempotencyDep,
    complaints: ComplaintServiceDep,
    caller: CallerDep,
) -> Response:
    """Acknowledge the current stage; the answer's deadline follows from it. The caller
    is recorded; stage 2 is refused to stage 1's person (403)."""
    return await idempotency.create(
        session,
        lambda: complaints.acknowledge(session, complaint_id, body, caller),
        status_code=200,
    )


@router.post(
    "/v1/complaints/{complaint_id}/extend",
    response_model=ComplaintPublic,
    responses=STAGE_1_HANDLER_RESPONSE,
)
async def extend_complaint(
    complaint_id: uuid.UUID,
    body: ComplaintExtend,
    session: SessionDep,
    idempotency: IdempotencyDep,
    complaints: ComplaintServiceDep,
    caller: CallerDep,
) -> Response:
    """Put the current stage's answer back (a reason, a new date, before the deadline,
    within 10 working days at stage 1 and 20 at stage 2)."""
    return await idempotency.create(
        session, lambda: complaints.extend(session, complaint_id, body, caller), status_code=200
    )


@router.post(
    "/v1/complaints/{complaint_id}/respond",
    response_model=ComplaintPublic,
    responses=STAGE_1_HANDLER_RESPONSE,
)
async def respond_to_complaint(
    complaint_id: uuid.UUID,
    body: ComplaintRespond,
    session: SessionDep,
    idempotency: IdempotencyDep,
    complaints: ComplaintServiceDep,
    caller: CallerDep,
) -> Response:
    """Answer the current stage with root cause, learning, remedy and compensation. The
    caller is recorded; stage 2 is refused to stage 1's person (403)."""
    return await idempotency.create(
        session, lambda: complaints.respond(session, complaint_id, body, caller), status_code=200
    )


@router.post("/v1/complaints/{complaint_id}/escalate", response_model=ComplaintPublic)
async def escalate_complaint(
    complaint_id: uuid.UUID,
    body: ComplaintEscalate,
    session: SessionDep,
    idempotency: IdempotencyDep,
    complaints: ComplaintServiceDep,
) -> Response:
    """Escalate to stage 2 (publishes complaint-escalated); a different person handles it."""
    return await idempotency.create(
        session, lambda: complaints.escalate(session, complaint_id, body), status_code=200
    )


@router.post(
    "/v1/service-requests",
    status_code=status.HTTP_201_CREATED,
    response_model=ServiceRequestPublic,
    tags=["service requests"],
)
async def record_service_request(
    body: ServiceRequestCreate,
    session: SessionDep,
    idempotency: IdempotencyDep,
    complaints: ComplaintServiceDep,
) -> Response:
    """Record a service request: apart from complaints, on no Code clock."""
    return await idempotency.create(
        session,
        lambda: complaints.record_service_request(session, body),
        location=lambda request: f"/v1/service-requests/{request.id}",
    )


@router.get(
    "/v1/service-requests/{request_id}",
    response_model=ServiceRequestPublic,
    tags=["service requests"],
)
async def get_service_request(
    request_id: uuid.UUID, session: SessionDep, complaints: ComplaintServiceDep
) -> ServiceRequestPublic:
    """One service request (the Location `POST /v1/service-requests` answers with; the
    list's scope, complaints:read). A 404 for an id never recorded."""
    return await complaints.service_request(session, request_id)


@router.get(
    "/v1/service-requests", response_model=Page[ServiceRequestPublic], tags=["service requests"]
)
async def list_service_requests(
    session: SessionDep,
    page: PageDep,
    complaints: ComplaintServiceDep,
    uprn: Annotated[str | None, Query(pattern=UPRN_PATTERN)] = None,
    resident_id: uuid.UUID | None = None,
) -> Page[ServiceRequestPublic]:
    """Service requests in the order received."""
    return await complaints.service_requests(session, page, uprn=uprn, resident_id=resident_id)
