"""Which failures are the database being unreachable (restarting, failing over, the
network, a connection a restart left broken), not anything about the work being done.

One classification for every caller: the inbox waits such failures out (never counted
as attempts, never dead-lettered), the problem handlers answer them with a 503 and
Retry-After instead of a 500, and the engine discards a connection that met one
(hearth_kit.db). A module of its own because hearth_kit.problems needs it and
hearth_kit.inbox, where it was first written, imports the settings, which import the
problems (request limits).
"""

from __future__ import annotations

import sqlite3

import asyncpg
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.exc import TimeoutError as PoolTimeout

BROKEN_CONNECTION: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.OperatorInterventionError,
    # The driver's own state is wrong, never the statement: "cannot switch to state
    # 13; another operation (2) is in progress" on a connection a restart left broken.
    asyncpg.exceptions.InternalClientError,
    ConnectionError,
    TimeoutError,
    DisconnectionError,
)
"""The driver's errors that mean the connection is gone or unusable: the engine
discards the connection (hearth_kit.db), and the work may be retried on a fresh one."""

_UNREACHABLE_DATABASE: tuple[type[BaseException], ...] = (
    *BROKEN_CONNECTION,
    # No pooled connection came free in time: the database is slow to answer, which
    # is not the event's fault either.
    PoolTimeout,
    # "cannot execute ... in a read-only transaction" (SQLSTATE 25006): a standby
    # answering where the primary was (a demoted primary's connections left open after
    # a failover, or a DNS name not yet moved). No write can succeed there whatever it
    # is, so it is waited out as an outage, and the connection is replaced so the next
    # one reaches the primary. Counted as the handler failing, every event was
    # dead-lettered meanwhile, and its dead-letter row refused too.
    asyncpg.exceptions.ReadOnlySQLTransactionError,
)


_FILE_ERRORS = (
    FileNotFoundError,
    FileExistsError,
    IsADirectoryError,
    NotADirectoryError,
    PermissionError,
)


def network_error(exc: BaseException) -> bool:
    """A socket error as the driver meets the network, beyond refused, reset and timed
    out: a host name that does not resolve (socket.gaierror: compose's `postgres` while
    its container restarts), no route to the host, asyncio's "Multiple exceptions" when
    every address failed. Any OSError but one about a file (a handler's own bug)."""
    return isinstance(exc, OSError) and not isinstance(exc, _FILE_ERRORS) and exc.filename is None


def is_infrastructure_fault(exc: BaseException) -> bool:
    """True when a failure is the database being unreachable (restarting, failing over,
    the network), not anything about the event: such failures are waited out, never
    counted as attempts or dead-lettered. Walks the exception's causes, since SQLAlchemy
    wraps the driver's error."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [exc]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, _UNREACHABLE_DATABASE) or network_error(current):
            return True
        if isinstance(current, sqlite3.OperationalError) and "locked" in str(current):
            return True
        orig = current.orig if isinstance(current, DBAPIError) else None
        pending.extend([orig, current.__cause__, current.__context__])
    return False


class UnstorableText(ValueError):
    """A text holding NUL, refused on SQLite (`hearth_kit.db`) as PostgreSQL refuses it,
    with PostgreSQL's SQLSTATE, so `hearth_kit.problems` answers both with the same 422
    naming the field. Not a fault: the client's text."""

    sqlstate = "22021"  # character_not_in_repertoire: PostgreSQL's answer to NUL
