"""CH01's denominator (residents.repository.homes_count): the homes let to tenants
(general needs, sheltered; not leasehold or shared ownership) registered by the end of
the period. Engagement keeps each home's tenure from property-registered and
property-updated (a right to buy sale), and when it was registered; rows kept before
it read them (migration 0011: registered_at from as_of, tenure null) are counted."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import bindparam, delete, text

from engagement.app import build_services
from engagement.handlers import on_properties_registered, on_properties_updated
from engagement.models import Home, HomeTenure
from engagement.residents import repository as residents
from engagement.settings import MIGRATIONS_DIR, EngagementSettings
from hearth_contracts.events.compliance import Tenure
from hearth_kit.db import AwareDateTime, Database
from hearth_kit.dead_letters import DeadLetters
from hearth_kit.inbox import Inbox, Message
from hearth_kit.migrations import upgrade
from hearth_kit.working_days import london_day
from services.engagement.tests.figures.homes import a_uprn, own_engagement, registered, updated
from tests.harness.infra import DatabaseFactory
from tests.harness.service import opened_database

NOW = datetime.now(UTC)
FAR = NOW + timedelta(days=3650)


@pytest.fixture(scope="module")
async def fresh(databases: DatabaseFactory) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    """homes_count counts every home in the database: this module has its own, and each
    test starts with no homes."""
    async with own_engagement(databases) as client_and_db:
        yield client_and_db


@pytest.fixture
async def db(fresh: tuple[httpx.AsyncClient, Database]) -> Database:
    async with fresh[1].sessionmaker() as session, session.begin():
        await session.execute(delete(Home))
        await session.execute(delete(HomeTenure))
    return fresh[1]


async def count(db: Database, before: datetime = FAR) -> int:
    async with db.sessionmaker() as session:
        return await residents.homes_count(session, registered_before=before)


async def test_only_homes_let_to_tenants_are_counted(db: Database) -> None:
    async with db.sessionmaker() as session, session.begin():
        await on_properties_registered(
            session, [registered(a_uprn(), tenure, NOW) for tenure in Tenure]
        )
    assert await count(db) == 2  # general needs and sheltered


async def test_a_right_to_buy_sale_takes_the_home_out_and_a_late_older_event_does_not(
    db: Database,
) -> None:
    uprn, other = a_uprn(), a_uprn()
    async with db.sessionmaker() as session, session.begin():
        await on_properties_registered(
            session,
            [
                registered(uprn, Tenure.GENERAL_NEEDS, NOW - timedelta(days=30)),
                registered(other, Tenure.SHELTERED, NOW - timedelta(days=30)),
            ],
        )
    assert await count(db) == 2
    async with db.sessionmaker() as session, session.begin():
        await on_properties_updated(session, [updated(uprn, Tenure.LEASEHOLD, NOW)])
    assert await count(db) == 1
    async with db.sessionmaker() as session, session.begin():
        # the registration again, and an older update, arriving late: nothing changes
        await on_properties_registered(
            session, [registered(uprn, Tenure.GENERAL_NEEDS, NOW - timedelta(days=30))]
        )
        await on_properties_updated(
            session, [updated(uprn, Tenure.GENERAL_NEEDS, NOW - timedelta(days=1))]
        )
    assert await count(db) == 1
    # the update kept when the home was registered; ten days before the sale it was let
    # (docs/adr/0085: CH01 counts the homes let as at the period's end)
    assert await count(db, before=NOW - timedelta(days=10)) == 2
    assert await count(db, before=NOW - timedelta(days=31)) == 0
    async with db.sessionmaker() as session:
        home = await session.get(Home, uprn)
        assert home is not None
        assert home.registered_at == NOW - timedelta(days=30)
        assert home.tenure is Tenure.LEASEHOLD


async def test_homes_registered_after_the_period_are_not_counted(db: Database) -> None:
    year_ago = NOW - timedelta(days=365)
    async with db.sessionmaker() as session, session.begin():
        await on_properties_registered(
            session,
            [
                registered(a_uprn(), Tenure.GENERAL_NEEDS, year_ago),
                registered(a_uprn(), Tenure.GENERAL_NEEDS, NOW - timedelta(days=2)),
                registered(a_uprn(), Tenure.GENERAL_NEEDS, NOW),
            ],
        )
    assert await count(db, before=year_ago) == 0  # registered at the period's end: after it
    assert await count(db, before=year_ago + timedelta(seconds=1)) == 1
    assert await count(db, before=NOW) == 2
    assert await count(db) == 3


async def test_the_figures_count_homes_as_at_the_periods_end(
    fresh: tuple[httpx.AsyncClient, Database], db: Database
) -> None:
    """The reviewer's year=2025-26 case: homes all registered now gave a past period a
    denominator of today's homes."""
    client = fresh[0]
    async with db.sessionmaker() as session, session.begin():
        await on_properties_registered(
            session,
            [
                registered(a_uprn(), Tenure.GENERAL_NEEDS, NOW),
                registered(a_uprn(), Tenure.LEASEHOLD, NOW),
            ],
        )
    today = london_day(NOW)  # the day the figures' periods count in (NOW.date() is UTC's)
    past = {
        "from": (today - timedelta(days=600)).isoformat(),
        "to": (today - timedelta(days=236)).isoformat(),
    }
    for params, homes in ((past, 0), ({"from": today.isoformat(), "to": today.isoformat()}, 1)):
        response = await client.get("/v1/engagement/figures", params=params)
        assert response.status_code == 200, response.text
        ch01 = {m["code"]: m for m in response.json()["measures"]}["CH01.1"]
        assert ch01["denominator"] == homes, params


