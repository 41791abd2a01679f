"""Engagement's reactions to other services' events, one function each. Handlers write
through the session they are given and never commit; the consumer records each event
in the inbox in the same transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from engagement.residents import repository as residents
from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyStarted
from hearth_kit.consumer import EventHandlers

handlers = EventHandlers()


@handlers.on(TenancyStarted)
async def on_tenancy_started(session: AsyncSession, envelope: Envelope[TenancyStarted]) -> None:
    """Keep the tenancy in engagement's projection, so a resident registered on it can
    be checked against its home (an upsert, so handling the same event again changes
    nothing, and an older one arriving late is ignored). The event carries no time of
    its own beyond the start date, so its version is the envelope's time."""
    tenancy = envelope.data
    await residents.save_tenancy(
        session,
        tenancy_id=tenancy.tenancy_id,
        uprn=tenancy.uprn,
        tenancy_reference=tenancy.tenancy_reference,
        start_date=tenancy.start_date,
        as_of=envelope.time,
    )
