"""Income's reactions to other services' events, one function each. Handlers write
through the session they are given and never commit; the consumer records each event
in the inbox in the same transaction."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import PropertyRegistered
from hearth_kit.consumer import EventHandlers
from income.models import Home

handlers = EventHandlers()


@handlers.on(PropertyRegistered)
async def on_property_registered(
    session: AsyncSession, envelope: Envelope[PropertyRegistered]
) -> None:
    """Keep the home in income's projection of the asset register (an upsert, so
    handling the same event again changes nothing)."""
    event = envelope.data
    home = await session.get(Home, event.uprn)
    if home is None:
        session.add(
            Home(uprn=event.uprn, postcode=event.postcode, address_line_1=event.address_line_1)
        )
        return
    home.postcode = event.postcode
    home.address_line_1 = event.address_line_1
