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
is a `ReadConnection`, no session, identity map or transaction; each statement checks
its connection out and back in. On PostgreSQL the statements run on the driver's own
connections (a small read pool): each module-level `select` is compiled by SQLAlchemy
once, prepared by asyncpg once per connection, and its rows carry the values Core would
give (the same bind and result processors, the same json codecs); an expanding IN, and
every statement on SQLite, runs through Core (docs/conventions.md, "Fast reads by key";
docs/adr/0021-reads-by-key-on-the-driver.md). It refuses anything but a plain SELECT
(`ReadOnlyConnection`), so a write can never land through it without a transaction.

Database errors carry no values: engines hide bound parameters (`hide_parameters`),
and the values PostgreSQL quotes in its own messages (DETAIL: Key (email)=(...)) are
taken out before the error is raised, so no log, span or error text can show them.
"""

from __future__ import annotations

import asyncio
import collections
import functools
import re
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Mapping
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from types import SimpleNamespace
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Request
from sqlalchemy import (
    DateTime,
    Integer,
    Row,
    TypeDecorator,
    bindparam,
    event,
    func,
    literal_column,
    select,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.engine import Dialect, ExceptionContext, make_url
from sqlalchemy.engine.result import SimpleResultMetaData
from sqlalchemy.exc import DBAPIError, DisconnectionError, MultipleResultsFound, NoResultFound
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session
from sqlalchemy.pool import ConnectionPoolEntry
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement

from hearth_kit.database_faults import UnstorableText, is_infrastructure_fault

DEFAULT_POOL_SIZE = 20
"""Connections a service keeps open: more than the requests one process serves at once
(one worker, a core at most), so none is opened and closed inside a request."""
DEFAULT_MAX_OVERFLOW = 10
"""Connections opened beyond the pool for a burst, closed again when returned."""
DEFAULT_READ_POOL_SIZE = 10
"""Connections of the read pool (`ReadConnectionDep` on PostgreSQL), opened as needed:
a GET by key holds one for a single round trip."""
DEFAULT_POOL_RECYCLE_SECONDS = 1800
"""A connection older than this is replaced at its next checkout, before any idle
timeout between the service and PostgreSQL (a proxy, a firewall) cuts it silently."""
READ_POOL_CHECKOUT_TIMEOUT_SECONDS = 30.0
"""How long a read waits for a read-pool connection (the engine pool's own default,
SQLAlchemy's `pool_timeout`)."""
DEFAULT_STATEMENT_TIMEOUT_SECONDS = 300.0
"""The longest one statement may take on PostgreSQL, its answer included, before the
driver gives up on it (asyncpg's `command_timeout`): a TimeoutError, which the kit
takes as the database not answering (a 503 with Retry-After to a request; the
consumer pauses the partition and comes back to it; the connection is discarded).
Without it a statement waits for ever: on a connection whose server went silent (a
failover that moved the address, a dropped route: no reset ever comes, and the
kernel gives up after some fifteen minutes) or behind a lock nobody releases, and a
consumer's batch holding it keeps the consumer from stopping. As long as the longest
wait a statement may rightly have: a stock file waits for the one before it to be
applied, about a minute for 100,000 homes, within the gateway's 300 s upload budget
(docs/adr/0083)."""


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
        read_pool_size: int = DEFAULT_READ_POOL_SIZE,
        statement_timeout_seconds: float = DEFAULT_STATEMENT_TIMEOUT_SECONDS,
    ) -> None:
        if not url:  # production has no default (ServiceSettings.refuse_development_defaults)
            raise ValueError(
                "No database URL: set HEARTH_<SERVICE>_DATABASE_URL (production has no "
                "default; HEARTH_ENVIRONMENT=development uses a SQLite file)"
            )
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
            connect_args["command_timeout"] = statement_timeout_seconds
        self.statement_timeout_seconds = statement_timeout_seconds
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
        event.listen(self.engine.sync_engine, "handle_error", errors_without_values, insert=True)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin)
            event.listen(self.engine.sync_engine, "before_cursor_execute", _sqlite_refuses_nul)
        else:
            event.listen(self.engine.sync_engine.pool, "checkout", _refuse_closed_connection)
            event.listen(self.engine.sync_engine, "handle_error", _discard_broken_connection)

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
        """Sessions whose reads run without a transaction until the first write begins
        one (see the module's docstring): GET and HEAD requests, and on SQLite the
        outbox relay, which must not hold the database's write lock while it sends."""
        self.read_engine: AsyncEngine = self.engine.execution_options()
        """The engine of `ReadConnectionDep`: plain reads only, in autocommit on
        PostgreSQL (no BEGIN, no COMMIT), without a BEGIN on SQLite."""
        self._pinged: AsyncEngine = self.engine
        if self.is_sqlite:
            writes_late = self.engine.execution_options(**{_SQLITE_BEGIN: _AT_FIRST_WRITE})
            self._pinged = writes_late  # a ping does not wait for the write lock
            event.listen(writes_late.sync_engine, "before_cursor_execute", _sqlite_begin_before)
            self.read_sessionmaker = async_sessionmaker(
                writes_late, expire_on_commit=False, sync_session_class=_Session
            )
            self.read_engine = writes_late.execution_options()
        if self.is_postgresql:
            reads_first = self.engine.execution_options(isolation_level="AUTOCOMMIT")
            event.listen(reads_first.sync_engine, "before_cursor_execute", _begin_before_a_write)
            self.read_sessionmaker = async_sessionmaker(
                reads_first, expire_on_commit=False, sync_session_class=_Session
            )
            self.read_engine = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        event.listen(self.read_engine.sync_engine, "before_cursor_execute", _refuse_a_write)
        self.driver_reads: DriverReads | None = None
        """On PostgreSQL, the read pool of `ReadConnectionDep` (the kit's `ReadPool`, statements
        compiled once); None on SQLite, whose reads go through `read_engine`."""
        if self.is_postgresql and self.engine.dialect.driver == "asyncpg":
            self.driver_reads = DriverReads(self, read_pool_size, pool_recycle_seconds)
        self.reader = ReadConnection(self)
        """Plain SELECTs without a transaction: what `ReadConnectionDep` gives."""

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @property
    def is_postgresql(self) -> bool:
        return self.url.get_backend_name() == "postgresql"

    def on_outbox_commit(self, listener: Callable[[], None]) -> None:
        """Call `listener` after any transaction that wrote outbox rows commits."""
        self._commit_listeners.append(listener)

    async def ping(self, timeout: float = 2.0, *, writable: bool = False) -> None:
        """The database answers within `timeout` (readiness: reads may be served). With
        `writable`, it also takes writes, else ReadOnlyDatabase: a standby (a demoted
        primary after a failover) answers a read and refuses every write, so a consumer
        waiting for the database asks this before it resumes. A connection found
        read-only is discarded, so the next ping opens one where the name points now."""
        async with asyncio.timeout(timeout), self._pinged.connect() as conn:
            if not (writable and self.is_postgresql):
                await conn.execute(select(literal_column("1")))
                return
            read_only = await conn.scalar(select(func.current_setting("transaction_read_only")))
            if read_only == "on":
                await conn.invalidate()
                raise ReadOnlyDatabase("the database answers but takes no writes (a standby?)")

    async def dispose(self) -> None:
        if self.driver_reads is not None:
            await self.driver_reads.close()
        await self.engine.dispose()


