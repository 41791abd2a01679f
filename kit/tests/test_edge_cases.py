"""Edge cases: malformed cursors and bodies, and the replay endpoint's answer."""

from __future__ import annotations

import base64
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import ClassVar

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from pydantic import BaseModel
from pydantic_settings import SettingsConfigDict
from sqlalchemy import insert

from hearth_contracts import Envelope, events_topic
from hearth_contracts.events.visits import VisitCompleted, VisitKind
from hearth_kit.app import create_service_app
from hearth_kit.consumer import EventHandlers
from hearth_kit.db import Database
from hearth_kit.pagination import PageDep, decode_cursor
from hearth_kit.problems import Unprocessable, install_problem_handlers
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import dead_letter, kit_metadata
from tests.harness.infra import DatabaseFactory
from tests.harness.tokens import InternalTokenAuth


class HomeCreate(BaseModel):
    uprn: str


def an_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/homes")
    async def register_home(home: HomeCreate) -> dict[str, str]:
        return {"uprn": home.uprn}

    @app.get("/homes")
    async def list_homes(page: PageDep) -> dict[str, object]:
        return {"after": page.after_as(str)}

    return app


@pytest.fixture(scope="module")
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(an_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        yield client


async def test_a_bad_cursor_is_named_as_a_query_parameter(client: httpx.AsyncClient) -> None:
    response = await client.get("/homes", params={"cursor": "garbage!"})
    [error] = response.json()["errors"]
    assert (error["field"], error["location"]) == ("cursor", "query")


def test_a_deeply_nested_cursor_is_unprocessable_not_a_crash() -> None:
    with pytest.raises(Unprocessable):
        decode_cursor(base64.urlsafe_b64encode(b"[" * 5000).decode())


async def test_a_body_that_is_not_json_is_named_as_the_body(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/homes", content=b'{"uprn": "1",', headers={"content-type": "application/json"}
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["location"], error["type"]) == ("body", "body", "json_invalid")


class RepairsSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_KIT_TEST_REPAIRS_", extra="ignore")
    service_name: ClassVar[str] = "repairs"


handlers = EventHandlers()


@handlers.on(VisitCompleted)
async def ignore_visit(session: object, envelope: object) -> None:
    return None


async def create_kit_tables(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)


async def test_the_replay_response_shows_the_dead_letter_as_replayed(
    kafka: str, databases: DatabaseFactory
) -> None:
    settings = RepairsSettings(
        database_url=await databases.create("kit_replay"),
        kafka_bootstrap_servers=kafka,
        relay_enabled=False,
        consumer_enabled=False,
    )
    app = create_service_app(
        settings, title="r", description="r", handlers=handlers, on_startup=create_kit_tables
    )
    envelope = Envelope(
        data=VisitCompleted(
            visit_id=uuid.uuid4(),
            uprn="1",
            kind=VisitKind.FULL,
            completed_at=datetime.now(UTC),
            repairs_found=0,
            hazards_found=0,
        )
    )
    async with (
        LifespanManager(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app),
            base_url="http://r",
            auth=InternalTokenAuth("repairs"),  # as the gateway calls (admin scope)
        ) as client,
    ):
        async with app.state.db.sessionmaker() as session, session.begin():
            await session.execute(
                insert(dead_letter).values(
                    event_id=str(envelope.id),
                    event_type=envelope.type,
                    consumer_group="repairs",
                    topic=events_topic("visits"),
                    partition=0,
                    offset=5,
                    message_key=b"1",
                    headers=[[k, v.decode()] for k, v in envelope.headers()],
                    payload=envelope.value(),
                    error="RuntimeError: boom",
                    attempts=4,
                    dead_lettered_at=datetime.now(UTC),
                )
            )
        response = await client.post("/admin/dead-letters/1/replay")
    assert response.status_code == 200
    assert response.json()["replayed_at"] is not None
