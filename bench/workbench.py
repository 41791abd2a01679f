"""What every benchmark part shares: the broker and PostgreSQL server, a topic namespace
and databases of its own, service processes, and readings of a process's memory and CPU.

The broker and the PostgreSQL server are shared with other people's tests, so a run
creates its own namespace (`bench<hex>.`) and its own databases, and drops them at the end.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka.admin import AIOKafkaAdminClient
from sqlalchemy.engine import make_url

from hearth_kit.migrations import upgrade
from tests.harness.infra import DatabaseFactory, kafka_bootstrap_servers, postgres_server_url

REPO = Path(__file__).resolve().parents[1]
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_BYTES = os.sysconf("SC_PAGE_SIZE")


@dataclass
class Workbench:
    """One run's infrastructure: a namespace and the databases it created."""

    servers: str
    postgres_url: str
    run_namespace: str
    scratch: Path
    databases: DatabaseFactory
    processes: list[ServiceProcess] = field(default_factory=list)
    namespace: str = ""

    def __post_init__(self) -> None:
        self.namespace = self.run_namespace

    async def service_database(self, service: str) -> str:
        """A fresh database migrated to `service`'s head (kit tables included)."""
        url = await self.databases.create(f"bench_{service}")
        settings_module = importlib.import_module(f"{service}.settings")
        await upgrade(settings_module.MIGRATIONS_DIR, url)
        return url

    def topic(self, name: str) -> str:
        return f"{self.namespace}.{name}"

    def use_namespace(self, part: str) -> None:
        """Topics and consumer groups of one part (`bench<hex>-<part>.`): a later part's
        consumers must not find an earlier part's events or committed offsets."""
        self.namespace = f"{self.run_namespace}-{part}"

    async def delete_topics(self) -> None:
        """Delete every topic this run created (the broker is shared)."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self.servers, client_id="hearth-bench")
        await admin.start()
        try:
            ours = [t for t in await admin.list_topics() if t.startswith(self.run_namespace)]
            if ours:
                await admin.delete_topics(ours)
        finally:
            await admin.close()

    async def start_service(
        self, service: str, database_url: str, **settings: str
    ) -> ServiceProcess:
        """A service in its own uvicorn process, as the Procfile runs it (one worker,
        uvloop, httptools, no access log), on a free loopback port."""
        process = ServiceProcess.start(self, service, database_url, settings)
        self.processes.append(process)
        await process.wait_healthy()
        return process

    async def stop_services(self) -> None:
        for process in self.processes:
            process.stop()
        self.processes.clear()


@contextlib.asynccontextmanager
async def workbench() -> AsyncIterator[Workbench]:
    with kafka_bootstrap_servers() as servers, postgres_server_url() as pg:
        if pg is None:
            raise SystemExit(
                "bench measures PostgreSQL: set HEARTH_TEST_DATABASE_URL (source /work/dev.env)"
            )
        scratch = Path(tempfile.mkdtemp(prefix="hearth-bench-"))
        bench = Workbench(
            servers=servers,
            postgres_url=pg,
            run_namespace=f"bench{uuid.uuid4().hex[:8]}",
            scratch=scratch,
            databases=DatabaseFactory(pg, scratch),
        )
        try:
            yield bench
        finally:
            await bench.stop_services()
            await bench.databases.drop_all()
            with contextlib.suppress(Exception):
                await bench.delete_topics()


def connection_args(url: str) -> dict[str, Any]:
    """asyncpg's connection arguments for a SQLAlchemy URL."""
    parsed = make_url(url)
    return {
        "host": parsed.host,
        "port": parsed.port,
        "user": parsed.username,
        "password": parsed.password,
        "database": parsed.database,
    }


async def connect(url: str) -> asyncpg.Connection:
    """A bare asyncpg connection to a SQLAlchemy URL's database."""
    return await asyncpg.connect(**connection_args(url))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