class ReadOnlyDatabase(Exception):
    """The database answers but refuses writes (`Database.ping(writable=True)`)."""


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
    # (...). asyncpg puts them last, and a value quoted there runs over as many lines as
    # the value has (a note typed with line breaks), so all that follows goes.
    (re.compile(r"^[ \t]*(?:DETAIL|HINT):.*\Z", re.MULTILINE | re.DOTALL), ""),
    # asyncpg refusing to encode a value: invalid input for query argument $1: 'sam@...'
    (re.compile(r"(query argument \$\d+):[^\n]*"), r"\1: [redacted]"),
    # A quoted value after a colon, however many lines: invalid input syntax for type
    # uuid: "..."
    (re.compile(r""":[ \t]*(["'])(?:(?!\1)[\s\S])*\1"""), ": [redacted]"),
    # to_date and to_timestamp: invalid value "Sam " for "YYYY" (the pattern stays)
    (re.compile(r"""(invalid value )"(?:[^"]|"")*"( for)"""), r"\1[redacted]\2"),
)


def without_values(message: str) -> str:
    """A database error message without the values the database or the driver quote in
    it; constraint, table and column names stay."""
    for pattern, replacement in _VALUES_IN_MESSAGES:
        message = pattern.sub(replacement, message)
    return message.rstrip()