async def test_homes_kept_before_tenure_was_read_are_counted(db: Database) -> None:
    """Rows from before migration 0011 (tenure unknown) and a home heard of only from
    property-updated (registration unknown) count as let, in every period."""
    async with db.sessionmaker() as session, session.begin():
        session.add(Home(uprn=a_uprn(), as_of=NOW, registered_at=NOW))
        await on_properties_updated(session, [updated(a_uprn(), Tenure.GENERAL_NEEDS, NOW)])
    assert await count(db, before=NOW - timedelta(days=1000)) == 1
    assert await count(db) == 2


async def test_migration_0011_fills_registered_at_from_as_of(databases: DatabaseFactory) -> None:
    url = await databases.create("engagement")
    await upgrade(MIGRATIONS_DIR, url, "0010")
    when = datetime(2026, 5, 1, 9, 30, tzinfo=UTC)
    async with opened_database(url) as db, db.sessionmaker() as session, session.begin():
        await session.execute(
            # Bound as the model binds it: on SQLite the stored text is what a later
            # comparison with a bound moment sorts by.
            text("INSERT INTO home (uprn, as_of) VALUES ('100', :when)").bindparams(
                bindparam("when", type_=AwareDateTime())
            ),
            {"when": when},
        )
    await upgrade(MIGRATIONS_DIR, url)
    async with opened_database(url) as db, db.sessionmaker() as session:
        home = await session.get(Home, "100")
        assert home is not None
        assert (home.registered_at, home.tenure) == (when, None)
        assert await residents.homes_count(session, registered_before=when) == 0
        assert await residents.homes_count(session, registered_before=FAR) == 1


async def test_a_registration_arriving_after_the_homes_update_still_dates_it(db: Database) -> None:
    """property-updated handled first (the registration dead-lettered and replayed, or
    a rebuilt topic), through the consumer's inbox: the registration is older than the
    update, so it leaves the tenure alone, but when the home joined the register is
    still kept, and a period before it does not count the home."""
    uprn = a_uprn()
    joined, sold = NOW - timedelta(days=30), NOW - timedelta(days=2)
    settings = EngagementSettings(environment="development")
    services = build_services(settings)
    inbox = Inbox(settings, db, services.handlers, DeadLetters(settings, db))
    for offset, envelope in enumerate(
        [updated(uprn, Tenure.GENERAL_NEEDS, sold), registered(uprn, Tenure.LEASEHOLD, joined)]
    ):
        async with db.sessionmaker() as session, session.begin():
            await inbox.apply(session, [(Message("t", 0, offset, None, None, ()), envelope)])
    async with db.sessionmaker() as session:
        home = await session.get(Home, uprn)
        assert home is not None
        assert (home.tenure, home.as_of, home.registered_at) == (Tenure.GENERAL_NEEDS, sold, joined)
    assert await count(db, before=joined - timedelta(days=1)) == 0
    assert await count(db) == 1
