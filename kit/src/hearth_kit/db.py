"""Async database engine and sessions (asyncpg for PostgreSQL, aiosqlite for SQLite).

The request, or the event handler, owns the transaction: `SessionDep` opens one per
request and commits it after the endpoint returns, before the response is sent.

A GET or HEAD on PostgreSQL does not pay for a transaction it does not need: its reads
run without BEGIN and COMMIT (two round trips of the three a read by key took), and a
transaction begins just before its first statement that is not a plain SELECT (an
INSERT, UPDATE or DELETE, a locking SELECT, an advisory lock, any text SQL); from there
on everything is in that transaction, committed or rolled back with the request as
before. Under PostgreSQL's READ COMMITTED each statement sees its own snapshot inside
a transaction too, so the reads see exactly what they would have seen.

Connections are not pinged with a query before each use (that was three round trips per
request: BEGIN, a ping, ROLLBACK). Disconnects are handled as SQLAlchemy documents it
instead: pessimistically at checkout, a connection the server has closed (a restart,
`pg_terminate_backend`, an idle timeout) is known to asyncpg without a round trip, so
the pool's `checkout` event raises `DisconnectionError` and the pool hands out a fresh
connection; optimistically, a statement that still meets a dead connection fails, the
engine invalidates the whole pool, and the next request gets new connections;
`pool_recycle` retires connections before any idle timeout along the way can cut them.
The pool is sized for a service's concurrency (`database_pool_size`, default 20), so a
request is not slowed by opening a connection that is closed again after it.

A GET by key that only reads can skip the ORM session altogether: `ReadConnectionDep`
is a Core connection (`AsyncConnection`) in autocommit, checked out for the request and
returned before the response is sent. No session, identity map or transaction: a
statement built once at import (a module-level `select` with `bindparam`s) runs and
its rows go straight into the response model (docs/conventions.md, "Fast reads by
key"). It refuses anything but a plain SELECT (`ReadOnlyConnection`), so a write can
never land through it without a transaction.

Database errors carry no values: engines hide bound parameters (`hide_parameters`),
and the values PostgreSQL quotes in its own messages (DETAIL: Key (email)=(...)) are
taken out before the error is raised, so no log, span or error text can show them.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Request
from sqlalchemy import DateTime, TypeDecorator, event, text
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import Dialect, ExceptionContext, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry

DEFAULT_POOL_SIZE = 20
"""Connections a service keeps open: more than the requests one process serves at once
(one worker, a core at most), so none is opened and closed inside a request."""
DEFAULT_MAX_OVERFLOW = 10
"""Connections opened beyond the pool for a burst, closed again when returned."""
DEFAULT_POOL_RECYCLE_SECONDS = 1800
"""A connection older than this is replaced at its next checkout, before any idle
timeout between the service and PostgreSQL (a proxy, a firewall) cuts it silently."""


class Database:
    """One service's database: engine, session factory and commit notifications."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        pool_size: int = DEFAULT_POOL_SIZE,
        max_overflow: int = DEFAULT_MAX_OVERFLOW,
        pool_recycle_seconds: int = DEFAULT_POOL_RECYCLE_SECONDS,
    ) -> None:
        self.url = make_url(url)
        self._commit_listeners: list[Callable[[], None]] = []
        connect_args: dict[str, Any] = {}
        pool_args: dict[str, Any] = {}
        if self.is_sqlite:
            database = self.url.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            connect_args["timeout"] = 30
        else:
            pool_args = {"pool_size": pool_size, "max_overflow": max_overflow}
        self.engine: AsyncEngine = create_async_engine(
            self.url,
            echo=echo,
            pool_pre_ping=False,
            pool_recycle=pool_recycle_seconds,
            connect_args=connect_args,
            hide_parameters=True,
            **pool_args,
        )
        # First, so that instrumentations listening for errors see them without values.
        event.listen(self.engine.sync_engine, "handle_error", _errors_without_values, insert=True)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        else:
            event.listen(self.engine.sync_engine.pool, "checkout", _refuse_closed_connection)

        listeners = self._commit_listeners

        class _Session(Session):
            pass

        @event.listens_for(_Session, "after_commit")
        def _after_commit(session: Session) -> None:
            if session.info.pop("outbox_written", False):
                for listener in listeners:
                    listener()

        self.sessionmaker = async_sessionmaker(
            self.engine, expire_on_commit=False, sync_session_class=_Session
        )
        self.read_sessionmaker = self.sessionmaker
        """Sessions for GET and HEAD requests: on PostgreSQL, reads run without a
        transaction until the first write begins one (see the module's docstring)."""
        self.read_engine: AsyncEngine = self.engine.execution_options()
        """The engine of `ReadConnectionDep`: plain reads only, in autocommit on
        PostgreSQL (no BEGIN, no COMMIT); SQLite's driver begins nothing for a SELECT."""
        if self.is_postgresql:
            reads_first = self.engine.execution_options(isolation_level="AUTOCOMMIT")
            event.listen(reads_first.sync_engine, "before_cursor_execute", _begin_before_a_write)
            self.read_sessionmaker = async_sessionmaker(
                reads_first, expire_on_commit=False, sync_session_class=_Session
            )
            self.read_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        event.listen(self.read_engine.sync_engine, "before_cursor_execute", _refuse_a_write)

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_postgresql(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    def on_outbox_commit(self, listener: Callable[[], None]) -> None:
        """Call `listener` after any transaction that wrote outbox rows commits."""
        self._commit_listeners.append(listener)

    async def ping(self, timeout: float = 2.0) -> None:
        async with asyncio.timeout(timeout), self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


class AwareDateTime(TypeDecorator[datetime]):
    """A timezone-aware moment, stored in UTC on every database (SQLite has no zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: Hearth stores timezone-aware moments only")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def text_enum(enum_cls: type[Enum], length: int = 32) -> SAEnum:
    """An enum column stored as its values in VARCHAR (no database enum type to migrate)."""
    return SAEnum(
        enum_cls,
        native_enum=False,
        create_constraint=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
    )


_VALUES_IN_MESSAGES = (
    # PostgreSQL's DETAIL and HINT: Key (email)=(...) already exists; Failing row contains
    (re.compile(r"^[ \t]*(?:DETAIL|HINT):.*(?:\n|$)", re.MULTILINE), ""),
    # asyncpg refusing to encode a value: invalid input for query argument $1: 'sam@...'
    (re.compile(r"(query argument \$\d+):[^\n]*"), r"\1: [redacted]"),
    # A quoted value after a colon: invalid input syntax for type uuid: "..."
    (re.compile(r""":[ \t]*(["'])(?:(?!\1).)*\1"""), ": [redacted]"),
)


