"""Residents who were on engagement's books before 0010: migration 0012 fills the start
date of the tenancy they are on from engagement's own tenancy table (so an older
tenancy-started arriving late no longer moves them back) and their tenancy history;
ends engagement ignored before 0010 come back by replaying income's topic through the
handlers (what `hearth projection rebuild --service engagement --topic
hearth.income.events` does), which also fills the history of earlier tenancies."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import insert, inspect, select
from sqlalchemy.ext.asyncio import create_async_engine

from engagement.app import build_services
from engagement.models import Resident, Tenancy, TenancyTenant
from engagement.residents import repository as residents
from engagement.settings import MIGRATIONS_DIR, EngagementSettings
from hearth_contracts import Envelope, Event
from hearth_contracts.events.income import TenancyStartedV2
from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from tests.harness.infra import DatabaseFactory

from .test_tenancy_ended import a_uprn, ended, started


def a_resident_before_0010(person: uuid.UUID, tenancy: TenancyStartedV2) -> dict[str, Any]:
    """A resident as 0009's engagement kept them: on a tenancy, no dates."""
    return {
        "id": person,
        "tenancy_id": tenancy.tenancy_id,
        "uprn": tenancy.uprn,
        "full_name": "",
        "preferred_channel": "letter",
        "language": "en",
        "format_needs": [],
        "accessibility_needs": [],
        "details_to_follow_up": [],
        "registered_at": datetime(2024, 1, 1, tzinfo=UTC),
        "version": 1,
    }


async def replay(db: Database, *events: Event) -> None:
    """Apply events through the handlers the app wires (as a projection rebuild does),
    one transaction each, in topic order."""
    handlers = build_services(EngagementSettings()).handlers
    for event in events:
        handler = handlers.get(event.type)
        assert handler is not None, event.type
        async with db.sessionmaker() as session, session.begin():
            await handler(session, Envelope(data=event))


async def test_0012_fills_start_dates_and_history_and_old_ends_come_back_by_replay(
    databases: DatabaseFactory,
) -> None:
    url = await databases.create("engagement_0012")
    await upgrade(MIGRATIONS_DIR, url, "0011")
    home_a, home_b, home_c = a_uprn(), a_uprn(), a_uprn()
    mover, former, stays = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    old_a = started(home_a, date(2015, 3, 2), mover)  # the mover's tenancy before B
    at_b = started(home_b, date(2021, 6, 7), mover)
    at_c = started(home_c, date(2019, 9, 2), former, stays)
    engine = create_async_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                insert(inspect(Tenancy).local_table),
                [
                    {
                        "tenancy_id": t.tenancy_id,
                        "uprn": t.uprn,
                        "tenancy_reference": t.tenancy_reference,
                        "start_date": t.start_date,
                        "as_of": datetime(2024, 1, 1, tzinfo=UTC),
                    }
                    for t in (old_a, at_b, at_c)
                ],
            )
            await connection.execute(
                insert(inspect(Resident).local_table),
                [
                    a_resident_before_0010(mover, at_b),
                    a_resident_before_0010(former, at_c),
                    a_resident_before_0010(stays, at_c),
                ],
            )
    finally:
        await engine.dispose()
    await upgrade(MIGRATIONS_DIR, url)

    db = Database(url)
    try:
        async with db.sessionmaker() as session:
            kept = {r.id: r for r in (await session.execute(select(Resident))).scalars()}
            history = {
                (t.resident_id, t.tenancy_id, t.uprn)
                for t in (await session.execute(select(TenancyTenant))).scalars()
            }
        assert {p: kept[p].tenancy_started_on for p in kept} == {
            mover: date(2021, 6, 7),
            former: date(2019, 9, 2),
            stays: date(2019, 9, 2),
        }
        assert history == {
            (mover, at_b.tenancy_id, home_b),
            (former, at_c.tenancy_id, home_c),
            (stays, at_c.tenancy_id, home_c),
        }

        # A late tenancy-started of the mover's older tenancy (another partition, a
        # replayed dead letter) leaves them where they are.
        await replay(db, old_a)
        async with db.sessionmaker() as session:
            late = await residents.get(session, mover)
            assert late is not None
            assert (late.tenancy_id, late.uprn, late.version) == (at_b.tenancy_id, home_b, 1)

        # Income's topic replayed from the start: the mover's older tenancy never takes
        # them back to A, but A joins their history; the end engagement ignored before
        # 0010 reaches the tenancy's tenants. Twice: a rebuild can be run again.
        topic = (old_a, ended(old_a, date(2021, 6, 6)), at_b, at_c, ended(at_c, date(2023, 1, 8)))
        for _ in range(2):
            await replay(db, *topic)
        async with db.sessionmaker() as session:
            now = {r.id: r for r in (await session.execute(select(Resident))).scalars()}
            assert (now[mover].uprn, now[mover].tenancy_ended_on) == (home_b, None)
            assert now[former].tenancy_ended_on == now[stays].tenancy_ended_on == date(2023, 1, 8)
            assert await residents.on_home(session, home_c, date(2026, 12, 1)) == []
            at_b_now = await residents.on_home(session, home_b, date(2026, 12, 1))
            assert {r.id for r in at_b_now} == {mover}
            assert await residents.was_tenant_of(session, mover, home_a)
            assert not await residents.was_tenant_of(session, former, home_a)
    finally:
        await db.dispose()
