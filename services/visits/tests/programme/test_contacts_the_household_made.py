"""How often the household contacts the landlord (DOMAIN.md's contact frequency) counts
the contacts the household made, inbound: the landlord's own calls and letters to it
(outbound), chasing arrears or access, are not the household getting in touch. Counted,
a household that never contacts the landlord but is chased showed as usual or very high
contact, not very low: the isolated household the factor is there to find."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from hearth_contracts import Envelope
from hearth_contracts.events.engagement import ContactLogged
from hearth_kit.db import Database
from services.visits.tests.factories import a_uprn
from services.visits.tests.test_handlers import consume, handle, registered, started


def logged(uprn: str, direction: str, at: datetime) -> Envelope[Any]:
    return Envelope(
        data=ContactLogged(
            contact_id=uuid.uuid4(),
            uprn=uprn,
            direction=direction,
            medium="phone",
            reason="rent",
            contacted_at=at,
        )
    )


async def contact_factors(visits: httpx.AsyncClient, uprn: str) -> tuple[str, int, set[str]]:
    priority = (await visits.get(f"/v1/programme/homes/{uprn}")).json()
    return (
        priority["factors"]["contact_frequency"],
        priority["factors"]["contacts_last_12_months"],
        {r["factor"] for r in priority["reasons"]},
    )


async def test_the_landlords_own_calls_are_not_the_household_contacting_it(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    uprn = a_uprn()
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, uuid.uuid4(), date(2015, 2, 2), "secure"))
    recently = datetime.now(UTC) - timedelta(days=10)
    await consume(
        visits_database,
        [logged(uprn, "outbound", recently - timedelta(hours=n)) for n in range(12)],
    )

    frequency, counted, reasons = await contact_factors(visits, uprn)

    assert (frequency, counted) == ("very_low", 0)
    assert "contact_very_low" in reasons
    assert "contact_very_high" not in reasons

    await handle(visits_database, logged(uprn, "inbound", recently))
    assert (await contact_factors(visits, uprn))[:2] == ("usual", 1)
