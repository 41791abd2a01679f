"""Reactions to other services' events, one function each: they keep the per-home
projection (home_profile) the visit programme ranks homes from. Each is an idempotent
upsert, and an older event never overwrites what a newer one said."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import PropertyRegistered, PropertyUpdated
from hearth_contracts.events.income import TenancyEnded, TenancyStarted
from hearth_kit.consumer import EventHandlers
from visits.programme import repository as home_profiles

handlers = EventHandlers()


@handlers.on(PropertyRegistered)
async def property_registered(
    session: AsyncSession, envelope: Envelope[PropertyRegistered]
) -> None:
    """A home joined the asset register: keep its heating fuel and postcode."""
    home = envelope.data
    await home_profiles.save_property(
        session,
        uprn=home.uprn,
        heating_fuel=home.heating_fuel,
        postcode=home.postcode,
        as_of=home.registered_at,
    )


@handlers.on(PropertyUpdated)
async def property_updated(session: AsyncSession, envelope: Envelope[PropertyUpdated]) -> None:
    """A home's register entry changed (a new heating system, say)."""
    home = envelope.data
    await home_profiles.save_property(
        session,
        uprn=home.uprn,
        heating_fuel=home.heating_fuel,
        postcode=home.postcode,
        as_of=home.updated_at,
    )


@handlers.on(TenancyStarted)
async def tenancy_started(session: AsyncSession, envelope: Envelope[TenancyStarted]) -> None:
    """A tenancy began: it is the home's current tenancy (new ones score higher)."""
    tenancy = envelope.data
    await home_profiles.save_tenancy(
        session,
        uprn=tenancy.uprn,
        tenancy_id=tenancy.tenancy_id,
        start_date=tenancy.start_date,
        tenancy_type=tenancy.tenancy_type,
    )


@handlers.on(TenancyEnded)
async def tenancy_ended(session: AsyncSession, envelope: Envelope[TenancyEnded]) -> None:
    """A tenancy ended: the home has no current tenancy until the next one starts."""
    tenancy = envelope.data
    await home_profiles.end_tenancy(session, uprn=tenancy.uprn, tenancy_id=tenancy.tenancy_id)