def errors_without_values(context: ExceptionContext) -> None:
    """Take values out of the error SQLAlchemy is about to raise, the DBAPI error it
    wraps and asyncpg's error behind that (their messages are built when they are
    raised, so they are rewritten here). Other exceptions in the chain, such as an
    encoder's ValueError, are logged and traced by type only (hearth_kit.personal_data)."""
    errors: list[BaseException] = [context.original_exception]
    if context.sqlalchemy_exception is not None:
        errors.append(context.sqlalchemy_exception)
    if isinstance(driver_error := context.original_exception.__cause__, asyncpg.PostgresError):
        errors.append(driver_error)
    _take_values_out(errors)


def _take_values_out(errors: list[BaseException]) -> None:
    """Rewrite each error's message without values; asyncpg's keep no DETAIL or HINT."""
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


def _discard_broken_connection(context: ExceptionContext) -> None:
    """The engine's error event: a statement that failed because its connection is gone
    or broken (reset or refused by a restarting server, or asyncpg's "cannot switch to
    state 13; another operation (2) is in progress" on a connection a restart left
    mid-operation, which is not closed, so neither asyncpg nor the checkout event above
    knows it is unusable) counts as a disconnect: the engine invalidates the connection
    (and the pool's older ones) instead of handing it to the next request, which would
    fail the same way, and the error raised says `connection_invalidated`."""
    if not context.is_disconnect and is_infrastructure_fault(context.original_exception):
        context.is_disconnect = True


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


DRIVER_READS_KEPT = 2048
"""Statements a process keeps compiled for the read pool. Reads are module-level
constants (a few dozen a service); a statement built per call would fill this, after
which such statements run through Core rather than grow the cache without bound."""
_DRIVER_STATEMENTS_KEPT = 512
"""Prepared statements asyncpg keeps on each read connection (its own LRU)."""


class DriverRead:
    """One Core SELECT compiled for asyncpg once: its SQL with $n placeholders, its bind
    parameters in placeholder order with their bind processors, and, after its first run,
    a row maker applying the result processors Core would apply (they are chosen by the
    column's PostgreSQL type, known once asyncpg has prepared the statement)."""

    __slots__ = ("_binds", "_compiled", "_make_row", "_reads", "sql")

    def __init__(self, reads: DriverReads, compiled: SQLCompiler) -> None:
        self._reads = reads
        self.sql = compiled.string
        self._compiled = compiled
        processors: Mapping[str, Any] = compiled._bind_processors
        self._binds = tuple((name, processors.get(name)) for name in compiled.positiontup or ())
        self._make_row: Callable[[Any], Row[Any]] | None = None

    def arguments(self, parameters: Mapping[str, Any] | None) -> list[Any]:
        """The statement's arguments in placeholder order, each through its type's bind
        processor (an enum to its value, a moment to UTC), as Core would send them."""
        values = self._compiled.construct_params(parameters)
        return [
            values[name] if process is None else process(values[name])
            for name, process in self._binds
        ]

    async def fetch(
        self, driver: asyncpg.Connection, parameters: Mapping[str, Any] | None
    ) -> list[Row[Any]]:
        """All the rows of the statement on `driver` (prepared there once by asyncpg)."""
        arguments = self.arguments(parameters)
        make_row = self._make_row
        if make_row is None:
            make_row = self._make_row = await self._row_maker(driver)
        records = await driver.fetch(self.sql, *arguments)
        return [make_row(record) for record in records]

    async def _row_maker(self, driver: asyncpg.Connection) -> Callable[[Any], Row[Any]]:
        prepared = await driver.prepare(self.sql)
        attributes = prepared.get_attributes()
        columns = self._compiled._result_columns or []
        if len(columns) != len(attributes):
            raise RuntimeError(f"{len(attributes)} columns read, {len(columns)} compiled")
        dialect = self._reads.dialect
        processors = [
            column.type._cached_result_processor(dialect, attribute.type.oid)
            for column, attribute in zip(columns, attributes, strict=True)
        ]
        keys = [attribute.name for attribute in attributes]
        parent = SimpleResultMetaData(keys, _processors=processors)
        return functools.partial(Row, parent, parent._effective_processors, parent._key_to_index)


