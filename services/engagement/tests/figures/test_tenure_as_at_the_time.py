"""CH01 counts the homes let to tenants as at the period's end, and TP01 to TP12 judge
each perception response by its home's tenure when it was given (docs/adr/0085): a
right to buy sale after a period leaves that period's figures as they were, and a home
that became let later is not counted in an earlier one. Events reach the handlers on
the real database, out of order and twice. Fixed past dates (2025)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlmodel import select

from engagement.handlers import on_properties_registered, on_properties_updated
from engagement.models import SINCE_EVER, Home, HomeTenure
from engagement.residents import repository as residents
from engagement.settings import MIGRATIONS_DIR
from hearth_contracts import Envelope
from hearth_contracts.events.compliance import PropertyRegistered, PropertyUpdated, Tenure
from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from services.engagement.tests.figures.homes import (
    a_uprn,
    own_engagement,
    perception_answered,
    registered,
    updated,
)
from tests.harness.infra import DatabaseFactory
from tests.harness.service import opened_database

REGISTERED = datetime(2025, 1, 6, 9, tzinfo=UTC)
JUNE = {"from": "2025-06-01", "to": "2025-06-30"}


@pytest.fixture
async def fresh(databases: DatabaseFactory) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    """Figures count every home and response in the database: each test has its own."""
    async with own_engagement(databases) as client_and_db:
        yield client_and_db


async def handled(
    db: Database, *events: Envelope[PropertyRegistered] | Envelope[PropertyUpdated]
) -> None:
    """Each event through its handler, one transaction each, in the order given."""
    for event in events:
        async with db.sessionmaker() as session, session.begin():
            if isinstance(event.data, PropertyRegistered):
                await on_properties_registered(session, [event])
            else:
                await on_properties_updated(session, [event])


async def answered(client: httpx.AsyncClient, uprn: str, rating: str) -> None:
    await perception_answered(client, uprn, rating, ["tp01_overall"])


async def june(client: httpx.AsyncClient) -> dict[str, tuple[int, int]]:
    figures = await client.get("/v1/engagement/figures", params=JUNE)
    assert figures.status_code == 200, figures.text
    return {m["code"]: (m["numerator"], m["denominator"]) for m in figures.json()["measures"]}


async def test_a_home_sold_after_the_period_still_counts_in_it(
    fresh: tuple[httpx.AsyncClient, Database],
) -> None:
    """The published June: a right to buy sale in August leaves the home in June's
    CH01 count and its June answer in TP01."""
    client, db = fresh
    sold = a_uprn()
    await handled(db, registered(sold, Tenure.GENERAL_NEEDS, REGISTERED))
    await answered(client, sold, "very_satisfied")
    before = await june(client)
    await handled(db, updated(sold, Tenure.LEASEHOLD, datetime(2025, 8, 1, 12, tzinfo=UTC)))
    after = await june(client)
    assert after["CH01.1"][1] == 1
    assert after["TP01"] == (1, 1)
    assert after == before


async def test_a_response_counts_by_the_homes_tenure_when_it_was_given(
    fresh: tuple[httpx.AsyncClient, Database],
) -> None:
    """One home became leasehold in June before its resident answered (and the landlord
    bought it back in September); another was leasehold in June and became let in
    September. Neither is let in June: both answers are left out of TP01 and neither home
    is in June's CH01, though both are let now. A home let throughout counts."""
    client, db = fresh
    sold_then_bought_back, bought_back, let = a_uprn(), a_uprn(), a_uprn()
    september = datetime(2025, 9, 1, 9, tzinfo=UTC)
    await handled(
        db,
        registered(sold_then_bought_back, Tenure.GENERAL_NEEDS, REGISTERED),
        updated(sold_then_bought_back, Tenure.LEASEHOLD, datetime(2025, 6, 5, 9, tzinfo=UTC)),
        updated(sold_then_bought_back, Tenure.GENERAL_NEEDS, september),
        registered(bought_back, Tenure.SHARED_OWNERSHIP, REGISTERED),
        updated(bought_back, Tenure.GENERAL_NEEDS, september),
        registered(let, Tenure.SHELTERED, REGISTERED),
    )
    await answered(client, sold_then_bought_back, "very_dissatisfied")
    await answered(client, bought_back, "very_dissatisfied")
    await answered(client, let, "fairly_satisfied")
    measures = await june(client)
    assert measures["TP01"] == (1, 1)
    assert measures["CH01.1"][1] == 1
    async with db.sessionmaker() as session:
        assert await residents.homes_count(session, registered_before=september) == 1
        assert await residents.homes_count(session, registered_before=datetime.now(UTC)) == 3


