"""A request body over the limit is refused with a 413 problem, without reading it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from pydantic import BaseModel

from hearth_kit.defaults import add_process_defaults
from hearth_kit.problems import PROBLEM_JSON, TYPE_BASE, install_problem_handlers
from hearth_kit.request_limits import (
    DEFAULT_MAX_BODY_BYTES,
    MAX_BODY_SETTING,
    RequestBodyLimit,
    max_body_bytes_of,
)
from hearth_kit.settings import ServiceSettings

LIMIT = 1000


class Note(BaseModel):
    text: str


def notes_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/notes")
    async def add_note(note: Note) -> dict[str, int]:
        return {"length": len(note.text)}

    @app.post("/raw")
    async def add_raw(request: Request) -> dict[str, int]:
        return {"length": len(await request.body())}

    @app.post("/ignored")
    async def ignore_body() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(RequestBodyLimit, max_body_bytes=LIMIT)
    return app


JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
async def client() -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(notes_app())
    async with httpx.AsyncClient(
        transport=transport, base_url="http://kit", headers=JSON
    ) as client:
        yield client


def assert_413_problem(response: httpx.Response, path: str) -> None:
    assert response.status_code == 413
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json() == {
        "type": TYPE_BASE + "content-too-large",
        "title": "Content too large",
        "status": 413,
        "detail": f"The request body is larger than the limit of {LIMIT} bytes",
        "instance": path,
        "max_body_bytes": LIMIT,
    }


def a_note(size: int) -> bytes:
    """A JSON note of exactly `size` bytes."""
    padding = size - len(b'{"text": ""}')
    return b'{"text": "' + b"x" * padding + b'"}'


async def chunks(body: bytes, size: int = 100) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


@pytest.mark.parametrize("path", ["/notes", "/raw", "/ignored"])
async def test_a_declared_body_over_the_limit_is_a_413_problem(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.post(path, content=a_note(LIMIT + 1))
    assert_413_problem(response, path)


@pytest.mark.parametrize("path", ["/notes", "/raw"])
async def test_a_streamed_body_over_the_limit_is_a_413_problem(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.post(path, content=chunks(a_note(LIMIT * 5)))
    assert "content-length" not in response.request.headers  # chunked
    assert_413_problem(response, path)


async def test_a_body_at_the_limit_is_served(client: httpx.AsyncClient) -> None:
    body = a_note(LIMIT)
    declared = await client.post("/notes", content=body)
    streamed = await client.post("/notes", content=chunks(body))
    assert (declared.status_code, streamed.status_code) == (200, 200)
    assert declared.json() == streamed.json() == {"length": LIMIT - len(b'{"text": ""}')}


class Recorder:
    """An ASGI app that reads the body chunk by chunk, counting what it was given."""

    def __init__(self) -> None:
        self.called = False
        self.chunks_received = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.called = True
        while True:
            message = await receive()
            self.chunks_received += 1
            if not message.get("more_body", False):
                break
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


@dataclass
class Exchange:
    status: int
    headers: dict[bytes, bytes]
    body: bytes
    chunks_sent: int


async def exchange(
    app: Any, body_chunks: list[bytes], headers: list[tuple[bytes, bytes]]
) -> Exchange:
    """Call `app` as a server would, counting how many body chunks it pulled."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/notes",
        "raw_path": b"/notes",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("kit", 80),
    }
    pending = list(body_chunks)
    sent = 0
    answer: dict[str, Any] = {"body": b""}

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if not pending:
            return {"type": "http.disconnect"}
        sent += 1
        return {"type": "http.request", "body": pending.pop(0), "more_body": bool(pending)}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["headers"] = dict(message["headers"])
        else:
            answer["body"] += message.get("body", b"")

    await app(scope, receive, send)
    return Exchange(answer["status"], answer["headers"], answer["body"], sent)


async def test_a_declared_body_over_the_limit_is_refused_before_the_app_runs() -> None:
    app = Recorder()
    result = await exchange(
        RequestBodyLimit(app, max_body_bytes=LIMIT),
        [b"x" * 500] * 4,
        [(b"content-length", b"2000")],
    )
    assert result.status == 413
    assert result.headers[b"content-type"] == PROBLEM_JSON.encode()
    assert result.headers[b"connection"] == b"close"
    assert not app.called
    assert result.chunks_sent == 0