class ReadPool:
    """The read pool's connections: asyncpg connections opened as they are needed, up to
    `size`, handed out last-in first-out.

    Smaller than asyncpg's own pool because it needs less: a connection here only ever
    runs one plain SELECT at a time and is given back at once, so there is no session
    state to reset (no transaction, lock, LISTEN or setting can be left on it) and
    nothing to shield. A connection comes back into use only after a statement that
    finished (its rows, or an error from the server with the connection still open);
    one the server closed, one given back after anything else (a cancelled statement,
    a driver error), one older than `recycle_seconds`, and every connection older than
    the last `expire()`, is closed instead and a new one opened when needed."""

    def __init__(
        self, connect: Callable[[], Awaitable[asyncpg.Connection]], size: int, recycle: float
    ) -> None:
        self._connect = connect
        self._size = size
        self._recycle = recycle
        self._idle: list[asyncpg.Connection] = []
        self._born: dict[asyncpg.Connection, tuple[float, int]] = {}
        """Each open connection's opening time and generation."""
        self._opening = 0
        self._generation = 0
        self._waiters: collections.deque[asyncio.Future[None]] = collections.deque()
        self._closed = False
        self.checkout_timeout = READ_POOL_CHECKOUT_TIMEOUT_SECONDS
        """How long a read waits for a connection when `size` are in use."""

    async def acquire(self) -> asyncpg.Connection:
        """An open connection, waiting for one when `size` are in use, at most
        `checkout_timeout` (then the pool's TimeoutError, as the engine's pool raises:
        the database is slow to answer, a 503 to retry). Without a bound, reads piled up
        behind a slow database for callers the gateway had long answered."""
        while True:
            if self._closed:
                raise asyncpg.InterfaceError("the read pool is closed")
            while self._idle:
                driver = self._idle.pop()
                if not driver.is_closed() and self._current(driver):
                    return driver
                self._discard(driver)
            if len(self._born) + self._opening < self._size:
                return await self._open()
            waiter = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                try:
                    async with asyncio.timeout(self.checkout_timeout):
                        await waiter
                except TimeoutError:
                    if waiter.done() and not waiter.cancelled():
                        continue  # its turn came as the time ran out: take it
                    raise PoolTimeout(
                        f"no read-pool connection came free within {self.checkout_timeout:g} s "
                        f"({self._size} in use)"
                    ) from None
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._wake()  # it was this one's turn: pass it on
                else:
                    waiter.cancel()
                raise

    async def _open(self) -> asyncpg.Connection:
        self._opening += 1
        try:
            driver = await self._connect()
        except BaseException:
            self._wake()
            raise
        finally:
            self._opening -= 1
        self._born[driver] = (time.monotonic(), self._generation)
        return driver

    def _current(self, driver: asyncpg.Connection) -> bool:
        opened, generation = self._born.get(driver, (0.0, -1))
        return generation == self._generation and time.monotonic() - opened < self._recycle

    def release(self, driver: asyncpg.Connection, *, reusable: bool) -> None:
        """Take `driver` back: into use again when `reusable` and still sound, else
        closed (a waiter then opens a new one)."""
        if (
            reusable
            and not self._closed
            and not driver.is_closed()
            and not driver.is_in_transaction()
            and self._born.get(driver, (0.0, -1))[1] == self._generation
        ):
            self._idle.append(driver)
        else:
            self._discard(driver)
        self._wake()

    def _discard(self, driver: asyncpg.Connection) -> None:
        self._born.pop(driver, None)
        driver.terminate()

    def _wake(self) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return

    def expire(self) -> None:
        """Close every idle connection now and each one in use when it is given back."""
        self._generation += 1
        while self._idle:
            self._discard(self._idle.pop())

    async def close(self) -> None:
        self._closed = True
        self.expire()
        for waiter in self._waiters:
            if not waiter.done():
                waiter.set_result(None)