async def test_out_of_order_and_repeated_events_give_the_same_history(
    fresh: tuple[httpx.AsyncClient, Database],
) -> None:
    """The same register changes for two homes, one's handled in order, the other's
    backwards with each event twice (a replayed dead letter, a rebuilt topic, a
    republish): the same history, and the same count at every moment."""
    _client, db = fresh
    in_order, shuffled = a_uprn(), a_uprn()
    moments = [datetime(2025, m, 1, 9, tzinfo=UTC) for m in (2, 5, 9)]

    def changes(uprn: str) -> list[Envelope[PropertyRegistered] | Envelope[PropertyUpdated]]:
        return [
            registered(uprn, Tenure.GENERAL_NEEDS, REGISTERED),
            updated(uprn, Tenure.LEASEHOLD, moments[0]),
            updated(uprn, Tenure.GENERAL_NEEDS, moments[1]),
            updated(uprn, Tenure.SHARED_OWNERSHIP, moments[2]),
        ]

    await handled(db, *changes(in_order))
    backwards = list(reversed(changes(shuffled)))
    await handled(db, *backwards, *backwards)
    async with db.sessionmaker() as session:
        histories = await residents.tenure_histories(session, [in_order, shuffled])
        expected = [
            (REGISTERED, Tenure.GENERAL_NEEDS),
            (moments[0], Tenure.LEASEHOLD),
            (moments[1], Tenure.GENERAL_NEEDS),
            (moments[2], Tenure.SHARED_OWNERSHIP),
        ]
        assert histories == {in_order: expected, shuffled: expected}
        counts = [
            await residents.homes_count(
                session, registered_before=datetime(2025, m, 15, tzinfo=UTC)
            )
            for m in (1, 3, 6, 10)
        ]
    assert counts == [2, 0, 2, 0]


async def test_migration_0020_keeps_the_tenure_each_home_had_as_held_since_ever(
    databases: DatabaseFactory,
) -> None:
    """The moment a kept tenure began is not known: since ever, so every period's
    figures are the same after the upgrade as before it. A home of unknown tenure gets
    no history (counted as let, as before)."""
    url = await databases.create("engagement")
    await upgrade(MIGRATIONS_DIR, url, "0019")
    sold = datetime(2025, 8, 1, tzinfo=UTC)
    async with opened_database(url) as db, db.sessionmaker() as session, session.begin():
        # As 0019's handlers left them: a home sold in August, one of unknown tenure.
        session.add(Home(uprn="100", as_of=sold, tenure=Tenure.LEASEHOLD, registered_at=REGISTERED))
        session.add(Home(uprn="101", as_of=REGISTERED, registered_at=REGISTERED))
    await upgrade(MIGRATIONS_DIR, url)
    async with opened_database(url) as db, db.sessionmaker() as session:
        rows = (
            (
                await session.execute(
                    select(HomeTenure.uprn, HomeTenure.effective_from, HomeTenure.tenure)
                )
            )
            .tuples()
            .all()
        )
        assert list(rows) == [("100", SINCE_EVER, Tenure.LEASEHOLD)]
        # July's count as it was before the upgrade: the sold home out, the unknown one in
        july = datetime(2025, 7, 1, tzinfo=UTC)
        assert await residents.homes_count(session, registered_before=july) == 1
