"""Migration 0019: the rooms inspected before it hold no components (an empty list), rated
whole as they were; the room and its rating are untouched."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, text
from sqlalchemy.types import JSON, Uuid

from hearth_contracts.events.visits import VisitChannel, VisitKind
from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from tests.harness.infra import DatabaseFactory
from visits.models import Visit, VisitStatus
from visits.settings import MIGRATIONS_DIR


async def test_the_rooms_kept_before_hold_no_components(databases: DatabaseFactory) -> None:
    url = await databases.create("visits_0019")
    await upgrade(MIGRATIONS_DIR, url, "0018")
    db = Database(url)
    at = datetime(2026, 3, 2, 10, tzinfo=UTC)
    visit = Visit(
        id=uuid.uuid4(),
        uprn="100000000001",
        kind=VisitKind.FULL,
        channel=VisitChannel.IN_HOME,
        status=VisitStatus.COMPLETED,
        scheduled_for=at,
        scheduled_end=at + timedelta(hours=1),
        scheduled_at=at,
        visited_at=at,
    )
    try:
        async with db.sessionmaker() as session, session.begin():
            session.add(visit)
        async with db.engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO visit_room (id, visit_id, position, room, condition, photos) "
                    "VALUES (:id, :visit_id, 0, 'kitchen', 'fair', '[]')"
                ).bindparams(bindparam("id", type_=Uuid()), bindparam("visit_id", type_=Uuid())),
                {"id": uuid.uuid4(), "visit_id": visit.id},
            )
        await upgrade(MIGRATIONS_DIR, url)
        async with db.engine.connect() as connection:
            rows = (
                await connection.execute(
                    text("SELECT room, condition, components FROM visit_room").columns(
                        components=JSON()
                    )
                )
            ).all()
        assert [tuple(row) for row in rows] == [("kitchen", "fair", [])]
    finally:
        await db.dispose()
