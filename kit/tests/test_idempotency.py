"""A POST that creates honours Idempotency-Key: a retry gets the first response and
changes nothing; the same key with another body is refused."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Response
from pydantic import BaseModel
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select

from hearth_kit.db import Database, SessionDep
from hearth_kit.idempotency import IdempotencyDep
from hearth_kit.problems import Unprocessable, install_problem_handlers

metadata = MetaData()
homes = Table(
    "home",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("uprn", String(12), nullable=False),
    Column("route", String(50), nullable=False),
)


class HomeCreate(BaseModel):
    uprn: str
    town: str = "London"


slow_uprns: set[str] = set()
"""Homes the endpoint takes its time over (so two requests overlap)."""

refused_uprns: set[str] = set()
"""Homes the endpoint refuses after it has stored its response (a late failure)."""


def homes_app(db: Database) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.db = db

    async def register(
        route: str,
        body: HomeCreate,
        session: SessionDep,
        idempotency: IdempotencyDep,
        response: Response,
    ) -> Any:
        if (replayed := await idempotency.replay(session)) is not None:
            return replayed
        if body.uprn in slow_uprns:
            await asyncio.sleep(0.3)
        await session.execute(insert(homes).values(uprn=body.uprn, route=route))
        created = {"uprn": body.uprn, "town": body.town, "receipt": str(uuid.uuid4())}
        response.headers["Location"] = f"/{route}/{body.uprn}"
        await idempotency.remember(session, 201, created, {"Location": f"/{route}/{body.uprn}"})
        if body.uprn in refused_uprns:
            raise Unprocessable("Refused after the response was stored", field="uprn")
        return created

    @app.post("/homes", status_code=201)
    async def register_home(
        body: HomeCreate, session: SessionDep, idempotency: IdempotencyDep, response: Response
    ) -> Any:
        return await register("homes", body, session, idempotency, response)

    @app.post("/void-homes", status_code=201)
    async def register_void_home(
        body: HomeCreate, session: SessionDep, idempotency: IdempotencyDep, response: Response
    ) -> Any:
        return await register("void-homes", body, session, idempotency, response)

    return app


@pytest.fixture(scope="module")
async def client(kit_database: Database) -> AsyncIterator[httpx.AsyncClient]:
    async with kit_database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    transport = httpx.ASGITransport(homes_app(kit_database))
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        yield client


def a_uprn() -> str:
    return str(uuid.uuid4().int % 10**12)


async def homes_created(db: Database, uprn: str, route: str | None = None) -> int:
    query = select(func.count()).where(homes.c.uprn == uprn)
    if route is not None:
        query = query.where(homes.c.route == route)
    async with db.sessionmaker() as session:
        return int(await session.scalar(query) or 0)


async def test_a_retry_with_the_same_key_and_body_replays_the_first_response_and_runs_once(
    client: httpx.AsyncClient, kit_database: Database
) -> None:
    uprn = a_uprn()
    key = {"Idempotency-Key": f"register-{uprn}"}
    first = await client.post("/homes", json={"uprn": uprn}, headers=key)
    second = await client.post("/homes", json={"uprn": uprn}, headers=key)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["location"] == first.headers["location"] == f"/homes/{uprn}"
    assert "idempotent-replayed" not in first.headers
    assert second.headers["idempotent-replayed"] == "true"
    assert await homes_created(kit_database, uprn) == 1


async def test_the_same_body_with_its_keys_reordered_is_the_same_request(
    client: httpx.AsyncClient, kit_database: Database
) -> None:
    uprn = a_uprn()
    key = {"Idempotency-Key": f"register-{uprn}", "Content-Type": "application/json"}
    first = await client.post(
        "/homes", content=f'{{"uprn": "{uprn}", "town": "Hackney"}}', headers=key
    )
    second = await client.post(
        "/homes", content=f'{{"town":"Hackney","uprn":"{uprn}"}}', headers=key
    )
    assert second.status_code == 201
    assert second.headers["idempotent-replayed"] == "true"
    assert second.json() == first.json()
    assert await homes_created(kit_database, uprn) == 1


async def test_the_same_key_with_a_different_body_is_a_422_naming_the_header(
    client: httpx.AsyncClient, kit_database: Database
) -> None:
    uprn = a_uprn()
    key = {"Idempotency-Key": f"register-{uprn}"}
    assert (await client.post("/homes", json={"uprn": uprn}, headers=key)).status_code == 201
    other = await client.post("/homes", json={"uprn": uprn, "town": "Hackney"}, headers=key)
    assert other.status_code == 422
    assert other.headers["content-type"] == "application/problem+json"
    [error] = other.json()["errors"]
    assert (error["field"], error["location"]) == ("Idempotency-Key", "header")
    assert await homes_created(kit_database, uprn) == 1


async def test_without_a_key_every_post_runs(
    client: httpx.AsyncClient, kit_database: Database
) -> None:
    uprn = a_uprn()
    first = await client.post("/homes", json={"uprn": uprn})
    second = await client.post("/homes", json={"uprn": uprn})
    assert first.status_code == second.status_code == 201
    assert first.json()["receipt"] != second.json()["receipt"]
    assert "idempotent-replayed" not in second.headers
    assert await homes_created(kit_database, uprn) == 2


async def test_the_same_key_on_another_route_is_a_different_request(
    client: httpx.AsyncClient, kit_database: Database
) -> None:
    uprn = a_uprn()
    key = {"Idempotency-Key": f"register-{uprn}"}
    home = await client.post("/homes", json={"uprn": uprn}, headers=key)
    void_home = await client.post("/void-homes", json={"uprn": uprn}, headers=key)
    assert home.status_code == void_home.status_code == 201
    assert "idempotent-replayed" not in void_home.headers
    assert home.json()["receipt"] != void_home.json()["receipt"]
    assert await homes_created(kit_database, uprn, "homes") == 1
    assert await homes_created(kit_database, uprn, "void-homes") == 1


async def test_a_key_whose_request_failed_is_not_remembered(
    client: httpx.AsyncClient, kit_database: Database
) -> None:
    uprn = a_uprn()
    key = {"Idempotency-Key": f"register-{uprn}"}
    refused_uprns.add(uprn)
    failed = await client.post("/homes", json={"uprn": uprn}, headers=key)
    assert failed.status_code == 422
    assert await homes_created(kit_database, uprn) == 0
    refused_uprns.discard(uprn)
    retried = await client.post("/homes", json={"uprn": uprn}, headers=key)
    assert retried.status_code == 201
    assert "idempotent-replayed" not in retried.headers
    assert await homes_created(kit_database, uprn) == 1


async def test_an_empty_key_is_a_422_naming_the_header(client: httpx.AsyncClient) -> None:
    response = await client.post("/homes", json={"uprn": a_uprn()}, headers={"Idempotency-Key": ""})
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["location"]) == ("idempotency-key", "header")


async def test_two_requests_racing_with_one_key_apply_once_and_the_loser_is_a_409(
    client: httpx.AsyncClient, kit_database: Database
) -> None:
    uprn = a_uprn()
    slow_uprns.add(uprn)
    headers = {"Idempotency-Key": f"race-{uprn}"}
    first, second = await asyncio.gather(
        client.post("/homes", json={"uprn": uprn}, headers=headers),
        client.post("/homes", json={"uprn": uprn}, headers=headers),
    )
    assert sorted([first.status_code, second.status_code]) == [201, 409]
    loser = first if first.status_code == 409 else second
    assert loser.json()["errors"][0]["field"] == "Idempotency-Key"
    assert await homes_created(kit_database, uprn) == 1
    retried = await client.post("/homes", json={"uprn": uprn}, headers=headers)
    assert retried.status_code == 201
    assert retried.headers["idempotent-replayed"] == "true"
