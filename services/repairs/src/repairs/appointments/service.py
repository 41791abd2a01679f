"""Appointment requests: open work at one home offered in one appointment."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from repairs.appointments import repository
from repairs.appointments.schemas import AppointmentRequestPublic
from repairs.models import AppointmentRequest, RepairRequest


class AppointmentRequestService:
    async def for_visit(
        self, session: AsyncSession, *, visit_id: uuid.UUID, uprn: str, requested_at: datetime
    ) -> AppointmentRequest:
        """The one pending appointment request for all the repairs found on a visit."""
        existing = await repository.for_visit(session, visit_id)
        if existing is not None:
            return existing
        request = AppointmentRequest(uprn=uprn, visit_id=visit_id, requested_at=requested_at)
        repository.add(session, request)
        await session.flush()
        return request


def to_public(
    request: AppointmentRequest, repairs: list[RepairRequest]
) -> AppointmentRequestPublic:
    return AppointmentRequestPublic(
        id=request.id,
        uprn=request.uprn,
        visit_id=request.visit_id,
        status=request.status,
        requested_at=request.requested_at,
        repair_ids=[r.id for r in repairs],
        trades=sorted({r.trade for r in repairs}),
    )


appointment_request_service = AppointmentRequestService()
