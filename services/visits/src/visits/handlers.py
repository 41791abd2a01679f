"""Reactions to other services' events, one function each: they keep the per-home
projection (home_profile) the visit programme ranks homes from. Each is an idempotent
upsert, and an older event never overwrites what a newer one said.

The upserts take a run of events of one type at a time (`on_batch`), so a run costs
one statement however long it is; a single event (the consumer handling one at a time
after a batch failed, a replayed dead letter) is a run of one. Ending a tenancy is a
guarded update per event."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import PropertyRegistered, PropertyUpdated
from hearth_contracts.events.income import TenancyEnded, TenancyStarted
from hearth_kit.consumer import EventHandlers
from visits.programme import repository as home_profiles
from visits.programme.repository import CurrentTenancy, RegisterEntry

handlers = EventHandlers()


@handlers.on_batch(PropertyRegistered)
async def properties_registered(
    session: AsyncSession, envelopes: Sequence[Envelope[PropertyRegistered]]
) -> None:
    """Homes joined the asset register: keep each one's heating fuel and postcode."""
    await home_profiles.save_properties(
        session,
        [
            RegisterEntry(
                uprn=home.uprn,
                heating_fuel=home.heating_fuel,
                postcode=home.postcode,
                as_of=home.registered_at,
            )
            for home in (envelope.data for envelope in envelopes)
        ],
    )


@handlers.on_batch(PropertyUpdated)
async def properties_updated(
    session: AsyncSession, envelopes: Sequence[Envelope[PropertyUpdated]]
) -> None:
    """Homes' register entries changed (a new heating system, say)."""
    await home_profiles.save_properties(
        session,
        [
            RegisterEntry(
                uprn=home.uprn,
                heating_fuel=home.heating_fuel,
                postcode=home.postcode,
                as_of=home.updated_at,
            )
            for home in (envelope.data for envelope in envelopes)
        ],
    )


@handlers.on_batch(TenancyStarted)
async def tenancies_started(
    session: AsyncSession, envelopes: Sequence[Envelope[TenancyStarted]]
) -> None:
    """Tenancies began: each is its home's current tenancy (new ones score higher)."""
    await home_profiles.save_tenancies(
        session,
        [
            CurrentTenancy(
                uprn=tenancy.uprn,
                tenancy_id=tenancy.tenancy_id,
                start_date=tenancy.start_date,
                tenancy_type=tenancy.tenancy_type,
            )
            for tenancy in (envelope.data for envelope in envelopes)
        ],
    )


@handlers.on(TenancyEnded)
async def tenancy_ended(session: AsyncSession, envelope: Envelope[TenancyEnded]) -> None:
    """A tenancy ended: the home has no current tenancy until the next one starts."""
    tenancy = envelope.data
    await home_profiles.end_tenancy(session, uprn=tenancy.uprn, tenancy_id=tenancy.tenancy_id)
