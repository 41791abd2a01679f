from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlmodel import select

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import PropertyRegistered
from hearth_kit.db import Database
from income.handlers import on_property_registered
from income.models import Home


def property_registered(uprn: str, **overrides: object) -> PropertyRegistered:
    return PropertyRegistered.model_validate(
        {
            "uprn": uprn,
            "address_line_1": "12 Mare Street",
            "town": "London",
            "postcode": "E8 1DY",
            "property_type": "flat",
            "heating_fuel": "gas",
            "gas_supply": "live",
            "registered_at": datetime.now(UTC),
            **overrides,
        }
    )


async def homes(db: Database, uprn: str) -> list[Home]:
    async with db.sessionmaker() as session:
        return list((await session.execute(select(Home).where(Home.uprn == uprn))).scalars())


async def test_a_registered_property_is_kept_once_however_often_it_is_handled(
    income_database: Database,
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    envelope = Envelope(data=property_registered(uprn))
    for _ in range(2):
        async with income_database.sessionmaker() as session, session.begin():
            await on_property_registered(session, envelope)
    [home] = await homes(income_database, uprn)
    assert (home.uprn, home.postcode, home.address_line_1) == (uprn, "E8 1DY", "12 Mare Street")


async def test_a_property_registered_again_replaces_the_projected_address(
    income_database: Database,
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    async with income_database.sessionmaker() as session, session.begin():
        await on_property_registered(session, Envelope(data=property_registered(uprn)))
    async with income_database.sessionmaker() as session, session.begin():
        await on_property_registered(
            session,
            Envelope(
                data=property_registered(
                    uprn, address_line_1="Flat 3, 1 Dalston Lane", postcode="E8 3AZ"
                )
            ),
        )
    [home] = await homes(income_database, uprn)
    assert (home.postcode, home.address_line_1) == ("E8 3AZ", "Flat 3, 1 Dalston Lane")


async def test_an_older_registration_arriving_late_does_not_overwrite_a_newer_address(
    income_database: Database,
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    newer = property_registered(
        uprn, postcode="E8 3AZ", registered_at=datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
    )
    older = property_registered(
        uprn, postcode="E8 1DY", registered_at=datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    )
    for event in (newer, older):
        async with income_database.sessionmaker() as session, session.begin():
            await on_property_registered(session, Envelope(data=event))
    [home] = await homes(income_database, uprn)
    assert (home.postcode, home.as_of) == ("E8 3AZ", newer.registered_at)