class DriverReads:
    """The reads of a PostgreSQL database on the driver's connections: the read pool
    (`ReadPool`, asyncpg connections with the codecs SQLAlchemy sets), and the
    statements compiled for it, by statement object.

    A connection the server closed (a restart, a backend ended) is replaced at its next
    checkout; a statement that meets a lost connection fails (DBAPIError, connection
    invalidated) and every connection of the pool is replaced, as the Core pool is
    invalidated."""

    def __init__(self, db: Database, size: int, recycle_seconds: int) -> None:
        self.dialect = db.engine.dialect
        _args, options = self.dialect.create_connect_args(db.url)
        for only_for_sqlalchemy in ("prepared_statement_cache_size", "async_fallback"):
            options.pop(only_for_sqlalchemy, None)
        # Bounded as the engine's statements are (DEFAULT_STATEMENT_TIMEOUT_SECONDS).
        options["command_timeout"] = db.statement_timeout_seconds
        self._options = options
        self.pool = ReadPool(self._connect, size, recycle_seconds)
        self._reads: dict[Executable, DriverRead | None] = {}

    async def _connect(self) -> asyncpg.Connection:
        """A new connection with the codecs SQLAlchemy's dialect sets on its own (json
        and jsonb decoded by the engine's deserializer), so a value reads the same."""
        driver = await asyncpg.connect(
            statement_cache_size=_DRIVER_STATEMENTS_KEPT, **self._options
        )
        try:
            adapted = SimpleNamespace(_connection=driver)
            dialect: Any = self.dialect
            await dialect.setup_asyncpg_json_codec(adapted)
            await dialect.setup_asyncpg_jsonb_codec(adapted)
        except BaseException:
            driver.terminate()
            raise
        return driver

    async def close(self) -> None:
        await self.pool.close()

    async def fetch(self, read: DriverRead, parameters: Mapping[str, Any] | None) -> list[Row[Any]]:
        """The rows of `read` on a connection of the pool, given back at once. A database
        error is raised as Core raises it (DBAPIError, no values)."""
        pool = self.pool
        driver = await pool.acquire()
        reusable = False
        try:
            rows = await read.fetch(driver, parameters)
            reusable = True
            return rows
        except asyncpg.PostgresError as error:
            # The server refused the statement; the connection is sound unless it closed.
            lost = driver.is_closed()
            reusable = not lost
            if lost:
                pool.expire()
            wrapped, cause = self.wrapped(read.sql, error, lost=lost)
            raise wrapped from cause
        except _DRIVER_ERRORS as error:
            pool.expire()
            wrapped, cause = self.wrapped(read.sql, error, lost=True)
            raise wrapped from cause
        finally:
            pool.release(driver, reusable=reusable)

    def prepared(self, statement: Executable) -> DriverRead | None:
        """`statement` compiled for the read pool; None when it must run through Core (an
        expanding IN, or no room left to remember it); ReadOnlyConnection when it is not
        a plain SELECT."""
        try:
            return self._reads[statement]
        except KeyError:
            read = self._compile(statement)
            if len(self._reads) >= DRIVER_READS_KEPT:
                return None  # Core, whose cache knows statements by their structure
            self._reads[statement] = read
            return read

    def _compile(self, statement: Executable) -> DriverRead | None:
        if not isinstance(statement, ClauseElement):
            raise ReadOnlyConnection("a read connection runs plain SELECTs only")
        compiled = statement.compile(dialect=self.dialect)
        if not isinstance(compiled, SQLCompiler):
            raise ReadOnlyConnection("a read connection runs plain SELECTs only")
        if not getattr(statement, "is_select", False) or any(
            word in compiled.string for word in _NOT_A_PLAIN_READ
        ):
            raise ReadOnlyConnection("a read connection runs plain SELECTs only")
        if (
            not compiled.positional
            or compiled.literal_execute_params
            or compiled.post_compile_params
        ):
            return None  # an expanding IN and the like: SQL decided per call, Core does it
        return DriverRead(self, compiled)

    def wrapped(self, sql: str, error: Exception, *, lost: bool) -> tuple[BaseException, Exception]:
        """`error` from asyncpg as Core raises it: SQLAlchemy's DBAPIError around the
        dialect's DBAPI error, parameters hidden and values taken out of the messages."""
        dbapi: Any = self.dialect.loaded_dbapi
        translations: Mapping[type, type[Exception]] = dbapi._asyncpg_error_translate
        translated: Any = error
        for kind in type(error).__mro__:
            if kind in translations:
                translated = translations[kind](f"{type(error)}: {error}")
                translated.pgcode = translated.sqlstate = getattr(error, "sqlstate", None)
                translated.__cause__ = error
                break
        wrapped = DBAPIError.instance(
            sql,
            None,
            translated,
            dbapi.Error,
            hide_parameters=True,
            connection_invalidated=lost,
            dialect=self.dialect,
        )
        _take_values_out([translated, wrapped, error])
        return wrapped, translated


