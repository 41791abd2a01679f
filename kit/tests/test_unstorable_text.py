"""A text value PostgreSQL cannot store (NUL, \\u0000) is the client's 422, not a 500,
and nothing is committed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from pydantic import BaseModel

from hearth_kit.db import Database
from hearth_kit.problems import install_problem_handlers
from tests.harness.infra import DatabaseFactory

pytestmark = pytest.mark.integration

metadata = sa.MetaData()
notes = sa.Table("note", metadata, sa.Column("text", sa.Text, nullable=False))


class Note(BaseModel):
    text: str
    tags: list[str] = []


@pytest.fixture(scope="module")
async def stored(databases: DatabaseFactory) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    if not databases.is_postgresql:
        pytest.skip("SQLite stores NUL; only PostgreSQL refuses it")
    db = Database(await databases.create("unstorable"))
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/notes", status_code=201)
    async def add(note: Note) -> Note:
        async with db.sessionmaker() as session, session.begin():
            await session.execute(sa.insert(notes).values(text=" ".join([note.text, *note.tags])))
        return note

    @app.get("/notes/{text}")
    async def find(text: str, tag: str = "") -> dict[str, int]:
        async with db.sessionmaker() as session:
            found = await session.execute(
                sa.select(sa.func.count()).where(notes.c.text == text + tag)
            )
        return {"found": int(found.scalar_one())}

    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app, raise_app_exceptions=False), base_url="http://kit"
    ) as client:
        yield client, db
    await db.dispose()


async def test_a_nul_character_is_a_422_and_nothing_is_stored(
    stored: tuple[httpx.AsyncClient, Database],
) -> None:
    client, db = stored
    response = await client.post("/notes", json={"text": "boiler\u0000noise"})
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert "\u0000" not in response.text
    assert "boiler" not in response.text
    assert (await client.post("/notes", json={"text": "boiler noise"})).status_code == 201
    async with db.sessionmaker() as session:
        assert list((await session.execute(sa.select(notes.c.text))).scalars()) == ["boiler noise"]


@pytest.mark.parametrize(
    ("body", "field"),
    [({"text": "boiler\u0000noise"}, "text"), ({"text": "ok", "tags": ["a", "b\u0000"]}, "tags.1")],
)
async def test_the_field_holding_nul_is_named(
    stored: tuple[httpx.AsyncClient, Database], body: dict[str, object], field: str
) -> None:
    """Clients read errors[].field: the problem names where the NUL was."""
    client, _ = stored
    response = await client.post("/notes", json=body)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert (error["field"], error["location"]) == (field, "body")
    assert "\u0000" not in response.text


@pytest.mark.parametrize(
    ("url", "field", "location"),
    [("/notes/boiler%00noise", "text", "path"), ("/notes/boiler?tag=%00", "tag", "query")],
)
async def test_a_path_or_query_value_holding_nul_is_named(
    stored: tuple[httpx.AsyncClient, Database], url: str, field: str, location: str
) -> None:
    client, _ = stored
    response = await client.get(url)
    assert response.status_code == 422, response.text
    [error] = response.json()["errors"]
    assert (error["field"], error["location"]) == (field, location)
