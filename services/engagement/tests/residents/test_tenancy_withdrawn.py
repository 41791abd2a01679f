"""ADR 0111: income withdraws a tenancy recorded ahead before its first day (the offer
fell through). Its tenants never lived in its home: none of them is its household on
any day, so its letters go to the next household; a tenant moving from another of the
landlord's homes, put on the withdrawn tenancy from its announcement, is back on the
tenancy they still hold, at their home; and a tenancy-started handled after the
withdrawal (a replayed dead letter) moves nobody."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from engagement.handlers import on_tenancy_started, on_tenancy_withdrawn
from engagement.models import Resident
from engagement.residents import repository as residents
from hearth_contracts import Envelope
from hearth_contracts.events.income import TenancyStartedV2, TenancyWithdrawn
from hearth_kit.db import Database
from services.engagement.tests.residents.test_tenancy_ended import a_uprn, handle, started

START = date(2027, 1, 11)
AFTER = date(2027, 2, 1)


def withdrawn(tenancy: TenancyStartedV2) -> Envelope[Any]:
    return Envelope(
        data=TenancyWithdrawn(
            tenancy_id=tenancy.tenancy_id,
            uprn=tenancy.uprn,
            start_date=tenancy.start_date,
            withdrawn_at=datetime(2026, 12, 1, 12, tzinfo=UTC),
        )
    )


async def living_at(db: Database, uprn: str, day: date) -> set[uuid.UUID]:
    async with db.sessionmaker() as session:
        return {r.id for r in await residents.on_home(session, uprn, day)}


async def resident(db: Database, person: uuid.UUID) -> Resident:
    async with db.sessionmaker() as session:
        found = await session.get(Resident, person)
    assert found is not None
    return found


async def test_a_withdrawn_tenancys_household_never_lives_in_its_home(
    engagement_database: Database,
) -> None:
    uprn, offered_to, next_household = a_uprn(), uuid.uuid4(), uuid.uuid4()
    offer = started(uprn, START, offered_to)
    await handle(engagement_database, on_tenancy_started, Envelope(data=offer))
    assert await living_at(engagement_database, uprn, AFTER) == {offered_to}

    await handle(engagement_database, on_tenancy_withdrawn, withdrawn(offer))
    await handle(engagement_database, on_tenancy_withdrawn, withdrawn(offer))  # again
    assert await living_at(engagement_database, uprn, AFTER) == set()

    nxt = started(uprn, date(2026, 12, 14), next_household)
    await handle(engagement_database, on_tenancy_started, Envelope(data=nxt))
    assert await living_at(engagement_database, uprn, AFTER) == {next_household}


async def test_a_tenant_moving_home_is_back_on_the_tenancy_they_still_hold(
    engagement_database: Database,
) -> None:
    home, offered_home, mover = a_uprn(), a_uprn(), uuid.uuid4()
    held = started(home, date(2020, 1, 6), mover)
    await handle(engagement_database, on_tenancy_started, Envelope(data=held))
    move = started(offered_home, START, mover)
    await handle(engagement_database, on_tenancy_started, Envelope(data=move))
    assert (await resident(engagement_database, mover)).tenancy_id == move.tenancy_id

    await handle(engagement_database, on_tenancy_withdrawn, withdrawn(move))

    back = await resident(engagement_database, mover)
    assert (back.tenancy_id, back.uprn, back.tenancy_started_on, back.tenancy_ended_on) == (
        held.tenancy_id,
        home,
        date(2020, 1, 6),
        None,
    )
    assert await living_at(engagement_database, home, AFTER) == {mover}
    assert await living_at(engagement_database, offered_home, AFTER) == set()


async def test_a_start_handled_after_its_withdrawal_moves_nobody(
    engagement_database: Database,
) -> None:
    home, offered_home, mover = a_uprn(), a_uprn(), uuid.uuid4()
    held = started(home, date(2020, 1, 6), mover)
    await handle(engagement_database, on_tenancy_started, Envelope(data=held))
    move = started(offered_home, START, mover)

    await handle(engagement_database, on_tenancy_withdrawn, withdrawn(move))
    await handle(engagement_database, on_tenancy_started, Envelope(data=move))

    assert (await resident(engagement_database, mover)).tenancy_id == held.tenancy_id
    assert await living_at(engagement_database, home, AFTER) == {mover}
    assert await living_at(engagement_database, offered_home, AFTER) == set()
