"""Engagement's reactions to other services' events, one function each. Handlers write
through the session they are given and never commit; the consumer records each event
in the inbox in the same transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from engagement.models import Tenancy
from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyStarted
from hearth_kit.consumer import EventHandlers

handlers = EventHandlers()


@handlers.on(TenancyStarted)
async def on_tenancy_started(session: AsyncSession, envelope: Envelope[TenancyStarted]) -> None:
    """Keep the tenancy in engagement's projection, so a resident registered on it can
    be checked against its home (an upsert, so handling the same event again changes
    nothing)."""
    event = envelope.data
    tenancy = await session.get(Tenancy, event.tenancy_id)
    if tenancy is None:
        session.add(
            Tenancy(
                tenancy_id=event.tenancy_id,
                uprn=event.uprn,
                tenancy_reference=event.tenancy_reference,
                start_date=event.start_date,
            )
        )
        return
    tenancy.uprn = event.uprn
    tenancy.tenancy_reference = event.tenancy_reference
    tenancy.start_date = event.start_date
