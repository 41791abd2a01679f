"""The whole platform in this process: the five services and the gateway, each served by
uvicorn on its own localhost port, on a real Kafka broker and real databases.

Every run gets its own topic namespace and fresh databases, so runs never see each
other's events.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI

from hearth_kit.settings import ServiceSettings
from tests.harness.infra import DatabaseFactory, free_port
from tests.harness.tokens import InternalTokenAuth

SERVICE_NAMES = ("compliance", "income", "engagement", "visits", "repairs")


@dataclass
class RunningApp:
    name: str
    app: FastAPI
    server: uvicorn.Server
    task: asyncio.Task[None]
    port: int
    database_url: str = ""

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@dataclass
class Platform:
    kafka: str
    namespace: str
    apps: dict[str, RunningApp] = field(default_factory=dict)

    @property
    def gateway_url(self) -> str:
        return self.apps["gateway"].url

    def service(self, name: str) -> RunningApp:
        return self.apps[name]

    def client(self, name: str, **kwargs: Any) -> httpx.AsyncClient:
        """A client on one process. A service's client calls as the gateway would (an
        internal token per request, staff scopes and admin) unless `auth` is given."""
        if name in SERVICE_NAMES:
            kwargs.setdefault("auth", InternalTokenAuth(name))
        return httpx.AsyncClient(base_url=self.apps[name].url, timeout=10.0, **kwargs)


def settings_class(service: str) -> type[ServiceSettings]:
    module = importlib.import_module(f"{service}.settings")
    for value in vars(module).values():
        if (
            isinstance(value, type)
            and issubclass(value, ServiceSettings)
            and value is not ServiceSettings
            and value.service_name == service
        ):
            return value
    raise LookupError(f"no settings class in {service}.settings")


class _QuietServer(uvicorn.Server):
    """A uvicorn server inside the test process: it leaves Ctrl-C to pytest."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(name: str, app: FastAPI) -> RunningApp:
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, lifespan="on", access_log=False
    )
    server = _QuietServer(config)
    task = asyncio.create_task(server.serve(), name=f"serve-{name}")
    async with asyncio.timeout(30):
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError(f"{name} stopped while starting")
            await asyncio.sleep(0.05)
    return RunningApp(name, app, server, task, port)


async def start_service(
    name: str, kafka: str, namespace: str, database_url: str, **overrides: Any
) -> RunningApp:
    module = importlib.import_module(f"{name}.app")
    settings = settings_class(name)(
        database_url=database_url,
        kafka_bootstrap_servers=kafka,
        kafka_namespace=namespace,
        outbox_poll_interval_seconds=0.2,
        consumer_retry_backoff_seconds=0.05,
        kafka_request_timeout_ms=5000,
        **overrides,
    )
    running = await serve(name, module.create_app(settings))
    running.database_url = database_url
    return running


async def wait_until_consuming(platform: Platform, timeout: float = 60.0) -> None:
    """Wait until every service's consumer has its partitions."""
    async with asyncio.timeout(timeout):
        for running in platform.apps.values():
            runtime = getattr(running.app.state, "runtime", None)
            if runtime is not None and runtime.consumer is not None:
                await runtime.consumer.assigned.wait()


async def stop(running: RunningApp) -> None:
    running.server.should_exit = True
    with contextlib.suppress(asyncio.CancelledError, Exception):
        async with asyncio.timeout(30):
            await running.task


@contextlib.asynccontextmanager
async def run_platform(
    kafka: str,
    databases: DatabaseFactory,
    *,
    services: tuple[str, ...] = SERVICE_NAMES,
    gateway: bool = True,
) -> AsyncIterator[Platform]:
    platform = Platform(kafka=kafka, namespace=f"t{uuid.uuid4().hex[:8]}")
    try:
        for name in services:
            migrations = importlib.import_module(f"{name}.settings").MIGRATIONS_DIR
            url = await databases.migrated(name, migrations)
            platform.apps[name] = await start_service(name, kafka, platform.namespace, url)
        if gateway:
            platform.apps["gateway"] = await serve("gateway", _gateway(platform))
        await wait_until_consuming(platform)
        yield platform
    finally:
        for running in reversed(list(platform.apps.values())):
            await stop(running)


def _gateway(platform: Platform) -> FastAPI:
    from gateway.app import create_app
    from gateway.settings import GatewaySettings

    # Any: the settings' fields are typed one by one; these are its *_url ones.
    urls: dict[str, Any] = {
        f"{name}_url": running.url
        for name, running in platform.apps.items()
        if name in SERVICE_NAMES
    }
    return create_app(GatewaySettings(**urls, downstream_timeout_seconds=5.0))
