"""Income's reactions to other services' events, one function each. Handlers write
through the session they are given and never commit; the consumer records each event
in the inbox in the same transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import PropertyRegistered
from hearth_kit.consumer import EventHandlers
from income.homes import repository as homes

handlers = EventHandlers()


@handlers.on(PropertyRegistered)
async def on_property_registered(
    session: AsyncSession, envelope: Envelope[PropertyRegistered]
) -> None:
    """Keep the home in income's projection of the asset register (an upsert, so
    handling the same event again changes nothing, and an older one arriving late is
    ignored)."""
    home = envelope.data
    await homes.save_home(
        session,
        uprn=home.uprn,
        postcode=home.postcode,
        address_line_1=home.address_line_1,
        as_of=home.registered_at,
    )
