"""A request whose transaction the database rolled back because another transaction's
change got in the way (a deadlock, a serialization failure) is a 503 the client may
send again at once, not a 500: nothing was changed. Logged at warning, without values;
a genuine bug stays a 500."""

from __future__ import annotations

from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.exc import DBAPIError, OperationalError

from hearth_kit.problems import install_problem_handlers


def wrapped(driver: BaseException) -> DBAPIError:
    """The driver's error as SQLAlchemy's asyncpg dialect raises it: its own error
    behind a DBAPIError."""
    adapted = Exception(str(driver))
    adapted.__cause__ = driver
    return OperationalError("SELECT ... FOR UPDATE", {}, adapted)


CONTENDED: dict[str, BaseException] = {
    "deadlock": wrapped(
        asyncpg.exceptions.DeadlockDetectedError(
            "deadlock detected: Process 11846 waits for ShareLock on transaction 5467"
        )
    ),
    "serialization": wrapped(asyncpg.exceptions.SerializationError("could not serialize access")),
}


def contended_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/records/{kind}")
    async def record(kind: str) -> None:
        if kind == "bug":
            raise RuntimeError("the service has a bug")
        raise CONTENDED[kind]

    return app


@pytest.mark.parametrize("kind", sorted(CONTENDED))
async def test_a_transaction_another_got_in_the_way_of_is_a_503_to_retry(
    kind: str, logged: list[dict[str, Any]]
) -> None:
    transport = httpx.ASGITransport(app=contended_app(), raise_app_exceptions=True)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        response = await client.post(f"/records/{kind}")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert "nothing was changed" in response.json()["detail"]
    assert [(line["log_level"], line["route"]) for line in logged] == [
        ("warning", "/records/{kind}")
    ]
    assert "11846" not in str(logged)
    assert "11846" not in response.text


async def test_a_bug_is_still_a_500(logged: list[dict[str, Any]]) -> None:
    transport = httpx.ASGITransport(app=contended_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        response = await client.post("/records/bug")
    assert response.status_code == 500
