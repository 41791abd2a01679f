"""The kit tables' versioned migrations on real data (PostgreSQL in CI, else SQLite).

Kit tables v4 makes a dead letter without a valid event id unique per (message,
consumer group); before it, each redelivery of such a message added a row, so the
upgrade first folds those copies into one. Run through a service's own migrations
(compliance's: 0007 is its v3, 0008 its v4), as a deployment runs them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alembic import command
from sqlalchemy import insert, select
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine

from compliance.settings import MIGRATIONS_DIR
from hearth_kit.migrations import alembic_config, upgrade
from hearth_kit.tables import dead_letter
from tests.harness.infra import DatabaseFactory
from tests.harness.service import migrated_database

BEFORE_V4 = "0007"


def letter(
    offset: int, *, event_id: str | None = None, replayed: bool = False
) -> dict[str, object]:
    now = datetime.now(UTC)
    return {
        "event_id": event_id,
        "event_type": None,
        "consumer_group": "compliance",
        "topic": "hearth.visits.events",
        "partition": 0,
        "offset": offset,
        "message_key": b"100023336956",
        "headers": [["ce_id", "x" * 10]],
        "payload": b"{}",
        "error": "Poison: bad ce_id",
        "attempts": 4,
        "dead_lettered_at": now,
        "replayed_at": now + timedelta(minutes=5) if replayed else None,
    }


async def test_upgrading_to_v4_folds_the_copies_of_a_dead_letter_without_an_event_id(
    databases: DatabaseFactory,
) -> None:
    url = await migrated_database(databases, "compliance")
    engine = create_async_engine(url)

    def downgrade(connection: Connection) -> None:
        config = alembic_config(MIGRATIONS_DIR, url)
        config.attributes["connection"] = connection
        command.downgrade(config, BEFORE_V4)

    try:
        async with engine.begin() as connection:
            await connection.run_sync(downgrade)
            await connection.execute(
                insert(dead_letter),
                [
                    letter(7),
                    letter(7, replayed=True),  # one copy of three was replayed
                    letter(7),
                    letter(8),  # another message: its own row
                    letter(9, event_id="5a0b8a2e-9e3c-4f57-9d0b-0d6d1c1e2f3a"),
                ],
            )
        await upgrade(MIGRATIONS_DIR, url)
        async with engine.connect() as connection:
            rows = (
                await connection.execute(
                    select(
                        dead_letter.c.id, dead_letter.c.offset, dead_letter.c.replayed_at
                    ).order_by(dead_letter.c.id)
                )
            ).all()
    finally:
        await engine.dispose()
    assert [row.offset for row in rows] == [7, 8, 9]
    assert rows[0].id == 1  # the earliest copy is kept
    assert rows[0].replayed_at is not None  # and marked replayed, as one copy was
    assert rows[1].replayed_at is None