_DRIVER_ERRORS = (
    asyncpg.PostgresError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    OSError,
)
"""What asyncpg raises for a statement: the server's errors, and the driver's about a
connection (closed, lost, in an unexpected state)."""


SQLITE_BUSY_TIMEOUT_MS = 30_000
"""How long a SQLite writer waits for the database's write lock (another writer's
transaction) before it fails with "database is locked"."""

_SQLITE_BEGIN = "hearth_sqlite_begin"
"""Execution option: when a SQLite transaction begins (`_sqlite_begin`)."""
_AT_FIRST_WRITE = "at_first_write"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    """A new SQLite connection: WAL (readers never wait for the writer), foreign keys,
    a writer waits for the write lock, and the driver begins no transaction of its own
    (`_sqlite_begin` does, SQLAlchemy's documented recipe for pysqlite and aiosqlite)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.close()
    dbapi_connection.isolation_level = None


def _sqlite_refuses_nul(
    _conn: Any, _cursor: Any, _statement: str, parameters: Any, _context: Any, many: bool
) -> None:
    """SQLite stores a text holding NUL (U+0000); PostgreSQL refuses it. `make run`'s
    SQLite then kept what production answers with a 422 naming the field, and published it
    to consumers on PostgreSQL, which fail on it. Before each statement on SQLite, a text
    parameter holding NUL is refused the way PostgreSQL refuses it."""
    for row in parameters if many else (parameters,):
        values = row.values() if isinstance(row, dict) else row or ()
        if any(isinstance(value, str) and "\x00" in value for value in values):
            raise UnstorableText("a text value holds NUL, which the database cannot store")


def _sqlite_begin(conn: Any) -> None:
    """A SQLite transaction begins with BEGIN IMMEDIATE: it takes the database's write
    lock at once, waiting (busy_timeout) while another writer holds it, so a
    read-check-write (If-Match, "already posted?", "already registered?") is not
    interleaved with another one, as a row lock on PostgreSQL keeps them apart.
    SQLite has no row locks (`with_for_update()` renders nothing) and its driver would
    begin only at the first INSERT, UPDATE or DELETE, after the checks
    (docs/adr/0027-sqlite-writers-begin-immediately.md). Sessions of
    `Database.read_sessionmaker` and `read_engine` begin nothing here:
    `_sqlite_begin_before` begins theirs before their first write, if any."""
    if conn.get_execution_options().get(_SQLITE_BEGIN) != _AT_FIRST_WRITE:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _sqlite_begin_before(
    conn: Any, _cursor: Any, statement: str, _parameters: Any, context: Any, _many: bool
) -> None:
    """Before each statement of a session that begins late on SQLite (GET and HEAD
    requests, the outbox relay): a statement that is not a plain read, or a SELECT ...
    FOR UPDATE (which SQLite renders without the clause), begins the transaction with
    BEGIN IMMEDIATE; the plain reads before it ran each on its own, as on PostgreSQL."""
    if _is_plain_read(statement, context) and not _locks_rows(context):
        return
    driver = conn.connection.dbapi_connection
    if driver is not None and not _sqlite_in_transaction(driver):
        cursor = driver.cursor()
        try:
            cursor.execute("BEGIN IMMEDIATE")
        finally:
            cursor.close()


def _locks_rows(context: Any) -> bool:
    """Whether the statement is a SELECT ... FOR UPDATE (or FOR SHARE) as written."""
    compiled = getattr(context, "compiled", None)
    return getattr(getattr(compiled, "statement", None), "_for_update_arg", None) is not None


def _sqlite_in_transaction(driver: Any) -> bool:
    """Whether SQLite has a transaction open on the driver's connection (aiosqlite's
    adapter wraps aiosqlite's connection, which wraps sqlite3's)."""
    connection = getattr(driver, "_connection", driver)
    return bool(getattr(connection, "in_transaction", False))


async def hold_until_commit(session: AsyncSession, space: int, key: str) -> None:
    """Hold the advisory lock (`space`, hashtext(`key`)) until the session's transaction
    ends, for a check-then-insert no unique index can guard (a race between two writers
    of rows that do not exist yet): the second writer waits, then reads what the first
    committed. `space` keeps one service's locks apart from another's and from the
    kit's. Keys whose hashes meet only wait for each other. On SQLite the transaction
    already holds the database's write lock (BEGIN IMMEDIATE), so nothing is taken."""
    if session.get_bind().dialect.name != "postgresql":
        return
    await session.execute(
        select(
            func.pg_advisory_xact_lock(
                bindparam("space", space, Integer), func.hashtext(bindparam("key", key))
            )
        )
    )


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


