"""A service that closes a kept-alive connection just as the gateway's request goes out
(uvicorn's keep-alive timeout racing the gateway's reuse of the connection) gives no
answer at all. The gateway sends again, once, only what is safe to repeat."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from gateway.auth import Principal
from gateway.clients import DownstreamFailure, Downstreams
from gateway.settings import GatewaySettings

ANSWER = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}"


class DropsTheFirstRequest:
    """A server that reads the first request it gets and closes the connection without
    answering; every later request gets 200."""

    def __init__(self) -> None:
        self.requests = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # The requests here carry no body, so a request ends at its blank line.
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                self.requests += 1
                if self.requests == 1:
                    return  # closes without a word
                writer.write(ANSWER)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()


@pytest.fixture
async def service() -> AsyncIterator[tuple[DropsTheFirstRequest, int]]:
    server_state = DropsTheFirstRequest()
    server = await asyncio.start_server(server_state.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        yield server_state, port


def downstreams_to(port: int) -> Downstreams:
    settings = GatewaySettings(
        environment="development",
        jwt_algorithm="HS256",
        engagement_url=f"http://127.0.0.1:{port}",
    )
    return Downstreams(settings)


CALLER = Principal(subject="officer-1", scopes=frozenset({"residents:read"}))


async def test_a_read_whose_connection_was_dropped_is_sent_again_once(
    service: tuple[DropsTheFirstRequest, int],
) -> None:
    state, port = service
    downstreams = downstreams_to(port)
    try:
        response = await downstreams.request("engagement", "GET", "/v1/residents", caller=CALLER)
    finally:
        await downstreams.aclose()
    assert response.status_code == 200
    assert state.requests == 2


async def test_a_write_with_an_idempotency_key_is_sent_again_once(
    service: tuple[DropsTheFirstRequest, int],
) -> None:
    state, port = service
    downstreams = downstreams_to(port)
    try:
        response = await downstreams.request(
            "engagement",
            "POST",
            "/v1/residents",
            caller=CALLER,
            content=b"",
            headers={"Idempotency-Key": "k-1"},
        )
    finally:
        await downstreams.aclose()
    assert response.status_code == 200
    assert state.requests == 2


async def test_a_write_without_an_idempotency_key_is_never_sent_twice(
    service: tuple[DropsTheFirstRequest, int],
) -> None:
    state, port = service
    downstreams = downstreams_to(port)
    try:
        with pytest.raises(DownstreamFailure) as failure:
            await downstreams.request(
                "engagement", "POST", "/v1/residents", caller=CALLER, content=b""
            )
    finally:
        await downstreams.aclose()
    assert failure.value.delivered is None  # it may have arrived: the caller must not guess
    assert state.requests == 1