DEVELOPMENT_ENVIRONMENT = {
    # Development is an explicit opt-in (issue 5, section 2); the bench opts in, as the
    # tests and `make run` do, so services accept tokens signed with the development key.
    "HEARTH_ENVIRONMENT": "development",
    "HEARTH_GATEWAY_ENVIRONMENT": "development",
    # The bench is one client loading the gateway as hard as it can: the per-client rate
    # limit (50/s by default) would answer most of it with 429s and measure the limiter,
    # not the composite.
    "HEARTH_GATEWAY_RATE_LIMIT_PER_SECOND": "1000000",
}


@dataclass
class ServiceProcess:
    """A uvicorn process serving one Hearth app."""

    name: str
    port: int
    popen: subprocess.Popen[bytes]
    log_path: Path

    @classmethod
    def start(
        cls,
        bench: Workbench,
        name: str,
        database_url: str,
        settings: dict[str, str],
    ) -> ServiceProcess:
        port = free_port()
        prefix = f"HEARTH_{name.upper()}_"
        env = {
            **os.environ,
            **DEVELOPMENT_ENVIRONMENT,
            "KAFKA_BOOTSTRAP_SERVERS": bench.servers,
            "HEARTH_KAFKA_NAMESPACE": bench.namespace,
            "HEARTH_OTEL_EXPORTER": "none",
        }
        if database_url:
            env[f"{prefix}DATABASE_URL"] = database_url
        for key, value in settings.items():
            env[f"{prefix}{key.upper()}"] = value
        log_path = bench.scratch / f"{name}-{port}.log"
        command = [
            sys.executable,
            "-m",
            "uvicorn",
            f"{name}.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
        ]
        with log_path.open("wb") as log:
            popen = subprocess.Popen(
                command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        return cls(name, port, popen, log_path)

    @classmethod
    def start_module(cls, bench: Workbench, name: str, *argv: str) -> ServiceProcess:
        """`python -m <argv>` in the repository, logging to the run's scratch directory."""
        log_path = bench.scratch / f"{name}.log"
        env = {**os.environ, **DEVELOPMENT_ENVIRONMENT, "HEARTH_OTEL_EXPORTER": "none"}
        with log_path.open("wb") as log:
            popen = subprocess.Popen(
                [sys.executable, "-m", *argv],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        process = cls(name, 0, popen, log_path)
        bench.processes.append(process)
        return process

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.popen.pid

    async def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient() as client:
            while time.monotonic() < deadline:
                if self.popen.poll() is not None:
                    raise RuntimeError(f"{self.name} exited: see {self.log_path}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await client.get(f"{self.url}/healthz")).status_code == 200:
                        return
                await asyncio.sleep(0.2)
        raise RuntimeError(f"{self.name} did not become healthy: see {self.log_path}")

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()


def rss_mb(pid: int) -> float:
    """Resident set size of one process, MB (of 1,000,000 bytes)."""
    with open(f"/proc/{pid}/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    return round(resident_pages * PAGE_BYTES / 1e6, 1)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time a process has used so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    # fields[0] is the state (field 3 of proc(5)); utime and stime are fields 14 and 15.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def listening_pid(port: int) -> int | None:
    """The process listening on a local TCP port (the broker's), found through /proc."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as lines:
            for line in list(lines)[1:]:
                parts = line.split()
                local, state, inode = parts[1], parts[3], parts[9]
                if state == "0A" and int(local.rsplit(":", 1)[1], 16) == port:
                    inodes.add(inode)
    if not inodes:
        return None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                target = os.readlink(fd)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return int(entry.name)
    return None


async def postgres_started_at(url: str) -> str:
    """When the PostgreSQL server last started: if it changes during a run, someone
    restarted the shared server and that run's figures are not to be trusted."""
    conn = await asyncpg.connect(**connection_args(url))
    try:
        return str(await conn.fetchval("SELECT pg_postmaster_start_time()"))
    finally:
        await conn.close()


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = ""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as cpuinfo:
        for line in cpuinfo:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as meminfo:
        total_kb = int(meminfo.readline().split()[1])
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
    ).stdout.strip()
    dirty = bool(
        subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gb": round(total_kb / 1e6, 1),
        "python": sys.version.split()[0],
        "commit": commit,
        "uncommitted_changes_in_tree": dirty,
        "load_average_at_start": list(os.getloadavg()),
    }
