"""Migration 0018: home_tenure starts with each home's tenure today, in force from the
start of time (ADR 0130: visits never kept when a tenure took effect), so every past
period is counted as before the migration; a home whose tenure visits has not heard gets
no row (in the programme, as before)."""

from __future__ import annotations

from sqlalchemy import text

from hearth_kit.db import AwareDateTime, Database
from hearth_kit.migrations import upgrade
from tests.harness.infra import DatabaseFactory
from visits.models import SINCE_EVER
from visits.settings import MIGRATIONS_DIR


async def test_each_homes_tenure_today_is_its_tenure_from_the_start_of_time(
    databases: DatabaseFactory,
) -> None:
    url = await databases.create("visits_0018")
    await upgrade(MIGRATIONS_DIR, url, "0017")
    db = Database(url)
    try:
        async with db.engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO home_profile (uprn, tenure) VALUES ('100000000001', "
                    "'leasehold'), ('100000000002', 'general_needs'), ('100000000003', NULL)"
                )
            )
        await upgrade(MIGRATIONS_DIR, url)
        async with db.engine.connect() as connection:
            rows = (
                await connection.execute(
                    text(
                        "SELECT uprn, effective_from, tenure FROM home_tenure ORDER BY uprn"
                    ).columns(effective_from=AwareDateTime())
                )
            ).all()
        assert [tuple(row) for row in rows] == [
            ("100000000001", SINCE_EVER, "leasehold"),
            ("100000000002", SINCE_EVER, "general_needs"),
        ]
    finally:
        await db.dispose()
