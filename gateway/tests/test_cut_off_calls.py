"""A call cut off by its budget leaves nothing behind in the pool: the connection it was
waiting on is closed, and the next call to the same service gets its own answer, never
the late answer to the call that was given up on."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from gateway.auth import Principal
from gateway.clients import DownstreamFailure, Downstreams
from gateway.settings import GatewaySettings

CALLER = Principal(subject="officer-1", scopes=frozenset({"residents:read"}))


class AnswersTheFirstRequestLate:
    """A server that holds the first request's answer until told to send it, and answers
    every later request at once; each answer names the request it answers."""

    def __init__(self) -> None:
        self.requests = 0
        self.release_first = asyncio.Event()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while await reader.readuntil(b"\r\n\r\n"):  # GETs only: no bodies
                self.requests += 1
                number = self.requests
                if number == 1:
                    await self.release_first.wait()
                body = json.dumps({"request": number}).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    + f"content-length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()


@pytest.fixture
async def service() -> AsyncIterator[tuple[AnswersTheFirstRequestLate, int]]:
    state = AnswersTheFirstRequestLate()
    server = await asyncio.start_server(state.handle, "127.0.0.1", 0)
    async with server:
        yield state, server.sockets[0].getsockname()[1]
        state.release_first.set()


async def test_a_call_cut_off_by_its_budget_does_not_poison_the_next_one(
    service: tuple[AnswersTheFirstRequestLate, int],
) -> None:
    state, port = service
    downstreams = Downstreams(
        GatewaySettings(
            environment="development",
            jwt_algorithm="HS256",
            engagement_url=f"http://127.0.0.1:{port}",
            downstream_connections_per_service=1,  # the next call can only reuse its slot
        )
    )
    try:
        with pytest.raises(DownstreamFailure) as failure:
            await downstreams.request(
                "engagement", "GET", "/v1/residents", caller=CALLER, timeout=0.2
            )
        state.release_first.set()  # the late answer now arrives, on a closed connection
        status, body = await downstreams.get_json("engagement", "/v1/residents", CALLER)
    finally:
        await downstreams.aclose()
    assert failure.value.reason == "timed out after 0.2s"
    assert failure.value.delivered is None
    assert (status, body) == (200, {"request": 2})
