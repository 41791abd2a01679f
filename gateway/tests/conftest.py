"""Fixtures for the gateway's tests: stand-in services on real ports, a gateway wired
to them, and tokens. See gateway_stand_ins.py."""

from __future__ import annotations

import contextlib
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager

sys.path.insert(0, str(Path(__file__).parent))  # for gateway_stand_ins

from gateway_stand_ins import (
    OpenGateway,
    Recorded,
    Served,
    StandIns,
    bearer,
    broken_stand_in,
    gateway_settings,
    service_stand_in,
    slow_stand_in,
)

from gateway.app import create_app
from hearth_contracts.topics import SERVICES


@pytest.fixture(scope="session")
def stand_ins() -> Iterator[StandIns]:
    requests: list[Recorded] = []
    servers = {service: Served(service_stand_in(service, requests)) for service in SERVICES}
    slow, broken = Served(slow_stand_in()), Served(broken_stand_in())
    # Bound but never listening: connecting is refused, and no one else can take the port.
    nothing = socket.socket()
    nothing.bind(("127.0.0.1", 0))
    running = [*servers.values(), slow, broken]
    try:
        for server in running:
            server.start()
        yield StandIns(
            urls={service: server.url for service, server in servers.items()},
            slow_url=slow.url,
            broken_url=broken.url,
            unreachable_url=f"http://127.0.0.1:{nothing.getsockname()[1]}",
            requests=requests,
        )
    finally:
        for server in running:
            server.stop()
        nothing.close()


@pytest.fixture
def open_gateway(stand_ins: StandIns) -> OpenGateway:
    """Starts a gateway (lifespan and all) wired to the stand-ins, with overrides."""

    @contextlib.asynccontextmanager
    async def opened(**overrides: Any) -> AsyncIterator[httpx.AsyncClient]:
        app = create_app(gateway_settings(stand_ins, **overrides))
        async with (
            LifespanManager(app) as manager,
            httpx.AsyncClient(
                transport=httpx.ASGITransport(manager.app), base_url="http://gateway"
            ) as client,
        ):
            yield client

    return opened


@pytest.fixture
async def gateway(open_gateway: OpenGateway) -> AsyncIterator[httpx.AsyncClient]:
    async with open_gateway() as client:
        yield client


@pytest.fixture
def staff() -> dict[str, str]:
    return bearer("staff")


@pytest.fixture
def contractor() -> dict[str, str]:
    return bearer("contractor", contractor_id="gasco")


@pytest.fixture
def idempotency_key() -> str:
    return str(uuid.uuid4())
