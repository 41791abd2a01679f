"""Engagement's reactions to other services' events, one function each. Handlers write
through the session they are given and never commit; the consumer records each event
in the inbox in the same transaction."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from engagement.residents import repository as residents
from engagement.residents.service import resident_service
from engagement.vulnerabilities.service import vulnerability_service
from hearth_contracts import Envelope
from hearth_contracts.events.compliance import PropertyRegistered
from hearth_contracts.events.income import TenancyStarted
from hearth_contracts.events.visits import ResidentDetailsConfirmed
from hearth_kit.consumer import EventHandlers

handlers = EventHandlers()


@handlers.on(TenancyStarted)
async def on_tenancy_started(session: AsyncSession, envelope: Envelope[TenancyStarted]) -> None:
    """Keep the tenancy in engagement's projection (an upsert: the same event again
    changes nothing, an older one arriving late is ignored; its version is the
    envelope's time), and make its tenants residents under the person ids income named:
    one id per person across the platform."""
    tenancy = envelope.data
    await residents.save_tenancy(
        session,
        tenancy_id=tenancy.tenancy_id,
        uprn=tenancy.uprn,
        tenancy_reference=tenancy.tenancy_reference,
        start_date=tenancy.start_date,
        as_of=envelope.time,
    )
    await resident_service.tenancy_started(session, tenancy, envelope.time)


@handlers.on(ResidentDetailsConfirmed)
async def on_resident_details_confirmed(
    session: AsyncSession, envelope: Envelope[ResidentDetailsConfirmed]
) -> None:
    """A visit confirmed or corrected a resident's details: keep when, the household
    size and what to follow up; consent to vulnerabilities withdrawn removes them."""
    confirmed = envelope.data
    known = await resident_service.details_confirmed(session, confirmed)
    if known and confirmed.vulnerability_consent is False:
        await vulnerability_service.consent_withdrawn(
            session, confirmed.resident_id, confirmed.confirmed_at
        )


@handlers.on_batch(PropertyRegistered)
async def properties_registered(
    session: AsyncSession, envelopes: Sequence[Envelope[PropertyRegistered]]
) -> None:
    """Homes joined the asset register: the homes CH01 counts complaints per 1,000 of."""
    await residents.save_homes(
        session, [(envelope.data.uprn, envelope.data.registered_at) for envelope in envelopes]
    )
