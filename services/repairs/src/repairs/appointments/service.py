"""Appointment requests: open work at one home offered in one appointment."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_kit.pagination import Page, PageParams
from repairs.appointments import repository
from repairs.appointments.schemas import AppointmentRequestPublic
from repairs.models import AppointmentRequest, AppointmentRequestStatus, RepairRequest


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

    async def page(
        self,
        session: AsyncSession,
        page: PageParams,
        *,
        uprn: str | None,
        status: AppointmentRequestStatus | None,
    ) -> Page[AppointmentRequestPublic]:
        """Appointment requests in id order with the repairs each covers, a page at a time."""
        requests = await repository.page(
            session, uprn=uprn, status=status, after=page.after_as(uuid.UUID), limit=page.fetch
        )
        repairs = await repository.repairs_of(session, [r.id for r in requests])
        return Page.from_rows(
            [to_public(r, repairs[r.id]) for r in requests],
            page.limit,
            cursor_of=lambda request: (request.id,),
        )


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
