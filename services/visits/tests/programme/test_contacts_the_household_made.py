"""How often the household contacts the landlord (DOMAIN.md's contact frequency) counts
the contacts the household living there made (ADR 0096), inbound: the landlord's own
calls and letters to it (outbound), chasing arrears or access, are not the household
getting in touch. Counted,
a household that never contacts the landlord but is chased showed as usual or very high
contact, not very low: the isolated household the factor is there to find."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from hearth_contracts import Envelope
from hearth_contracts.events.engagement import (
    ContactLogged,
    ResidentRegisteredV2,
    ResidentUpdatedV2,
)
from hearth_kit.db import Database
from services.visits.tests.factories import a_uprn
from services.visits.tests.programme.test_stored_scores import stored
from services.visits.tests.test_handlers import consume, handle, registered, started
from services.visits.tests.visits.test_the_visits_tenancy import ended_on
from tests.harness.events import a_tenancy_of
from visits.programme.repository import save_contacts
from visits.programme.rules import whole_window_on


def logged(
    uprn: str,
    direction: str,
    at: datetime,
    resident_id: uuid.UUID | None = None,
    contact_id: uuid.UUID | None = None,
) -> Envelope[Any]:
    return Envelope(
        data=ContactLogged(
            contact_id=contact_id or uuid.uuid4(),
            uprn=uprn,
            resident_id=resident_id,
            direction=direction,
            medium="phone",
            reason="rent",
            contacted_at=at,
        )
    )


def tenancy_of(uprn: str, tenancy_id: uuid.UUID, start: date, *people: uuid.UUID) -> Envelope[Any]:
    """Income's tenancy-started v2 naming its tenants by person id."""
    return Envelope(
        data=a_tenancy_of(uprn, *people, tenancy_id=tenancy_id).model_copy(
            update={"start_date": start}
        )
    )


def member_of(uprn: str, tenancy_id: uuid.UUID, resident_id: uuid.UUID) -> Envelope[Any]:
    """Engagement registered a household member (no tenant) on the tenancy."""
    return Envelope(
        data=ResidentRegisteredV2(
            resident_id=resident_id,
            tenancy_id=tenancy_id,
            uprn=uprn,
            preferred_channel="phone",
            language="en",
            registered_at=datetime.now(UTC) - timedelta(days=50),
        )
    )


