"""Real infrastructure for the tests, resolved in the order ARCHITECTURE.md gives:

Kafka: KAFKA_BOOTSTRAP_SERVERS if set; else testcontainers when a Docker engine is
reachable; else deploy/local/kafka.sh starts Apache Kafka on the local JDK.
PostgreSQL: HEARTH_TEST_DATABASE_URL if set; else testcontainers when Docker is
reachable; else SQLite files.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Self

import asyncpg
from sqlalchemy.engine import make_url

REPO = Path(__file__).resolve().parents[2]
KAFKA_SCRIPT = REPO / "deploy" / "local" / "kafka.sh"
DROPPING_CONNECTIONS = 8
"""Connections a session's databases are dropped on at its end, side by side."""


def docker_reachable() -> bool:
    try:
        from testcontainers.core.docker_client import DockerClient

        DockerClient().client.ping()
        return True
    except Exception:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LocalKafka:
    """A broker started from deploy/local (Maven Central artifacts on the JDK)."""

    start_options: tuple[str, ...] = ()
    """More of kafka.sh's start options, for a broker of a kind (a listener asking for a
    login: `--sasl-plain USER:PASSWORD`)."""

    heap = "-Xms64m -Xmx512m -XX:TieredStopAtLevel=1"
    """The JVM flags kafka.sh starts it with (HEARTH_KAFKA_HEAP). A test's own broker
    lives for a test and carries a few thousand records at most: compiled by the JVM's
    first tier only, it starts on about 4.4 s of CPU instead of 7.6 s (8 s against
    10.6 s to answer, here), and the few tests that restart theirs do so several times."""

    def __init__(self, name: str, port: int | None = None, controller_port: int | None = None):
        self.name = name
        self.port = port or free_port()
        self.controller_port = controller_port or free_port()
        self.data = REPO / "var" / "kafka" / name

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self) -> str:
        subprocess.run(
            [
                "bash",
                str(KAFKA_SCRIPT),
                "start",
                "--name",
                self.name,
                "--port",
                str(self.port),
                "--controller-port",
                str(self.controller_port),
                "--data",
                str(self.data),
                *self.start_options,
            ],
            check=True,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "HEARTH_KAFKA_HEAP": os.environ.get("HEARTH_KAFKA_HEAP", self.heap)},
        )
        return self.bootstrap_servers

    @classmethod
    @contextlib.contextmanager
    def running(cls, name: str) -> Iterator[Self]:
        """A broker of the caller's own, started, then stopped and its data removed
        however the caller ends: for a test that stops, kills or logs in to its broker,
        which the shared one must never be."""
        kafka = cls(name)
        kafka.start()
        try:
            yield kafka
        finally:
            kafka.stop()
            kafka.remove_data()

    def stop(self) -> None:
        subprocess.run(
            ["bash", str(KAFKA_SCRIPT), "stop", "--name", self.name],
            check=False,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
        )

    def remove_data(self) -> None:
        subprocess.run(["rm", "-rf", str(self.data)], check=False)


POSTGRES_SCRIPT = REPO / "deploy" / "local" / "postgres.sh"


def local_postgres_available() -> bool:
    """Debian's PostgreSQL server binaries are installed (deploy/local can run a cluster)."""
    return any(Path("/usr/lib/postgresql").glob("*/bin/postgres")) or bool(
        os.environ.get("PG_BINDIR")
    )


class LocalPostgres:
    """A private PostgreSQL cluster from deploy/local, for a test that restarts its database.

    Such a test never restarts the server every other test shares, so the suite stays
    safe to run in parallel.
    """

    def __init__(self, name: str, port: int | None = None) -> None:
        self.name = name
        self.port = port or free_port()
        self.state = REPO / "var" / "postgres-tests" / name

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/postgres"

    def _run(self, *args: str) -> None:
        subprocess.run(
            ["bash", str(POSTGRES_SCRIPT), *args],
            check=True,
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            env={**os.environ, "HEARTH_LOCAL_VAR": str(self.state)},
        )

    def start(self) -> str:
        self._run("start", "--port", str(self.port))
        return self.url

    def restart_command(self) -> tuple[list[str], dict[str, str]]:
        """The command (and environment) that restarts this cluster, for a subprocess."""
        return (
            ["bash", str(POSTGRES_SCRIPT), "restart"],
            {**os.environ, "HEARTH_LOCAL_VAR": str(self.state)},
        )

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("stop")

    def remove_data(self) -> None:
        # postgres.sh may have put the data folder elsewhere (under /tmp) when the
        # postgres user cannot reach this one; instance.env records where.
        instance = self.state / "postgres" / "instance.env"
        folders = [str(self.state)]
        if instance.exists():
            for line in instance.read_text().splitlines():
                if line.startswith("data="):
                    folders.append(str(Path(line.removeprefix("data=")).parent))
        subprocess.run(["rm", "-rf", *folders], check=False)


