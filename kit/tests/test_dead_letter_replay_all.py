"""`hearth dead-letters replay --all` replays every dead letter waiting, however many
pages they fill, oldest first, on a real database through a service's own /admin routes
(served over HTTP, as the command calls them): one that fails again stays a dead letter,
is counted and does not make the walk go round again. The page size is small here so
that a few rows fill several pages."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import ClassVar

import httpx
import pytest
from pydantic_settings import SettingsConfigDict
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from typer.testing import CliRunner

from hearth_contracts import Envelope
from hearth_contracts.events.visits import VisitCompleted, VisitKind
from hearth_kit.app import create_service_app
from hearth_kit.cli import build_app
from hearth_kit.db import Database
from hearth_kit.event_handlers import EventHandlers
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import dead_letter, kit_metadata
from tests.harness.infra import DatabaseFactory
from tests.harness.platform import RunningApp, serve, stop
from tests.harness.tokens import InternalTokenAuth

pytestmark = pytest.mark.integration


class RepairsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_KIT_TEST_REPAIRS_", extra="ignore")
    service_name: ClassVar[str] = "repairs"


handlers = EventHandlers()
handled: list[uuid.UUID] = []
"""The visits the handler took, in the order it took them."""
refused: set[uuid.UUID] = set()
"""Visits whose handling still fails (their cause not fixed)."""


@handlers.on(VisitCompleted)
async def take_visit(session: AsyncSession, envelope: Envelope[VisitCompleted]) -> None:
    if envelope.data.visit_id in refused:
        raise RuntimeError(f"cannot take visit {envelope.data.visit_id}")
    handled.append(envelope.data.visit_id)


async def create_kit_tables(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)


@pytest.fixture
async def service(kafka: str, databases: DatabaseFactory) -> AsyncIterator[RunningApp]:
    """A service with its /admin routes on a localhost port, consumer not running."""
    settings = RepairsSettings(
        database_url=await databases.create("kit_replay_all"),
        kafka_bootstrap_servers=kafka,
        relay_enabled=False,
        consumer_enabled=False,
    )
    app = create_service_app(
        settings, title="r", description="r", handlers=handlers, on_startup=create_kit_tables
    )
    running = await serve("repairs", app)
    try:
        yield running
    finally:
        await stop(running)


def db_of(running: RunningApp) -> Database:
    db: Database = running.app.state.db
    return db


async def dead_letters(running: RunningApp, count: int) -> list[uuid.UUID]:
    """`count` dead letters of completed visits, oldest first; their visits' ids."""
    visits = []
    async with db_of(running).sessionmaker() as session, session.begin():
        for offset in range(count):
            envelope = Envelope(
                data=VisitCompleted(
                    visit_id=uuid.uuid4(),
                    uprn="100023336956",
                    kind=VisitKind.FULL,
                    completed_at=datetime.now(UTC),
                    repairs_found=0,
                    hazards_found=0,
                )
            )
            await session.execute(
                insert(dead_letter).values(
                    event_id=str(envelope.id),
                    event_type=envelope.type,
                    consumer_group="repairs",
                    topic="hearth.visits.events",
                    partition=0,
                    offset=offset,
                    message_key=envelope.key.encode(),
                    headers=[(k, v.decode()) for k, v in envelope.headers()],
                    payload=envelope.value(),
                    error="RuntimeError: handler bug, since fixed",
                    attempts=4,
                    dead_lettered_at=datetime.now(UTC),
                )
            )
            visits.append(envelope.data.visit_id)
    return visits


async def waiting(running: RunningApp) -> int:
    async with db_of(running).sessionmaker() as session:
        rows = await session.execute(
            select(dead_letter.c.id).where(dead_letter.c.replayed_at.is_(None))
        )
        return len(rows.all())


def replay_all(running: RunningApp, page_size: int) -> tuple[int, str]:
    result = CliRunner().invoke(
        build_app(registered=[]),
        [
            "dead-letters",
            "replay",
            "--service",
            "repairs",
            "--url",
            running.url,
            "--all",
            "--page-size",
            str(page_size),
        ],
        env={"COLUMNS": "250"},
    )
    return result.exit_code, result.output


async def test_replay_all_replays_every_page_oldest_first(service: RunningApp) -> None:
    visits = await dead_letters(service, 7)
    handled.clear()

    code, out = await asyncio.to_thread(replay_all, service, 3)

    assert code == 0, out
    assert "replayed 7 of 7 dead letters of repairs" in out
    assert handled == visits
    assert await waiting(service) == 0


async def test_one_that_fails_again_is_counted_once_and_the_walk_ends(
    service: RunningApp,
) -> None:
    visits = await dead_letters(service, 7)
    refused.update({visits[1], visits[5]})
    handled.clear()
    try:
        code, out = await asyncio.to_thread(replay_all, service, 2)
    finally:
        refused.clear()

    assert code == 1, out
    assert "replayed 5 of 7 dead letters of repairs" in out
    assert handled == [v for v in visits if v not in {visits[1], visits[5]}]
    assert await waiting(service) == 2


async def test_the_list_pages_oldest_first_after_an_id(service: RunningApp) -> None:
    await dead_letters(service, 5)
    async with httpx.AsyncClient(base_url=service.url, auth=InternalTokenAuth("repairs")) as admin:
        newest_first = (await admin.get("/admin/dead-letters", params={"limit": 5})).json()
        ids = sorted(row["id"] for row in newest_first)
        assert [row["id"] for row in newest_first] == ids[::-1]

        first = (await admin.get("/admin/dead-letters", params={"after": 0, "limit": 2})).json()
        second = (
            await admin.get("/admin/dead-letters", params={"after": ids[1], "limit": 2})
        ).json()
        last = (await admin.get("/admin/dead-letters", params={"after": ids[3]})).json()
        beyond = (await admin.get("/admin/dead-letters", params={"after": ids[4]})).json()
        refused_cursor = await admin.get("/admin/dead-letters", params={"after": -1})

    assert [row["id"] for row in first + second + last] == ids
    assert beyond == []
    assert refused_cursor.status_code == 422