def without_values(message: str) -> str:
    """A database error message without the values the database or the driver quote in
    it; constraint, table and column names stay."""
    for pattern, replacement in _VALUES_IN_MESSAGES:
        message = pattern.sub(replacement, message)
    return message.rstrip()


def _errors_without_values(context: ExceptionContext) -> None:
    """Take values out of the error SQLAlchemy is about to raise, the DBAPI error it
    wraps and asyncpg's error behind that (their messages are built when they are
    raised, so they are rewritten here). Other exceptions in the chain, such as an
    encoder's ValueError, are logged and traced by type only (hearth_kit.personal_data)."""
    errors: list[BaseException] = [context.original_exception]
    if context.sqlalchemy_exception is not None:
        errors.append(context.sqlalchemy_exception)
    if isinstance(driver_error := context.original_exception.__cause__, asyncpg.PostgresError):
        errors.append(driver_error)
    for error in errors:
        error.args = tuple(
            without_values(arg) if isinstance(arg, str) else arg for arg in error.args
        )
        if isinstance(error, asyncpg.PostgresError | asyncpg.InterfaceError):
            error.detail = None
            error.hint = None


def _refuse_closed_connection(
    _dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any
) -> None:
    """The pool's checkout event: a connection the server has closed is refused with
    DisconnectionError, which makes the pool discard it and check out another (SQLAlchemy's
    documented pessimistic disconnect handling, without a round trip: asyncpg learns of
    the closed socket as soon as the server closes it)."""
    driver_connection = record.driver_connection
    if driver_connection is not None and driver_connection.is_closed():
        raise DisconnectionError("the database closed this connection")


_NOT_A_PLAIN_READ = (
    "INSERT ",
    "UPDATE ",
    "DELETE ",
    " FOR UPDATE",
    " FOR NO KEY UPDATE",
    " FOR SHARE",
    " FOR KEY SHARE",
    "ADVISORY",
    "advisory",
    "nextval",
    "set_config",
)
"""Words in a SELECT's SQL that mean it changes or locks something, so it must run in
the request's transaction (a locking clause ends the statement: "... FOR UPDATE" has no
space after UPDATE)."""


def _is_plain_read(statement: str, context: Any) -> bool:
    compiled = getattr(context, "compiled", None)
    if compiled is None or not getattr(compiled.statement, "is_select", False):
        return False  # text SQL, DML, DDL: not known to be a plain read
    return not any(word in statement for word in _NOT_A_PLAIN_READ)


def _begin_before_a_write(
    conn: Any, _cursor: Any, statement: str, _parameters: Any, context: Any, _many: bool
) -> None:
    """Before each statement of a GET's session (running in autocommit): anything but a
    plain SELECT turns autocommit off on the driver's connection, so asyncpg begins a
    transaction before it, which the session commits or rolls back as usual. The pool
    sets the isolation level back when the connection is returned."""
    if _is_plain_read(statement, context):
        return
    dbapi_connection = conn.connection.dbapi_connection
    if dbapi_connection is not None and dbapi_connection.autocommit:
        dialect = conn.dialect
        dialect.set_isolation_level(dbapi_connection, dialect.default_isolation_level)


class ReadOnlyConnection(RuntimeError):
    """A statement other than a plain SELECT on a read connection (a bug in the code
    that sent it: writes go through `SessionDep`, in the request's transaction)."""


def _refuse_a_write(
    _conn: Any, _cursor: Any, statement: str, _parameters: Any, context: Any, _many: bool
) -> None:
    """Before each statement on `Database.read_engine`: only plain SELECTs run there."""
    if not _is_plain_read(statement, context):
        raise ReadOnlyConnection("a read connection runs plain SELECTs only")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def database_of(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def transaction(request: Request) -> AsyncIterator[AsyncSession]:
    """A session in a transaction that commits when the endpoint returns normally
    and rolls back when it raises (for a GET or HEAD, begun at its first write)."""
    db = database_of(request)
    sessions = db.read_sessionmaker if request.method in _READS else db.sessionmaker
    async with sessions() as session, session.begin():
        yield session


_READS = frozenset({"GET", "HEAD"})


SessionDep = Annotated[AsyncSession, Depends(transaction, scope="function")]
"""The request's session; its transaction commits before the response is sent."""


async def read_connection(request: Request) -> AsyncIterator[AsyncConnection]:
    """A Core connection for a request that only reads (a GET by key): no session and
    no transaction; back in the pool before the response is sent."""
    async with database_of(request).read_engine.connect() as connection:
        yield connection


ReadConnectionDep = Annotated[AsyncConnection, Depends(read_connection, scope="function")]
"""A connection for plain SELECTs (statements built once, rows straight into the
response model); anything else raises `ReadOnlyConnection`."""
