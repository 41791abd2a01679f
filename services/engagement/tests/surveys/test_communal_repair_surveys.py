"""Feedback from the whole block after a communal repair (DOMAIN.md: "for communal
repairs, feedback from the whole block"). Repairs' repair-completed says `communal:
true` with the block's UPRN as `uprn`; engagement keeps each home's block from the
asset register's property-registered and property-updated (versioned by the event's
own time) and invites one resident of each household in the block's homes, once per
repair, through the consumer's inbox as every event is handled (docs/adr/0044)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import event, func, select

from engagement.app import build_services
from engagement.models import Home, Message, SurveyInvitation
from engagement.settings import EngagementSettings
from engagement.surveys import service as surveys_service
from hearth_contracts import Envelope
from hearth_contracts.events.compliance import PropertyUpdated
from hearth_contracts.events.engagement import SurveyKind
from hearth_contracts.events.income import TenancyEnded
from hearth_contracts.events.repairs import RepairCompletedV2
from hearth_kit.db import Database
from hearth_kit.dead_letters import DeadLetters
from hearth_kit.inbox import Inbox
from hearth_kit.inbox import Message as Delivery
from services.engagement.tests.home_events import (
    ADDRESS_AND_STOCK,
    a_uprn,
    registered,
    repair_completed,
)

SETTINGS = EngagementSettings(environment="development")
HANDLERS = build_services(SETTINGS).handlers
NOW = datetime.now(UTC)


async def consume(
    db: Database, envelopes: Sequence[Envelope[Any]], *, one_at_a_time: bool = False
) -> None:
    """Apply events as engagement's consumer does: one partition's batch in one
    transaction, or each on its own (as after a batch failed)."""
    inbox = Inbox(SETTINGS, db, HANDLERS, DeadLetters(SETTINGS, db))
    batch = [(Delivery("t", 0, n, None, None, ()), e) for n, e in enumerate(envelopes)]
    for part in [[item] for item in batch] if one_at_a_time else [batch]:
        async with db.sessionmaker() as session, session.begin():
            await inbox.apply(session, part)


def updated(uprn: str, block_id: str | None, at: datetime) -> Envelope[PropertyUpdated]:
    return Envelope(
        data=PropertyUpdated.model_validate(
            {"uprn": uprn, **ADDRESS_AND_STOCK, "block_id": block_id, "updated_at": at.isoformat()}
        )
    )


def completed(uprn: str, *, communal: bool = True) -> RepairCompletedV2:
    return repair_completed(uprn, NOW, communal=communal, trade="electrical", source="home_visit")


async def a_resident(
    client: httpx.AsyncClient, uprn: str, tenancy_id: uuid.UUID | None = None, **details: Any
) -> str:
    response = await client.post(
        "/v1/residents",
        json={
            "full_name": "Sam",
            "preferred_channel": "letter",
            "person_id": str(uuid.uuid4()),  # a tenant: income's id (ADR 0118)
            "tenancy_id": str(tenancy_id or uuid.uuid4()),
            "uprn": uprn,
            **details,
        },
    )
    assert response.status_code == 201, response.text
    resident_id: str = response.json()["id"]
    return resident_id


async def invitations(db: Database, repair_id: uuid.UUID) -> dict[str, str]:
    """Each invited resident's home, by resident id, for the repair."""
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(SurveyInvitation.resident_id, SurveyInvitation.uprn).where(
                SurveyInvitation.about_id == repair_id,
                SurveyInvitation.survey == SurveyKind.COMMUNAL_REPAIR,
            )
        )
        found = rows.all()
    by_resident = {str(resident_id): uprn for resident_id, uprn in found}
    assert len(by_resident) == len(found), "a resident invited twice"
    return by_resident


async def survey_messages(db: Database, repair_id: uuid.UUID) -> list[Message]:
    async with db.sessionmaker() as session:
        query = select(Message).where(
            Message.source_id == repair_id, Message.template == "survey_invitation"
        )
        return list((await session.execute(query)).scalars().all())


