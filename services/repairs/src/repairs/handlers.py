"""Reactions to other services' events, one function each. Each runs inside the
consumer's transaction (with the inbox record) and never commits; the SQL is in the
repositories. The home projection takes a run of property-registered events at a time
(`on_batch`); raising a repair found on a visit creates things and stays one event at
a time."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import PropertyRegistered
from hearth_contracts.events.repairs import RepairPriority, RepairSource
from hearth_contracts.events.visits import VisitFoundRepair
from hearth_kit.consumer import EventHandlers
from hearth_kit.logs import get_logger
from repairs.appointments.service import appointment_request_service
from repairs.work_orders import repository as repairs
from repairs.work_orders.repository import RegisterEntry
from repairs.work_orders.service import RepairService

log = get_logger(__name__)


def build_handlers(repair_service: RepairService) -> EventHandlers:
    handlers = EventHandlers()

    @handlers.on(VisitFoundRepair)
    async def raise_repair_found_on_visit(
        session: AsyncSession, envelope: Envelope[VisitFoundRepair]
    ) -> None:
        """A repair found on a home visit becomes a routine repair request, grouped with
        the visit's other repairs into one pending appointment request."""
        found = envelope.data
        if await repairs.by_finding(session, found.finding_id) is not None:
            return  # already raised (the same finding re-published under a new event id)
        appointment = await appointment_request_service.for_visit(
            session, visit_id=found.visit_id, uprn=found.uprn, requested_at=found.reported_at
        )
        repair = await repair_service.report(
            session,
            uprn=found.uprn,
            description=found.description,
            location=found.location,
            trade=found.trade,
            priority=RepairPriority.ROUTINE,
            source=RepairSource.HOME_VISIT,
            reported_at=found.reported_at,
            visit_id=found.visit_id,
            finding_id=found.finding_id,
            appointment_request_id=appointment.id,
        )
        log.info(
            "repair raised from visit",
            repair_id=str(repair.id),
            visit_id=str(found.visit_id),
            uprn=found.uprn,
            target_at=repair.target_at.isoformat(),
        )

    @handlers.on_batch(PropertyRegistered)
    async def remember_homes(
        session: AsyncSession, envelopes: Sequence[Envelope[PropertyRegistered]]
    ) -> None:
        """Keep the address an operative needs, from the asset register: a run of
        events in one statement (a single event is a run of one)."""
        await repairs.save_homes(
            session,
            [
                RegisterEntry(
                    uprn=home.uprn,
                    address_line_1=home.address_line_1,
                    address_line_2=home.address_line_2,
                    town=home.town,
                    postcode=home.postcode,
                    as_of=home.registered_at,
                )
                for home in (envelope.data for envelope in envelopes)
            ],
        )

    return handlers
