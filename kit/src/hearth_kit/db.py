"""Async database engine and sessions (asyncpg for PostgreSQL, aiosqlite for SQLite).

The request, or the event handler, owns the transaction: `SessionDep` opens one per
request and commits it after the endpoint returns, before the response is sent.

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
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import Session


class Database:
    """One service's database: engine, session factory and commit notifications."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self._commit_listeners: list[Callable[[], None]] = []
        connect_args: dict[str, Any] = {}
        if self.is_sqlite:
            database = self.url.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            connect_args["timeout"] = 30
        self.engine: AsyncEngine = create_async_engine(
            self.url,
            echo=echo,
            pool_pre_ping=True,
            connect_args=connect_args,
            hide_parameters=True,
        )
        # First, so that instrumentations listening for errors see them without values.
        event.listen(self.engine.sync_engine, "handle_error", _errors_without_values, insert=True)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)

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
    and rolls back when it raises."""
    async with database_of(request).sessionmaker() as session, session.begin():
        yield session


SessionDep = Annotated[AsyncSession, Depends(transaction, scope="function")]
"""The request's session; its transaction commits before the response is sent."""