class ReadRows:
    """The rows of one statement on a `ReadConnection`, all fetched: SQLAlchemy `Row`s
    (attribute access, `_mapping`), with the parts of a Core result the read paths use."""

    __slots__ = ("_rows",)

    def __init__(self, rows: list[Row[Any]]) -> None:
        self._rows = rows

    def __iter__(self) -> Iterator[Row[Any]]:
        return iter(self._rows)

    def all(self) -> list[Row[Any]]:
        return self._rows

    def first(self) -> Row[Any] | None:
        return self._rows[0] if self._rows else None

    def one_or_none(self) -> Row[Any] | None:
        if len(self._rows) > 1:
            raise MultipleResultsFound("Multiple rows were found when one or none was required")
        return self.first()

    def one(self) -> Row[Any]:
        row = self.one_or_none()
        if row is None:
            raise NoResultFound("No row was found when one was required")
        return row

    def scalar(self) -> Any:
        """The first column of the first row (None without rows)."""
        return self._rows[0][0] if self._rows else None


class ReadConnection:
    """What `ReadConnectionDep` gives an endpoint: plain SELECTs, no transaction.

    Each statement takes a connection for itself and gives it back with its rows (a
    read by key is one statement: nothing is held across the endpoint, so the request
    needs no clean-up step, and the connection is back in its pool before the response
    is sent). On PostgreSQL it is a connection of the database's read pool (`ReadPool`,
    the kit's own, `read_pool_size` connections), the statement compiled once per statement object
    by SQLAlchemy (`DriverRead`) and prepared once per connection by asyncpg; its rows
    are the values Core gives (the same bind and result processors). A statement the
    read pool cannot take (an expanding IN, a statement it has no room to remember) runs
    through Core on a connection of `Database.read_engine`, as every statement does on
    SQLite. Anything but a plain SELECT raises `ReadOnlyConnection`, on either path."""

    __slots__ = ("_db",)

    def __init__(self, db: Database) -> None:
        self._db = db

    async def execute(
        self, statement: Executable, parameters: Mapping[str, Any] | None = None
    ) -> ReadRows:
        """Run `statement` with `parameters` (bind parameters by name); all its rows."""
        reads = self._db.driver_reads
        if reads is not None:
            read = reads.prepared(statement)
            if read is not None:
                return ReadRows(await reads.fetch(read, parameters))
        async with self._db.read_engine.connect() as connection:
            result = await connection.execute(statement, parameters)
            return ReadRows(list(result.all()))

    async def scalar(
        self, statement: Executable, parameters: Mapping[str, Any] | None = None
    ) -> Any:
        """The first column of the statement's first row (None without rows)."""
        return (await self.execute(statement, parameters)).scalar()


async def read_connection(request: Request) -> ReadConnection:
    """The read connection of a request that only reads (a GET by key): no session and
    no transaction. A coroutine, not a generator: it holds nothing to give back (each
    statement checks its connection out and in), and FastAPI's clean-up machinery for a
    generator dependency cost about a tenth of a read by key."""
    return database_of(request).reader


ReadConnectionDep = Annotated[ReadConnection, Depends(read_connection)]
"""A connection for plain SELECTs (statements built once, rows straight into the
response model); anything else raises `ReadOnlyConnection`."""