async def test_a_streamed_body_is_refused_at_the_chunk_that_passes_the_limit() -> None:
    app = Recorder()
    result = await exchange(RequestBodyLimit(app, max_body_bytes=LIMIT), [b"x" * 300] * 10, [])
    assert result.status == 413
    assert b"content-too-large" in result.body
    assert result.chunks_sent == 4  # 1,200 bytes: the fourth chunk passes 1,000


async def test_a_lying_content_length_is_caught_by_counting() -> None:
    app = Recorder()
    result = await exchange(
        RequestBodyLimit(app, max_body_bytes=LIMIT),
        [b"x" * 300] * 10,
        [(b"content-length", b"10")],
    )
    assert result.status == 413
    assert result.chunks_sent == 4


async def test_a_body_within_the_limit_reaches_the_app_whole() -> None:
    app = Recorder()
    result = await exchange(RequestBodyLimit(app, max_body_bytes=LIMIT), [b"x" * 250] * 4, [])
    assert result.status == 204
    assert (app.chunks_received, result.chunks_sent) == (4, 4)


async def test_other_scopes_pass_through() -> None:
    seen: list[str] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["type"])

    async def receive() -> dict[str, Any]:
        return {"type": "lifespan.startup"}

    async def send(message: Any) -> None:
        return None

    await RequestBodyLimit(app, max_body_bytes=LIMIT)({"type": "lifespan"}, receive, send)
    assert seen == ["lifespan"]


def test_the_limit_is_a_service_setting_with_a_shared_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(MAX_BODY_SETTING, raising=False)
    assert max_body_bytes_of(object()) == DEFAULT_MAX_BODY_BYTES == 1024 * 1024
    monkeypatch.setenv(MAX_BODY_SETTING, "4096")
    assert max_body_bytes_of(object()) == 4096  # the gateway's settings have no field

    class Engagement(ServiceSettings):
        service_name = "engagement"

    assert max_body_bytes_of(Engagement()) == 4096
    assert max_body_bytes_of(Engagement(max_request_body_bytes=2048)) == 2048


@dataclass
class ProcessSettingsForTest:
    log_level: str = "INFO"
    log_format: str = "json"
    otel_exporter: str = "none"
    max_request_body_bytes: int = LIMIT


async def test_the_process_defaults_install_the_limit() -> None:
    app = FastAPI()
    add_process_defaults(app, process="kit-tests", settings=ProcessSettingsForTest())

    @app.post("/notes")
    async def add_note(note: Note) -> dict[str, int]:
        return {"length": len(note.text)}

    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://kit", headers=JSON
    ) as client:
        refused = await client.post("/notes", content=a_note(LIMIT + 1))
        served = await client.post("/notes", content=a_note(LIMIT))
    assert_413_problem(refused, "/notes")
    assert served.status_code == 200


async def test_a_get_without_a_body_reaches_the_app_unwrapped() -> None:
    """A GET that announces no body has none: the app gets the server's own receive and
    send, with nothing counting around them (every read; docs/adr/0022)."""
    seen: dict[str, Any] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.update(receive=receive, send=send)

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        return None

    scope = {"type": "http", "method": "GET", "path": "/notes", "headers": []}
    await RequestBodyLimit(app, max_body_bytes=LIMIT)(scope, receive, send)
    assert seen == {"receive": receive, "send": send}


async def test_a_get_announcing_a_body_is_still_counted() -> None:
    for headers in ([(b"content-length", b"5000")], [(b"transfer-encoding", b"chunked")]):
        app = Recorder()
        limited = RequestBodyLimit(app, max_body_bytes=LIMIT)
        result = await exchange(_as_get(limited), [b"x" * 300] * 10, headers)
        assert result.status == 413


def _as_get(app: Any) -> Any:
    async def as_get(scope: Any, receive: Any, send: Any) -> None:
        await app({**scope, "method": "GET"}, receive, send)

    return as_get
