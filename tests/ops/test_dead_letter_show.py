"""GET /admin/dead-letters/{id} (what `hearth dead-letters show` reads): one dead letter
with its origin, error, headers and data; 404 for an id that is none; a 422 outside the
BIGINT ids; and the count route keeps its own path."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import ClassVar

import httpx
import pytest
from asgi_lifespan import LifespanManager
from pydantic_settings import SettingsConfigDict
from sqlalchemy import select

from hearth_contracts import Envelope
from hearth_contracts.events.visits import VisitCompleted, VisitKind
from hearth_kit.app import create_service_app
from hearth_kit.db import Database
from hearth_kit.dead_letters import MAX_ID, DeadLetters
from hearth_kit.event_handlers import EventHandlers
from hearth_kit.inbox import Message
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import dead_letter, kit_metadata
from tests.harness.infra import DatabaseFactory
from tests.harness.tokens import InternalTokenAuth

pytestmark = pytest.mark.integration


class ShowSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_OPS_TEST_SHOW_", extra="ignore")
    service_name: ClassVar[str] = "repairs"


async def create_kit_tables(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)


@pytest.fixture(scope="module")
async def service(
    kafka: str, databases: DatabaseFactory
) -> AsyncIterator[tuple[httpx.AsyncClient, ShowSettings, Database]]:
    settings = ShowSettings(
        database_url=await databases.create("ops_dead_letter_show"),
        kafka_bootstrap_servers=kafka,
        kafka_namespace=f"t{uuid.uuid4().hex[:10]}",
        relay_enabled=False,
        consumer_enabled=False,
    )
    app = create_service_app(
        settings,
        title="r",
        description="r",
        handlers=EventHandlers(),
        on_startup=create_kit_tables,
    )
    async with (
        LifespanManager(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app),
            base_url="http://r",
            auth=InternalTokenAuth("repairs"),
        ) as client,
    ):
        yield client, settings, app.state.db


async def test_a_dead_letter_is_shown_with_its_headers_and_data(
    service: tuple[httpx.AsyncClient, ShowSettings, Database],
) -> None:
    admin, settings, db = service
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
    message = Message(
        topic="hearth.visits.events",
        partition=2,
        offset=41,
        key=envelope.key.encode(),
        value=envelope.value(),
        headers=tuple(envelope.headers()),
    )
    writer = DeadLetters(settings, db)
    try:
        await writer.write(message, RuntimeError("cannot take this visit"), attempts=4)
    finally:
        await writer.close()
    async with db.sessionmaker() as session:
        dead_letter_id = await session.scalar(
            select(dead_letter.c.id).where(dead_letter.c.event_id == str(envelope.id))
        )

    shown = await admin.get(f"/admin/dead-letters/{dead_letter_id}")
    assert shown.status_code == 200, shown.text
    body = shown.json()
    assert body["event_type"] == VisitCompleted.type
    assert (body["topic"], body["partition"], body["offset"]) == ("hearth.visits.events", 2, 41)
    assert body["message_key"] == "100023336956"
    assert ["ce_id", str(envelope.id)] in body["headers"]
    assert body["data"]["visit_id"] == str(envelope.data.visit_id)
    assert body["error"] == "RuntimeError: cannot take this visit"
    assert body["replayed_at"] is None


async def test_an_id_that_is_no_dead_letter_is_a_404_problem(
    service: tuple[httpx.AsyncClient, ShowSettings, Database],
) -> None:
    answer = await service[0].get(f"/admin/dead-letters/{MAX_ID}")
    assert answer.status_code == 404
    assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("dead_letter_id", [MAX_ID + 1, 0])
async def test_an_id_outside_the_bigint_ids_is_a_422(
    service: tuple[httpx.AsyncClient, ShowSettings, Database], dead_letter_id: int
) -> None:
    assert (await service[0].get(f"/admin/dead-letters/{dead_letter_id}")).status_code == 422


async def test_the_count_keeps_its_own_route(
    service: tuple[httpx.AsyncClient, ShowSettings, Database],
) -> None:
    answer = await service[0].get("/admin/dead-letters/count")
    assert answer.status_code == 200
    assert "unreplayed" in answer.json()