async def test_a_communal_repair_invites_one_resident_of_each_household_in_the_block_once(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """The block's homes, each asked once however often the event arrives (redelivered
    in a batch, on its own, re-published under a new event id): in a home of two the
    one registered first (as the home's other letters list them), by their preferred
    channel; a former tenant is not asked, and neither is anyone in another block or
    at the block's own UPRN."""
    block, other_block = a_uprn(), a_uprn()
    shared, emailing, left, elsewhere = a_uprn(), a_uprn(), a_uprn(), a_uprn()
    await consume(
        engagement_database,
        [
            registered(shared, block, NOW - timedelta(days=400)),
            registered(emailing, block, NOW - timedelta(days=400)),
            registered(left, block, NOW - timedelta(days=400)),
            registered(elsewhere, other_block, NOW - timedelta(days=400)),
        ],
    )
    first = await a_resident(engagement, shared)
    second = await a_resident(engagement, shared)
    by_email = await a_resident(
        engagement, emailing, preferred_channel="email", email="sam@example.org"
    )
    moved_out_tenancy = uuid.uuid4()
    moved_out = await a_resident(engagement, left, moved_out_tenancy)
    moved_in = await a_resident(engagement, left)
    await a_resident(engagement, elsewhere)
    await consume(
        engagement_database,
        [
            Envelope(
                data=TenancyEnded(
                    tenancy_id=moved_out_tenancy,
                    uprn=left,
                    end_date=date(2026, 10, 4),
                    reason="notice_given",
                    closing_balance_pence=0,
                )
            )
        ],
    )
    repair = completed(block)
    await consume(engagement_database, [Envelope(data=repair), Envelope(data=repair)])
    await consume(engagement_database, [Envelope(data=repair)], one_at_a_time=True)

    assert await invitations(engagement_database, repair.repair_id) == {
        first: shared,
        by_email: emailing,
        moved_in: left,
    }
    messages = {
        str(m.resident_id): m for m in await survey_messages(engagement_database, repair.repair_id)
    }
    assert set(messages) == {first, by_email, moved_in}
    assert second not in messages
    assert moved_out not in messages
    assert "communal repair" in messages[first].body
    assert (messages[by_email].channel, messages[by_email].recipient) == (
        "email",
        "sam@example.org",
    )
    assert messages[first].channel == "letter"


async def test_a_household_asked_once_is_not_asked_again_through_another_resident(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """The re-published repair after the one asked moved out: the household was asked
    about this repair already, and its new first resident is not asked too."""
    block, home = a_uprn(), a_uprn()
    await consume(engagement_database, [registered(home, block, NOW - timedelta(days=400))])
    tenancy = uuid.uuid4()
    asked = await a_resident(engagement, home, tenancy)
    await a_resident(engagement, home)
    repair = completed(block)
    await consume(engagement_database, [Envelope(data=repair)])
    await consume(
        engagement_database,
        [
            Envelope(
                data=TenancyEnded(
                    tenancy_id=tenancy,
                    uprn=home,
                    end_date=date(2026, 10, 4),
                    reason="notice_given",
                    closing_balance_pence=0,
                )
            ),
            Envelope(data=repair),
        ],
    )
    assert await invitations(engagement_database, repair.repair_id) == {asked: home}


async def test_the_block_is_kept_under_the_version_of_the_asset_registers_entry(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """A home moved out of the block by a correction is not asked; an older entry
    arriving late does not put it back; a home put in the block by an update is."""
    block = a_uprn()
    moved_away, moved_here = a_uprn(), a_uprn()
    await consume(
        engagement_database,
        [
            registered(moved_away, block, NOW - timedelta(days=30)),
            registered(moved_here, None, NOW - timedelta(days=30)),
            updated(moved_away, a_uprn(), NOW - timedelta(days=1)),
            updated(moved_here, block, NOW - timedelta(days=1)),
        ],
    )
    await consume(  # late, older: changes nothing
        engagement_database,
        [
            updated(moved_away, block, NOW - timedelta(days=2)),
            registered(moved_here, None, NOW - timedelta(days=30)),
        ],
        one_at_a_time=True,
    )
    async with engagement_database.sessionmaker() as session:
        home = await session.get(Home, moved_here)
        assert home is not None
        assert home.block_id == block
    away = await a_resident(engagement, moved_away)
    here = await a_resident(engagement, moved_here)
    repair = completed(block)
    await consume(engagement_database, [Envelope(data=repair)])
    invited = await invitations(engagement_database, repair.repair_id)
    assert invited == {here: moved_here}
    assert away not in invited


async def test_a_home_whose_block_is_announced_after_the_repair_is_not_asked(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """The repair is surveyed once, when it completes: the block's homes engagement
    knows then are asked (docs/adr/0044)."""
    block, home = a_uprn(), a_uprn()
    resident = await a_resident(engagement, home)
    repair = completed(block)
    await consume(engagement_database, [Envelope(data=repair)])
    await consume(engagement_database, [registered(home, block, NOW)])
    assert await invitations(engagement_database, repair.repair_id) == {}
    messages = (await engagement.get(f"/v1/residents/{resident}/messages")).json()["items"]
    assert messages == []


async def test_a_repair_not_communal_still_invites_its_homes_household(
    engagement: httpx.AsyncClient, engagement_database: Database
) -> None:
    """A flat's own repair is the flat's: its household is asked about a `repair`, and
    the flat's neighbours in the block are not."""
    block, flat, neighbour = a_uprn(), a_uprn(), a_uprn()
    await consume(
        engagement_database,
        [registered(flat, block, NOW), registered(neighbour, block, NOW)],
    )
    tenant = await a_resident(engagement, flat)
    await a_resident(engagement, neighbour)
    repair = completed(flat, communal=False)
    await consume(engagement_database, [Envelope(data=repair)])
    assert await invitations(engagement_database, repair.repair_id) == {}
    [message] = await survey_messages(engagement_database, repair.repair_id)
    assert str(message.resident_id) == tenant


async def test_a_large_block_is_asked_in_batches_not_a_statement_per_home(
    engagement: httpx.AsyncClient,
    engagement_database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Hundreds of homes in a block: the invitations are chosen, kept and written a
    batch of homes at a time, so the statements run do not grow with the homes of one
    batch (here a batch of 4, two blocks of 3 and 8 homes)."""
    monkeypatch.setattr(surveys_service, "BLOCK_BATCH", 4)
    small, large = a_uprn(), a_uprn()
    homes = {small: [a_uprn() for _ in range(3)], large: [a_uprn() for _ in range(8)]}
    await consume(
        engagement_database,
        [registered(home, block, NOW) for block, its in homes.items() for home in its],
    )
    residents = {
        block: {await a_resident(engagement, h) for h in its} for block, its in homes.items()
    }

    statements: dict[str, int] = {}
    for block in homes:
        repair = completed(block)
        count = 0

        def counted(*_: object) -> None:
            nonlocal count
            count += 1

        engine = engagement_database.engine.sync_engine
        event.listen(engine, "before_cursor_execute", counted)
        try:
            await consume(engagement_database, [Envelope(data=repair)])
        finally:
            event.remove(engine, "before_cursor_execute", counted)
        statements[block] = count
        assert set(await invitations(engagement_database, repair.repair_id)) == residents[block]
        async with engagement_database.sessionmaker() as session:
            written = await session.scalar(
                select(func.count()).where(Message.source_id == repair.repair_id)
            )
        assert written == len(homes[block])
    # 1 batch of 3 homes, 2 batches of 4 and a last empty look: a few statements more
    # per batch, never one per home
    assert statements[large] - statements[small] <= 2 * 3
