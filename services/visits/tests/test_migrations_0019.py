"""Migration 0019: the rooms inspected before it hold no components (an empty list), rated
whole as they were; the room and its rating are untouched."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import bindparam, text
from sqlalchemy.types import JSON, Uuid

from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from services.visits.tests.test_migrations_0017 import a_visit
from tests.harness.infra import DatabaseFactory
from visits.settings import MIGRATIONS_DIR


async def test_the_rooms_kept_before_hold_no_components(databases: DatabaseFactory) -> None:
    url = await databases.create("visits_0019")
    await upgrade(MIGRATIONS_DIR, url, "0018")
    db = Database(url)
    at = datetime(2026, 3, 2, 10, tzinfo=UTC)
    visit = a_visit("100000000001", at, None)
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
