"""Which handler failures are the database being unreachable (waited out, never counted
as attempts or dead-lettered) and which are the event's own (retried, then
dead-lettered). Real errors from real databases wherever one can be had cheaply."""

from __future__ import annotations

import errno
import socket
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import Column, Integer, MetaData, Table, insert
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from hearth_kit.consumer import Poison, is_infrastructure_fault
from hearth_kit.db import Database
from tests.harness.infra import free_port

metadata = MetaData()
counters = Table("counter", metadata, Column("id", Integer, primary_key=True))


@pytest.fixture(scope="module")
async def sqlite_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("faults") / "faults.db"
    engine = create_async_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(insert(counters).values(id=1))
    await engine.dispose()
    return path


def impatient_engine(path: Path) -> AsyncEngine:
    return create_async_engine(f"sqlite+aiosqlite:///{path}", connect_args={"timeout": 0.05})


async def test_a_locked_sqlite_database_is_an_infrastructure_fault(sqlite_file: Path) -> None:
    holder, waiter = impatient_engine(sqlite_file), impatient_engine(sqlite_file)
    try:
        async with holder.begin() as held:
            await held.execute(insert(counters).values(id=2))  # holds the write lock
            with pytest.raises(OperationalError, match="locked") as locked:
                async with waiter.begin() as conn:
                    await conn.execute(insert(counters).values(id=3))
        assert is_infrastructure_fault(locked.value)
    finally:
        await holder.dispose()
        await waiter.dispose()


async def test_a_constraint_violation_is_the_events_own_fault(sqlite_file: Path) -> None:
    engine = impatient_engine(sqlite_file)
    try:
        with pytest.raises(IntegrityError) as violated:
            async with engine.begin() as conn:
                await conn.execute(insert(counters).values(id=1))
        assert not is_infrastructure_fault(violated.value)
    finally:
        await engine.dispose()


async def test_a_refused_connection_is_an_infrastructure_fault() -> None:
    db = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/postgres")
    try:
        with pytest.raises(ConnectionRefusedError) as refused:
            await db.ping()
        assert is_infrastructure_fault(refused.value)
    finally:
        await db.dispose()


async def test_a_database_host_that_does_not_resolve_is_an_infrastructure_fault() -> None:
    """Compose's `postgres` host does not resolve while its container restarts: an
    outage to wait out, not a handler failure (it used to use up the event's attempts
    and dead-letter it, and a replay answered 409 rather than 503)."""
    db = Database("postgresql+asyncpg://postgres@no-such-host.invalid/postgres")
    try:
        with pytest.raises(socket.gaierror) as unresolved:
            await db.ping()
        assert is_infrastructure_fault(unresolved.value)
    finally:
        await db.dispose()


@pytest.mark.parametrize(
    "error",
    [
        ConnectionResetError("connection reset by peer"),
        TimeoutError(),
        socket.gaierror(socket.EAI_NONAME, "Name or service not known"),
        OSError(errno.EHOSTUNREACH, "No route to host"),
        OSError("Multiple exceptions: [Errno 111] Connect call failed, [Errno 101] ..."),
        PoolTimeout("QueuePool limit of size 5 overflow 10 reached"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.AdminShutdownError("terminating connection"),
        DBAPIError("SELECT 1", {}, Exception("server closed"), connection_invalidated=True),
    ],
    ids=lambda error: type(error).__name__,
)
def test_an_unreachable_database_is_an_infrastructure_fault(error: BaseException) -> None:
    assert is_infrastructure_fault(error)


@pytest.mark.parametrize(
    "error",
    [
        RuntimeError("the handler has a bug"),
        Poison("visit_id: Input should be a valid UUID"),
        KeyError("uk.hearth.visits.visit-teleported.v1"),
        FileNotFoundError(errno.ENOENT, "No such file or directory", "/srv/letters/1.pdf"),
        DBAPIError("SELECT 1", {}, Exception("syntax error"), connection_invalidated=False),
    ],
    ids=lambda error: type(error).__name__,
)
def test_a_failure_about_the_event_is_not_an_infrastructure_fault(error: BaseException) -> None:
    assert not is_infrastructure_fault(error)


def save_repair_request() -> None:
    try:
        raise ConnectionResetError("connection reset by peer")
    except ConnectionResetError as reset:
        raise RuntimeError("could not save the repair request") from reset


def test_a_fault_is_found_through_the_errors_causes() -> None:
    with pytest.raises(RuntimeError) as wrapped:
        save_repair_request()
    assert is_infrastructure_fault(wrapped.value)


def test_a_cycle_of_causes_ends_the_search() -> None:
    first, second = RuntimeError("first"), ValueError("second")
    first.__cause__, second.__cause__ = second, first
    assert not is_infrastructure_fault(first)
