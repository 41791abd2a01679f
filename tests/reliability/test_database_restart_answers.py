"""A service whose database stops and comes back: every request meanwhile is a 503
problem with Retry-After (the database does not answer; retry), never a 500, none is
re-raised to the server (uvicorn would log it a second time), and requests succeed
again once the database is back, without restarting the service."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from hearth_kit.db import Database, SessionDep
from hearth_kit.problems import DATABASE_RETRY_AFTER_SECONDS, install_problem_handlers
from tests.harness.events import eventually
from tests.harness.infra import LocalPostgres, local_postgres_available

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not local_postgres_available(),
        reason="stopping a database needs Debian's PostgreSQL server (CI installs it)",
    ),
]


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[LocalPostgres]:
    """A cluster of this module's own: the test stops it, which the shared one must never be."""
    cluster = LocalPostgres(f"answers-{random.randint(0, 10**6)}")
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
        cluster.remove_data()


@pytest.fixture
async def client(private_postgres: LocalPostgres) -> AsyncIterator[httpx.AsyncClient]:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.db = Database(private_postgres.url, pool_size=2, max_overflow=0)

    @app.post("/writes")
    async def write(session: SessionDep) -> int:
        return int(await session.scalar(text("SELECT txid_current()")) or 0)

    @app.get("/reads")
    async def read(session: SessionDep) -> int:
        return int(await session.scalar(text("SELECT 1")) or 0)

    # raise_app_exceptions: an error re-raised to the server fails the request here.
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://service") as http:
            yield http
    finally:
        await app.state.db.dispose()


async def test_requests_while_the_database_is_down_are_503s_and_recover_after(
    client: httpx.AsyncClient, private_postgres: LocalPostgres
) -> None:
    for path in ("/writes", "/reads"):  # the pool holds connections when it goes
        assert (await client.request("POST" if path == "/writes" else "GET", path)).is_success

    private_postgres.stop()
    answers = [await client.post("/writes"), await client.get("/reads")]
    private_postgres.start()

    seen: list[int] = []

    async def served_again() -> bool:
        response = await client.post("/writes")
        seen.append(response.status_code)
        return response.is_success

    assert await eventually(served_again, timeout=30, interval=0.2)
    assert (await client.get("/reads")).is_success
    for answer in answers:
        assert answer.status_code == 503
        assert answer.headers["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)
        assert answer.json()["detail"] == "The database does not answer; retry"
    assert set(seen) <= {200, 503}, seen
