"""A request that fails because its database does not answer (unreachable, restarting,
or a connection a restart left broken) is a 503 problem with Retry-After, logged once
at warning; a genuine bug stays a 500. A broken connection is discarded, so the next
request gets a fresh one."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError, InternalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from hearth_kit.database_faults import is_infrastructure_fault
from hearth_kit.db import Database, SessionDep
from hearth_kit.problems import DATABASE_RETRY_AFTER_SECONDS, install_problem_handlers
from tests.harness.infra import DatabaseFactory, free_port


def broken_connection_error() -> InternalError:
    """SQLAlchemy's InternalError as the reviewer met it: asyncpg's InternalClientError
    behind the dialect's own InternalError."""
    driver = asyncpg.exceptions.InternalClientError(
        "cannot switch to state 13; another operation (2) is in progress"
    )
    adapted = Exception(str(driver))
    adapted.__cause__ = driver
    return InternalError("SELECT 1", {}, adapted)


FAULTS: dict[str, BaseException] = {
    "refused": ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"),
    "broken": broken_connection_error(),
    "invalidated": DBAPIError("SELECT 1", {}, Exception("closed"), connection_invalidated=True),
    "gone": asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
    "starting": asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
    "pool": PoolTimeout("QueuePool limit of size 5 overflow 10 reached"),
}

BUGS: dict[str, BaseException] = {
    "bug": RuntimeError("the service has a bug"),
    "syntax": DBAPIError("SELEC 1", {}, Exception("syntax error"), connection_invalidated=False),
    "file": FileNotFoundError(2, "No such file or directory", "/srv/letters/1.pdf"),
}


def test_asyncpg_broken_connection_wrapped_by_sqlalchemy_is_an_infrastructure_fault() -> None:
    assert is_infrastructure_fault(broken_connection_error())


def failing_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/fails/{kind}")
    async def fails(kind: str) -> None:
        raise {**FAULTS, **BUGS}[kind]

    return app


@pytest.mark.parametrize("kind", sorted(FAULTS))
async def test_a_database_that_does_not_answer_is_a_503_with_retry_after(
    kind: str, logged: list[dict[str, Any]]
) -> None:
    # raise_app_exceptions: an error Starlette re-raised (uvicorn's second log line,
    # "Exception in ASGI application") would fail the request here.
    transport = httpx.ASGITransport(app=failing_app(), raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        response = await client.get(f"/fails/{kind}")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)
    assert response.json()["detail"] == "The database does not answer; retry"
    assert [(line["log_level"], line["route"]) for line in logged] == [("warning", "/fails/{kind}")]
    assert "Connect call failed" not in str(logged)
    assert "state 13" not in str(logged)


@pytest.mark.parametrize("kind", sorted(BUGS))
async def test_a_bug_stays_a_500(kind: str, logged: list[dict[str, Any]]) -> None:
    transport = httpx.ASGITransport(app=failing_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        response = await client.get(f"/fails/{kind}")
    assert response.status_code == 500
    assert "Retry-After" not in response.headers
    assert [line["log_level"] for line in logged] == ["error"]


async def test_an_unreachable_database_answers_503_not_500() -> None:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.db = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/postgres")

    @app.post("/homes")
    async def add_home(session: SessionDep) -> None:
        await session.execute(text("SELECT 1"))

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
            response = await client.post("/homes")
    finally:
        await app.state.db.dispose()
    assert response.status_code == 503
    assert response.headers["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)


async def test_a_connection_left_broken_is_discarded_and_the_next_request_gets_a_fresh_one(
    databases: DatabaseFactory,
) -> None:
    """The reviewer's error on a real PostgreSQL connection: asyncpg's InternalClientError
    from a connection a restart left mid-operation (raised where the driver is called:
    a restart cannot be timed to leave one so). The connection is not closed, so only the
    engine's error event can discard it; without that the pool hands the same broken
    connection to the next request."""
    if not databases.is_postgresql:
        pytest.skip("asyncpg's connections: PostgreSQL only (HEARTH_TEST_DATABASE_URL unset)")
    db = Database(await databases.create("broken"), pool_size=1, max_overflow=0)
    breaks = [
        asyncpg.exceptions.InternalClientError(
            "cannot switch to state 13; another operation (2) is in progress"
        )
    ]

    def break_once(*_: Any) -> bool:
        if breaks:
            raise breaks.pop()
        return False  # the statement runs as usual

    app = FastAPI()
    install_problem_handlers(app)
    app.state.db = db

    @app.post("/backend")
    async def backend(session: SessionDep) -> int:
        return int(await session.scalar(text("SELECT pg_backend_pid()")) or 0)

    transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
            first = (await client.post("/backend")).json()
            event.listen(db.engine.sync_engine, "do_execute", break_once)
            broken = await client.post("/backend")
            after = await client.post("/backend")
    finally:
        await db.dispose()
    assert broken.status_code == 503
    assert broken.headers["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)
    assert after.status_code == 200
    assert after.json() != first, "the broken connection was handed out again"
