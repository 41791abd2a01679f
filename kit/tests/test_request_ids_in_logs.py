"""A service's log lines of a request carry the `X-Request-ID` the gateway passed on
(`request_id`), so a service's lines are found from the id a gateway answer carried; an
id that is not short and plain is never written to the logs."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import structlog
from fastapi import FastAPI

import hearth_kit.logs
from hearth_kit.defaults import add_process_defaults
from hearth_kit.logs import get_logger, request_id_of, setup_logging

log = get_logger("kit-tests.request-ids")


class ProcessSettingsForTest:
    log_level: str = "INFO"
    log_format: str = "json"
    otel_exporter: str = "none"


def service_app() -> FastAPI:
    """An app wired as every service is (add_process_defaults), with a route that logs
    and one that fails."""
    app = FastAPI()
    add_process_defaults(app, process="kit-tests", settings=ProcessSettingsForTest())

    @app.get("/repairs/{repair_id}")
    async def show_repair(repair_id: int) -> dict[str, int]:
        log.info("repair looked up", repair_id=repair_id)
        return {"repair_id": repair_id}

    @app.get("/broken")
    async def broken() -> None:
        raise RuntimeError("boom")

    return app


@pytest.fixture
def lines(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Iterator[pytest.CaptureFixture[str]]:
    # Set logging up afresh: a test before this one in the same process may have
    # replaced the root handlers or disabled loggers (Alembic's fileConfig does both),
    # and setup_logging configures only once a process.
    monkeypatch.setattr(hearth_kit.logs, "_configured", False)
    logging.getLogger("kit-tests.request-ids").disabled = False
    setup_logging("INFO", "json")
    capsys.readouterr()
    yield capsys
    structlog.contextvars.clear_contextvars()


def _events(capsys: pytest.CaptureFixture[str], event: str) -> list[dict[str, Any]]:
    out = capsys.readouterr().out
    parsed = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return [line for line in parsed if line.get("event") == event]


async def _get(path: str, headers: dict[str, str]) -> httpx.Response:
    transport = httpx.ASGITransport(service_app(), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        return await client.get(path, headers=headers)


async def test_a_requests_log_lines_carry_the_request_id_passed_on(
    lines: pytest.CaptureFixture[str],
) -> None:
    response = await _get("/repairs/7", {"X-Request-ID": "front-end:42"})
    assert response.status_code == 200
    [line] = _events(lines, "repair looked up")
    assert line["request_id"] == "front-end:42"
    # The binding ends with the request.
    assert "request_id" not in structlog.contextvars.get_contextvars()


@pytest.mark.parametrize(
    "sent",
    ['a b", "level": "critical', "x" * 129, "Sam Okafor <sam@example.org>", "line\\nbreak"],
)
async def test_an_id_that_is_not_plain_is_never_logged(
    lines: pytest.CaptureFixture[str], sent: str
) -> None:
    response = await _get("/repairs/7", {"X-Request-ID": sent})
    assert response.status_code == 200
    [line] = _events(lines, "repair looked up")
    assert "request_id" not in line


async def test_a_request_without_an_id_logs_without_one(
    lines: pytest.CaptureFixture[str],
) -> None:
    await _get("/repairs/7", {})
    [line] = _events(lines, "repair looked up")
    assert "request_id" not in line


async def test_an_unhandled_errors_line_carries_the_request_id(
    lines: pytest.CaptureFixture[str],
) -> None:
    response = await _get("/broken", {"X-Request-ID": "abc-123"})
    assert response.status_code == 500
    [line] = _events(lines, "unhandled error")
    assert line["request_id"] == "abc-123"


def test_the_kit_keeps_ids_as_the_gateway_does() -> None:
    """The gateway's rule (gateway.request_ids.USABLE): up to 128 of A-Za-z0-9._:-,
    matched whole, so not even a trailing newline gets through."""

    def kept(sent: bytes) -> str | None:
        return request_id_of({"type": "http", "headers": [(b"x-request-id", sent)]})

    assert kept(b"0123456789abcdef0123456789abcdef") == "0123456789abcdef0123456789abcdef"
    assert kept(b"front-end:42.a_b") == "front-end:42.a_b"
    assert kept(b"") is None
    assert kept(b"a" * 129) is None
    assert kept(b"a\n") is None
