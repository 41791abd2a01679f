"""A stored response is gone soon after its 24 hours, however quiet the service: the
responses hold what the request created (a resident's name and contact details, a
tenant's), which is kept for the retry window and no longer. Storing a response purges
some expired ones; every service's scheduler also purges them, so a service with no
keyed write for a week does not keep last week's responses. On the configured database
(PostgreSQL in CI) and on SQLite."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import ClassVar

import pytest
from pydantic_settings import SettingsConfigDict
from sqlalchemy import func, insert, select

from hearth_kit.app import Runtime
from hearth_kit.consumer import EventHandlers
from hearth_kit.db import Database
from hearth_kit.idempotency import KEY_LIFETIME, PURGE_BATCH
from hearth_kit.scheduler import run_until_done
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import idempotency_record


class QuietSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_KIT_TEST_QUIET_", extra="ignore")
    service_name: ClassVar[str] = "quiet"


@pytest.fixture
def database(each_kind_of_database: Database) -> Database:
    return each_kind_of_database


def a_record(key: str, created_at: datetime) -> dict[str, object]:
    return {
        "key": key,
        "scope": "officer-1 POST /v1/residents",
        "request_hash": "0" * 64,
        "status_code": 201,
        "response_body": {"full_name": "Ada Okafor", "phone": "07700 900123"},
        "headers": {},
        "created_at": created_at,
    }


async def keys_left(db: Database) -> set[str]:
    async with db.engine.connect() as connection:
        return set((await connection.execute(select(idempotency_record.c.key))).scalars())


async def test_every_services_scheduler_purges_expired_responses_with_no_write_arriving(
    database: Database,
) -> None:
    now = datetime.now(UTC)
    expired = [f"expired-{n}" for n in range(PURGE_BATCH + 5)]  # more than one batch
    async with database.engine.begin() as connection:
        await connection.execute(
            insert(idempotency_record),
            [
                a_record(key, now - KEY_LIFETIME - timedelta(minutes=n + 1))
                for n, key in enumerate(expired)
            ]
            + [a_record("fresh", now - KEY_LIFETIME + timedelta(minutes=5))],
        )
    runtime = Runtime(
        QuietSettings(database_url=str(database.engine.url)), database, EventHandlers()
    )

    for job in runtime.scheduler.jobs:  # what the scheduler runs each interval
        await run_until_done(database, job, now, service="quiet")

    assert await keys_left(database) == {"fresh"}
    async with database.engine.connect() as connection:
        count = select(func.count()).select_from(idempotency_record)
        assert (await connection.execute(count)).scalar_one() == 1