def moved_to(uprn: str, tenancy_id: uuid.UUID, resident_id: uuid.UUID) -> Envelope[Any]:
    """Engagement put the resident on a tenancy of another home (announced ahead)."""
    return Envelope(
        data=ResidentUpdatedV2(
            resident_id=resident_id,
            tenancy_id=tenancy_id,
            uprn=uprn,
            changed=["household"],
            preferred_channel="phone",
            language="en",
            updated_at=datetime.now(UTC) - timedelta(days=20),
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


async def test_an_outgoing_households_contacts_are_not_the_next_ones(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """The outgoing household called 12 times in its last weeks; the household that
    moved in 60 days ago has not called: not very high contact, nor very low, which is
    judged once a household has lived there the whole 12 months."""
    uprn, earlier, later = a_uprn(), uuid.uuid4(), uuid.uuid4()
    today = datetime.now(UTC)
    await handle(visits_database, registered(uprn))
    await handle(visits_database, started(uprn, earlier, date(2015, 2, 2), "secure"))
    await consume(
        visits_database,
        [logged(uprn, "inbound", today - timedelta(days=90, hours=n)) for n in range(12)],
    )
    assert (await contact_factors(visits, uprn))[:2] == ("very_high", 12)
    await handle(visits_database, ended_on(uprn, earlier, (today - timedelta(days=70)).date()))
    await handle(visits_database, started(uprn, later, (today - timedelta(days=60)).date()))

    frequency, counted, reasons = await contact_factors(visits, uprn)

    assert (frequency, counted) == ("usual", 0)
    assert not {"contact_very_low", "contact_very_high"} & reasons
    await consume(
        visits_database,
        [logged(uprn, "inbound", today - timedelta(days=5, hours=n)) for n in range(12)],
    )
    assert (await contact_factors(visits, uprn))[:2] == ("very_high", 12)


def test_very_low_contact_is_judged_from_the_day_the_household_has_lived_there_a_year() -> None:
    """Moved in on 29 February 2024, the household has lived there the whole window on
    1 March 2025 (the window then opens on 1 March 2024)."""
    assert whole_window_on(date(2024, 2, 29), 12) == date(2025, 3, 1)
    assert whole_window_on(date(2026, 6, 1), 12) == date(2027, 6, 1)


async def test_a_silent_new_household_is_scored_again_the_day_it_has_lived_there_a_year(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """No event comes that day: the stored score is worked out again then (rescore_on),
    when very low contact is first judged. A household that has called is not."""
    silent, calling = a_uprn(), a_uprn()
    moved_in = (datetime.now(UTC) - timedelta(days=60)).date()
    for uprn in (silent, calling):
        await handle(visits_database, registered(uprn))
        await handle(visits_database, started(uprn, uuid.uuid4(), moved_in, "introductory"))
    await handle(visits_database, logged(calling, "inbound", datetime.now(UTC)))

    assert (await stored(visits_database, silent)).rescore_on == whole_window_on(moved_in, 12)
    assert (await stored(visits_database, calling)).rescore_on > whole_window_on(moved_in, 12)


async def test_a_former_tenants_calls_after_leaving_are_not_the_next_households(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """ADR 0151: the former tenant, named at their last home, calls 12 times about their
    arrears after the household that moved in 60 days ago arrived: not its contacts
    (usual, not very high). The household's own calls count: its tenant's (income's
    tenancy-started), a member engagement registered on its tenancy, and a contact that
    names nobody, a contact with the household at the home."""
    uprn, earlier, later = a_uprn(), uuid.uuid4(), uuid.uuid4()
    former, tenant, member = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    today = datetime.now(UTC)
    await consume(
        visits_database,
        [
            registered(uprn),
            tenancy_of(uprn, earlier, date(2015, 2, 2), former),
            ended_on(uprn, earlier, (today - timedelta(days=70)).date()),
            tenancy_of(uprn, later, (today - timedelta(days=60)).date(), tenant),
            member_of(uprn, later, member),
        ],
    )
    await consume(
        visits_database,
        [logged(uprn, "inbound", today - timedelta(days=5, hours=n), former) for n in range(12)],
    )

    frequency, counted, reasons = await contact_factors(visits, uprn)

    assert (frequency, counted) == ("usual", 0)
    assert "contact_very_high" not in reasons
    assert (await stored(visits_database, uprn)).factors["contacts_last_12_months"] == 0

    await consume(
        visits_database,
        [
            *(
                logged(uprn, "inbound", today - timedelta(days=4, hours=n), tenant)
                for n in range(10)
            ),
            logged(uprn, "inbound", today - timedelta(days=3), member),
            logged(uprn, "inbound", today - timedelta(days=2)),
        ],
    )
    frequency, counted, reasons = await contact_factors(visits, uprn)
    assert (frequency, counted) == ("very_high", 12)
    assert "contact_very_high" in reasons
    assert (await stored(visits_database, uprn)).factors["contacts_last_12_months"] == 12


async def test_a_tenant_moving_on_still_called_from_the_home_they_lived_in(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """A tenant moving between the landlord's homes is put on the new home's tenancy
    when it is announced; their calls from the home they still live in are its
    household's (they are a tenant of its tenancy), however their profile moved."""
    uprn, elsewhere, tenancy, next_tenancy, tenant = (
        a_uprn(),
        a_uprn(),
        uuid.uuid4(),
        uuid.uuid4(),
        uuid.uuid4(),
    )
    today = datetime.now(UTC)
    await consume(
        visits_database,
        [
            registered(uprn),
            tenancy_of(uprn, tenancy, date(2015, 2, 2), tenant),
            tenancy_of(elsewhere, next_tenancy, (today + timedelta(days=30)).date(), tenant),
            moved_to(elsewhere, next_tenancy, tenant),
            logged(uprn, "inbound", today - timedelta(days=3), tenant),
        ],
    )

    assert (await contact_factors(visits, uprn))[:2] == ("usual", 1)


async def test_a_contact_kept_before_its_resident_was_takes_it_when_handled_again(
    visits: httpx.AsyncClient, visits_database: Database
) -> None:
    """A contact kept before visits kept who made it (migration 0021) counts as naming
    nobody; its contact-logged handled again (a rebuild of the projection) fills in the
    resident, and the former tenant's call stops counting."""
    uprn, earlier, later, former = a_uprn(), uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    today = datetime.now(UTC)
    await consume(
        visits_database,
        [
            registered(uprn),
            tenancy_of(uprn, earlier, date(2015, 2, 2), former),
            ended_on(uprn, earlier, (today - timedelta(days=70)).date()),
            tenancy_of(uprn, later, (today - timedelta(days=60)).date(), uuid.uuid4()),
        ],
    )
    call = logged(uprn, "inbound", today - timedelta(days=5), former)
    async with visits_database.sessionmaker() as session, session.begin():
        await save_contacts(
            session,
            [
                {
                    "contact_id": call.data.contact_id,
                    "uprn": uprn,
                    "contacted_at": call.data.contacted_at,
                }
            ],
        )
    assert (await contact_factors(visits, uprn))[:2] == ("usual", 1)

    await consume(visits_database, [call, call])

    assert (await contact_factors(visits, uprn))[:2] == ("usual", 0)