@contextlib.contextmanager
def kafka_bootstrap_servers() -> Iterator[str]:
    if servers := os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield servers
        return
    if docker_reachable():
        from testcontainers.kafka import KafkaContainer

        with KafkaContainer("apache/kafka:4.1.1").with_kraft() as container:
            yield container.get_bootstrap_server()
        return
    with LocalKafka.running(f"pytest-{os.getpid()}") as broker:
        yield broker.bootstrap_servers


@contextlib.contextmanager
def postgres_server_url() -> Iterator[str | None]:
    """An asyncpg URL of a PostgreSQL server to create test databases on, or None for SQLite
    (always SQLite, `make run`'s default, when HEARTH_TEST_DATABASE=sqlite)."""
    if os.environ.get("HEARTH_TEST_DATABASE") == "sqlite":
        yield None
        return
    if url := os.environ.get("HEARTH_TEST_DATABASE_URL"):
        yield url
        return
    if docker_reachable():
        from testcontainers.postgres import PostgresContainer

        with PostgresContainer("postgres:16-alpine", driver="asyncpg") as container:
            yield container.get_connection_url()
        return
    yield None


class DatabaseFactory:
    """Creates a fresh database per use (one per service per test module).

    `migrated` copies a database migrated once per session and service (PostgreSQL's
    `CREATE DATABASE ... TEMPLATE`, a file copy on SQLite) instead of running every
    migration again for each module: the copy is the same schema, and the migrations
    themselves still run from empty once a session for each service."""

    def __init__(self, server_url: str | None, sqlite_dir: Path) -> None:
        self.server_url = server_url
        self.sqlite_dir = sqlite_dir
        self.created: list[str] = []
        self._templates: dict[str, str] = {}

    @property
    def is_postgresql(self) -> bool:
        return self.server_url is not None

    async def migrated(self, label: str, migrations_dir: Path) -> str:
        """A fresh database for `label` at the head of `migrations_dir`."""
        from hearth_kit.migrations import upgrade

        template = self._templates.get(label)
        if template is None:
            template = await self.create(f"{label}_template")
            await upgrade(migrations_dir, template)
            self._templates[label] = template
        return await self.create(label, template=template)

    async def create(self, label: str, *, template: str | None = None) -> str:
        """A fresh database for `label`: empty, or a copy of `template`'s."""
        name = f"hearth_test_{label}_{uuid.uuid4().hex[:10]}"
        if self.server_url is None:
            path = self.sqlite_dir / f"{name}.db"
            if template is not None:
                shutil.copyfile(Path(make_url(template).database or ""), path)
            return f"sqlite+aiosqlite:///{path}"
        url = make_url(self.server_url).set(drivername="postgresql+asyncpg")
        conn = await self._connect()
        try:
            if template is None:
                await conn.execute(f'CREATE DATABASE "{name}"')
            else:
                copied = make_url(template).database
                await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{copied}"')
        finally:
            await conn.close()
        self.created.append(name)
        return url.set(database=name).render_as_string(hide_password=False)

    async def _connect(self) -> asyncpg.Connection:
        assert self.server_url is not None  # PostgreSQL's only
        url = make_url(self.server_url)
        return await asyncpg.connect(
            host=url.host,
            port=url.port,
            user=url.username,
            password=url.password,
            database=url.database or "postgres",
        )

    async def drop_all(self) -> None:
        """Drop every database this factory created, a few at a time: PostgreSQL 15 takes
        a checkpoint for each DROP DATABASE, and drops waiting together share one (one at
        a time, a worker's hundreds took a minute at the end of a busy run)."""
        if self.server_url is None or not self.created:
            return
        names = list(self.created)

        async def drop_from_one_connection() -> None:
            conn = await self._connect()
            try:
                while names:
                    name = names.pop()
                    with contextlib.suppress(Exception):
                        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            finally:
                await conn.close()

        await asyncio.gather(*(drop_from_one_connection() for _ in range(DROPPING_CONNECTIONS)))
