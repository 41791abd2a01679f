"""The database layer: aware moments in UTC, enums stored by value, and a request that
owns its transaction (committed before the response is sent, rolled back on error)."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError, StatementError

from hearth_contracts.events.visits import VisitCompleted, VisitKind
from hearth_kit.db import (
    AwareDateTime,
    Database,
    ReadConnectionDep,
    ReadOnlyConnection,
    SessionDep,
    text_enum,
    without_values,
)
from hearth_kit.outbox import publish
from hearth_kit.personal_data import describe_exception
from hearth_kit.problems import Conflict, install_problem_handlers
from hearth_kit.problems import _unstorable_text as unstorable_text
from hearth_kit.tables import kit_metadata
from tests.harness.infra import DatabaseFactory, free_port


class CheckKind(Enum):
    GAS_SAFETY = "gas-safety"
    ELECTRICAL_INSTALLATION = "eicr"


metadata = MetaData()
moments = Table(
    "moment",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("label", String(64), nullable=False),
    Column("at", AwareDateTime(), nullable=True),
    Column("kind", text_enum(CheckKind), nullable=True),
)
contacts = Table(
    "contact",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("phone", String(32), nullable=False),
)
notes = Table(
    "note",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("body", String(200), nullable=False),
)
counters = Table(
    "counter",
    metadata,
    Column("label", String(64), primary_key=True),
    Column("value", Integer, nullable=False),
)


@pytest.fixture(scope="module", params=["configured", "sqlite"])
async def database(
    request: pytest.FixtureRequest,
    databases: DatabaseFactory,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Database]:
    """The configured test database (PostgreSQL in CI), and always SQLite too."""
    if request.param == "configured":
        url = await databases.create("kit_db")
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('kit_db') / 'kit.db'}"
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)
        await conn.run_sync(metadata.create_all)
    yield db
    await db.dispose()


def a_label() -> str:
    return uuid.uuid4().hex


async def insert_moment(db: Database, label: str, **values: Any) -> None:
    async with db.sessionmaker() as session, session.begin():
        await session.execute(insert(moments).values(label=label, **values))


async def read_moments(db: Database, label: str) -> list[Any]:
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(moments.c.at).where(moments.c.label == label).order_by(moments.c.at)
        )
        return list(rows.scalars())


async def test_a_naive_datetime_is_refused_on_write(database: Database) -> None:
    label = a_label()
    with pytest.raises(StatementError, match="naive datetime"):
        await insert_moment(database, label, at=datetime(2026, 3, 29, 9, 30))
    assert await read_moments(database, label) == []


@pytest.mark.parametrize(
    "written",
    [
        datetime(2026, 3, 29, 0, 59, 59, 999_999, tzinfo=UTC),
        datetime(2026, 3, 29, 9, 30, tzinfo=ZoneInfo("Europe/London")),  # first day of BST
        datetime(2026, 10, 25, 1, 30, fold=1, tzinfo=ZoneInfo("Europe/London")),  # 2nd 01:30
        datetime(2026, 1, 1, 5, 45, tzinfo=timezone(timedelta(hours=5, minutes=45))),
    ],
)
async def test_an_aware_datetime_reads_back_as_the_same_moment_in_utc(
    database: Database, written: datetime
) -> None:
    label = a_label()
    await insert_moment(database, label, at=written)
    [read] = await read_moments(database, label)
    # In UTC: an ambiguous local time never compares equal across zones (PEP 495).
    assert read == written.astimezone(UTC)
    assert read.tzinfo is not None
    assert read.utcoffset() == timedelta(0)


async def test_moments_written_in_different_zones_sort_by_instant(database: Database) -> None:
    label = a_label()
    london_noon = datetime(2026, 7, 1, 12, 0, tzinfo=ZoneInfo("Europe/London"))  # 11:00Z
    new_york_morning = datetime(2026, 7, 1, 6, 30, tzinfo=ZoneInfo("America/New_York"))  # 10:30Z
    utc_eleven_fifteen = datetime(2026, 7, 1, 11, 15, tzinfo=UTC)
    for moment in (london_noon, utc_eleven_fifteen, new_york_morning):
        await insert_moment(database, label, at=moment)
    assert await read_moments(database, label) == [
        new_york_morning,
        london_noon,
        utc_eleven_fifteen,
    ]


async def test_a_null_moment_stays_null(database: Database) -> None:
    label = a_label()
    await insert_moment(database, label, at=None)
    assert await read_moments(database, label) == [None]


async def test_an_enum_column_stores_the_value_not_the_name(database: Database) -> None:
    label = a_label()
    await insert_moment(database, label, kind=CheckKind.GAS_SAFETY)
    async with database.sessionmaker() as session:
        raw = await session.scalar(
            text("SELECT kind FROM moment WHERE label = :label"), {"label": label}
        )
        typed = await session.scalar(select(moments.c.kind).where(moments.c.label == label))
    assert raw == "gas-safety"
    assert typed is CheckKind.GAS_SAFETY


async def test_ping_succeeds_on_a_reachable_database(database: Database) -> None:
    await database.ping()


async def test_ping_fails_fast_when_the_database_is_unreachable() -> None:
    db = Database(f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/postgres")
    try:
        with pytest.raises(ConnectionRefusedError):
            await db.ping(timeout=2.0)
    finally:
        await db.dispose()


def a_visit_completed() -> VisitCompleted:
    return VisitCompleted(
        visit_id=uuid.uuid4(),
        uprn="100023336956",
        kind=VisitKind.FULL,
        completed_at=datetime.now(UTC),
        repairs_found=0,
        hazards_found=0,
    )


async def test_only_a_commit_that_wrote_outbox_rows_notifies_outbox_listeners(
    database: Database,
) -> None:
    notified: list[str] = []
    database.on_outbox_commit(lambda: notified.append("commit"))

    async with database.sessionmaker() as session, session.begin():
        await session.execute(insert(notes).values(body="no event"))
    assert notified == []

    async def publish_then_fail() -> None:
        async with database.sessionmaker() as session, session.begin():
            await publish(session, a_visit_completed())
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError, match="change failed"):
        await publish_then_fail()
    assert notified == []

    async with database.sessionmaker() as session, session.begin():
        await publish(session, a_visit_completed())
    assert notified == ["commit"]


# --- Database errors carry no values -------------------------------------------------


def a_contact() -> dict[str, str]:
    tag = uuid.uuid4().hex[:8]
    return {"email": f"sam.okafor.{tag}@example.org", "phone": f"07700 9{tag}"}


async def test_an_integrity_error_names_the_constraint_but_no_value(database: Database) -> None:
    contact = a_contact()
    async with database.sessionmaker() as session, session.begin():
        await session.execute(insert(contacts).values(**contact))
    with pytest.raises(IntegrityError) as raised:
        async with database.sessionmaker() as session, session.begin():
            await session.execute(insert(contacts).values(**contact))
    error = raised.value
    texts = [str(error), repr(error), str(error.orig)]
    if error.orig is not None and error.orig.__cause__ is not None:
        texts.append(str(error.orig.__cause__))  # asyncpg's own error, DETAIL and all
    for text_ in texts:
        assert contact["email"] not in text_
        assert contact["phone"] not in text_
        assert "sam.okafor" not in text_
    assert "email" in str(error)  # the constraint or column is still named
    assert "[SQL parameters hidden due to hide_parameters=True]" in str(error)


async def test_a_text_holding_nul_is_refused_on_either_database(database: Database) -> None:
    """PostgreSQL cannot store NUL; SQLite (`make run`'s) refuses it the same way, with the
    SQLSTATE `hearth_kit.problems` answers with a 422 naming the field. Nothing is kept."""
    tag = uuid.uuid4().hex[:8]
    with pytest.raises((DBAPIError, ValueError)) as raised:
        async with database.sessionmaker() as session, session.begin():
            await session.execute(insert(notes).values(body=f"Sam\x00Okafor {tag}"))
    assert unstorable_text(raised.value)
    async with database.sessionmaker() as session:
        kept = await session.scalar(
            select(func.count()).select_from(notes).where(notes.c.body.like(f"%{tag}"))
        )
    assert kept == 0


async def test_a_failing_row_holding_text_of_several_lines_is_not_quoted_back(
    database: Database,
) -> None:
    """A note typed with line breaks: PostgreSQL's DETAIL (Failing row contains ...)
    runs over several lines, and none of them may stay in the error's text, which is
    logged and traced with its message (SQLAlchemy's errors are message-safe)."""
    if not database.is_postgresql:
        pytest.skip("SQLite's constraint errors name the column only")
    phone = a_contact()["phone"]
    with pytest.raises(IntegrityError) as raised:
        async with database.sessionmaker() as session, session.begin():
            # not-null: no email; the phone holds a note of three lines
            await session.execute(insert(contacts).values(phone=f"Sam\nAcacia Rd\n{phone}"))
    error = raised.value
    for text_ in (str(error), repr(error), str(error.orig), describe_exception(error)):
        assert "Acacia" not in text_
        assert phone not in text_
    assert 'null value in column "email"' in str(error)


async def test_a_value_the_database_cannot_read_is_not_quoted_back(database: Database) -> None:
    if not database.is_postgresql:
        pytest.skip("SQLite casts any text without complaint")
    email = a_contact()["email"]
    with pytest.raises(DBAPIError) as raised:
        async with database.sessionmaker() as session:
            # Server-side: invalid input syntax for type uuid: "sam.okafor..."
            await session.execute(text("SELECT CAST(CAST(:v AS text) AS uuid)"), {"v": email})
    assert email not in str(raised.value)
    assert "invalid input syntax for type uuid: [redacted]" in str(raised.value)


async def test_a_value_the_driver_cannot_encode_is_not_quoted_back(database: Database) -> None:
    if not database.is_postgresql:
        pytest.skip("asyncpg encodes bound values itself; SQLite's driver has no such error")
    email = a_contact()["email"]
    with pytest.raises(DBAPIError) as raised:
        async with database.sessionmaker() as session:
            # asyncpg: invalid input for query argument $1: 'sam.okafor...' (invalid UUID ...)
            await session.execute(text("SELECT CAST(:v AS uuid)"), {"v": email})
    assert email not in str(raised.value)
    assert "query argument $1: [redacted]" in str(raised.value)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        (
            'duplicate key value violates unique constraint "contact_email_key"\n'
            "DETAIL:  Key (email)=(sam@example.org) already exists.",
            'duplicate key value violates unique constraint "contact_email_key"',
        ),
        (
            'null value in column "phone" of relation "contact" violates not-null constraint\n'
            "DETAIL:  Failing row contains (1, sam@example.org, null).",
            'null value in column "phone" of relation "contact" violates not-null constraint',
        ),
        (
            'invalid input syntax for type uuid: "sam@example.org"',
            "invalid input syntax for type uuid: [redacted]",
        ),
        (
            "invalid input for query argument $2: 'Sam Okafor' (expected int, got str)",
            "invalid input for query argument $2: [redacted]",
        ),
        (
            'duplicate key value violates unique constraint "note_body_key"\n'
            "DETAIL:  Key (body)=(Sam Okafor\n12 Acacia Road\nlives alone) already exists.",
            'duplicate key value violates unique constraint "note_body_key"',
        ),
        (
            "invalid XML content\nDETAIL:  line 1: Couldn't find end of Start Tag Sam\n"
            "<Sam Okafor\n      ^\nHINT:  something",
            "invalid XML content",
        ),
        (
            'invalid input value for enum channel: "Sam\nOkafor"',
            "invalid input value for enum channel: [redacted]",
        ),
        ('invalid value "Sam " for "YYYY"', 'invalid value [redacted] for "YYYY"'),
        ("UNIQUE constraint failed: contact.email", "UNIQUE constraint failed: contact.email"),
    ],
)
def test_values_are_taken_out_of_database_messages(message: str, expected: str) -> None:
    assert without_values(message) == expected


# --- SessionDep: the request owns the transaction ----------------------------------


def notes_app(db: Database) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.db = db

    @app.post("/notes/{body}", status_code=201)
    async def add_note(body: str, session: SessionDep) -> dict[str, str]:
        await session.execute(insert(notes).values(body=body))
        return {"body": body}

    @app.post("/notes/{body}/refused")
    async def add_note_then_refuse(body: str, session: SessionDep) -> dict[str, str]:
        await session.execute(insert(notes).values(body=body))
        raise Conflict("A note like this already exists")

    @app.post("/notes/{body}/crash")
    async def add_note_then_crash(body: str, session: SessionDep) -> dict[str, str]:
        await session.execute(insert(notes).values(body=body))
        raise RuntimeError("bug")

    return app


async def count_notes(db: Database, body: str) -> int:
    async with db.sessionmaker() as session:
        count = await session.scalar(select(func.count()).where(notes.c.body == body))
    return int(count or 0)


async def call_as_a_server(
    app: FastAPI, method: str, path: str, on_response_start: Callable[[], Awaitable[None]]
) -> int:
    """Call the ASGI app the way a server does, running `on_response_start` at the
    moment the response starts (before any byte of it could reach the client)."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"kit")],
        "client": ("127.0.0.1", 50000),
        "server": ("kit", 80),
    }
    requested = False
    status = 0

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = message["status"]
            await on_response_start()

    with contextlib.suppress(RuntimeError):  # re-raised by Starlette after sending a 500
        await app(scope, receive, send)
    return status


async def test_the_request_transaction_commits_before_the_response_is_sent(
    database: Database,
) -> None:
    body = a_label()
    seen_when_responding: list[int] = []

    async def look() -> None:
        seen_when_responding.append(await count_notes(database, body))

    status = await call_as_a_server(notes_app(database), "POST", f"/notes/{body}", look)
    assert status == 201
    assert seen_when_responding == [1]


async def test_a_domain_error_rolls_the_request_transaction_back(database: Database) -> None:
    body = a_label()
    seen_when_responding: list[int] = []

    async def look() -> None:
        seen_when_responding.append(await count_notes(database, body))

    status = await call_as_a_server(notes_app(database), "POST", f"/notes/{body}/refused", look)
    assert status == 409
    assert seen_when_responding == [0]
    assert await count_notes(database, body) == 0


async def test_an_unhandled_error_rolls_the_request_transaction_back(database: Database) -> None:
    body = a_label()

    async def nothing() -> None:
        return None

    status = await call_as_a_server(notes_app(database), "POST", f"/notes/{body}/crash", nothing)
    assert status == 500
    assert await count_notes(database, body) == 0


# --- A GET reads without a transaction until it writes (PostgreSQL) -----------------


def reads_app(db: Database) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.db = db

    @app.get("/transaction-ids")
    async def transaction_ids(session: SessionDep) -> list[int]:
        # txid_current() names the transaction a statement runs in.
        return [int(await session.scalar(select(func.txid_current())) or 0) for _ in range(2)]

    @app.get("/notes/{body}/audited")
    async def read_then_write(body: str, session: SessionDep) -> list[int]:
        await session.scalar(select(func.count()).select_from(notes))
        await session.execute(insert(notes).values(body=body))
        await session.execute(insert(notes).values(body=body))
        return [int(await session.scalar(select(func.txid_current())) or 0) for _ in range(2)]

    @app.get("/notes/{body}/refused")
    async def read_then_write_then_refuse(body: str, session: SessionDep) -> None:
        await session.scalar(select(func.count()).select_from(notes))
        await session.execute(insert(notes).values(body=body))
        await session.execute(insert(notes).values(body=body))
        raise Conflict("refused after writing")

    @app.get("/backend")
    async def backend(session: SessionDep) -> int:
        return int(await session.scalar(select(func.pg_backend_pid())) or 0)

    @app.post("/notes/{body}/refused")
    async def write_then_refuse(body: str, session: SessionDep) -> None:
        await session.execute(insert(notes).values(body=body))
        raise Conflict("refused after writing")

    return app


@pytest.fixture
async def one_connection(databases: DatabaseFactory) -> AsyncIterator[Database]:
    """A PostgreSQL database whose pool holds a single connection, so every request
    reuses the same one."""
    db = Database(await databases.create("kit_reads"), pool_size=1, max_overflow=0)
    if not db.is_postgresql:
        await db.dispose()
        pytest.skip("reads outside a transaction and server-side disconnects are PostgreSQL's")
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield db
    await db.dispose()


async def asgi_get(app: FastAPI, method: str, path: str) -> tuple[int, Any]:
    transport = httpx.ASGITransport(app)
    async with httpx.AsyncClient(transport=transport, base_url="http://kit") as client:
        response = await client.request(method, path)
    return response.status_code, response.json() if response.content else None


async def test_a_get_reads_without_a_transaction(one_connection: Database) -> None:
    status, (first, second) = await asgi_get(reads_app(one_connection), "GET", "/transaction-ids")
    assert status == 200
    assert first != second  # each read on its own: no BEGIN, no COMMIT


async def test_a_get_that_writes_does_so_in_one_transaction_from_its_first_write(
    one_connection: Database,
) -> None:
    app = reads_app(one_connection)
    body = a_label()
    status, (first, second) = await asgi_get(app, "GET", f"/notes/{body}/audited")
    assert status == 200
    assert first == second  # everything after the first write is in one transaction
    assert await count_notes(one_connection, body) == 2

    refused = a_label()
    status, _ = await asgi_get(app, "GET", f"/notes/{refused}/refused")
    assert status == 409
    assert await count_notes(one_connection, refused) == 0  # both writes rolled back


async def test_a_write_after_a_get_on_the_same_connection_is_still_transactional(
    one_connection: Database,
) -> None:
    app = reads_app(one_connection)
    await asgi_get(app, "GET", "/transaction-ids")  # the pool's one connection, autocommit
    body = a_label()
    status, _ = await asgi_get(app, "POST", f"/notes/{body}/refused")
    assert status == 409
    assert await count_notes(one_connection, body) == 0


async def terminate(db: Database, pid: int) -> None:
    """Close a connection from the server's side, as a restart or an administrator
    does, and wait until the server has let it go."""
    server = await asyncpg.connect(str(db.url.set(drivername="postgresql")))
    try:
        assert await server.fetchval("SELECT pg_terminate_backend($1)", pid)
        gone = "SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = $1"
        for _ in range(500):
            if await server.fetchval(gone, pid):
                break
            await asyncio.sleep(0.01)
        else:
            raise AssertionError(f"backend {pid} is still there")
    finally:
        await server.close()


async def test_a_connection_the_server_closed_is_replaced_before_the_next_request(
    one_connection: Database,
) -> None:
    """The pessimistic half: a pooled connection the server has closed is swapped for a
    new one at checkout, without a round trip, so the next request does not see it."""
    app = reads_app(one_connection)
    async with one_connection.engine.connect() as conn:
        pooled = (await conn.get_raw_connection()).driver_connection
        before = int(await conn.scalar(select(func.pg_backend_pid())) or 0)
    await terminate(one_connection, before)
    # The server takes the backend out of pg_stat_activity a moment before it closes the
    # socket; wait until the pooled connection has seen the close, as it has long since
    # by the time a restarted server answers again.
    for _ in range(500):
        if pooled.is_closed():
            break
        await asyncio.sleep(0.01)
    status, after = await asgi_get(app, "GET", "/backend")
    assert status == 200
    assert after != before


async def test_a_statement_on_a_connection_cut_off_in_use_invalidates_it_for_the_next(
    one_connection: Database,
) -> None:
    """The optimistic half: a connection cut off while a request holds it fails that
    request's next statement, the engine invalidates it, and the next request succeeds."""
    async with one_connection.sessionmaker() as session:
        pid = int(await session.scalar(select(func.pg_backend_pid())) or 0)
        await terminate(one_connection, pid)
        with pytest.raises(DBAPIError) as raised:
            await session.scalar(select(func.pg_backend_pid()))
        assert raised.value.connection_invalidated
    status, after = await asgi_get(reads_app(one_connection), "GET", "/backend")
    assert status == 200
    assert after not in (0, pid)


# --- A read connection: Core, no transaction, plain SELECTs only --------------------


def read_connection_app(db: Database) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.db = db

    @app.get("/transaction-ids")
    async def transaction_ids(connection: ReadConnectionDep) -> list[int]:
        statement = select(func.txid_current())
        return [int(await connection.scalar(statement) or 0) for _ in range(2)]

    return app


async def test_a_read_connection_reads_without_a_transaction(one_connection: Database) -> None:
    app = read_connection_app(one_connection)
    status, (first, second) = await asgi_get(app, "GET", "/transaction-ids")
    assert status == 200
    assert first != second  # each statement on its own: no BEGIN, no COMMIT
    # The pool's one connection is handed back as it was: a write is transactional.
    body = a_label()
    status, _ = await asgi_get(reads_app(one_connection), "POST", f"/notes/{body}/refused")
    assert status == 409
    assert await count_notes(one_connection, body) == 0


@pytest.mark.parametrize(
    "statement",
    [
        insert(notes).values(body="written"),
        select(notes.c.id).with_for_update(),
        text("SELECT 1"),
    ],
    ids=["insert", "select-for-update", "text"],
)
async def test_a_read_connection_refuses_anything_but_a_plain_select(
    database: Database, statement: Any
) -> None:
    if database.is_sqlite and getattr(statement, "_for_update_arg", None) is not None:
        pytest.skip("SQLite has no row locks: SQLAlchemy renders no FOR UPDATE there")
    async with database.read_engine.connect() as connection:
        with pytest.raises(ReadOnlyConnection):
            await connection.execute(statement)
        assert await connection.scalar(select(func.count()).select_from(notes)) is not None
    assert await count_notes(database, "written") == 0


async def test_a_get_that_locks_a_row_begins_its_transaction_first(
    one_connection: Database,
) -> None:
    """A locking SELECT ends with FOR UPDATE (no space after it): it still begins the
    GET's transaction, so the lock is held until the request ends."""
    app = FastAPI()
    app.state.db = one_connection

    @app.get("/locked")
    async def locked(session: SessionDep) -> list[int]:
        await session.execute(select(notes.c.id).with_for_update())
        return [int(await session.scalar(select(func.txid_current())) or 0) for _ in range(2)]

    status, (first, second) = await asgi_get(app, "GET", "/locked")
    assert status == 200
    assert first == second


# --- Writers keep apart on SQLite as row locks keep them apart on PostgreSQL ---------


async def a_counter(db: Database) -> str:
    label = a_label()
    async with db.sessionmaker() as session, session.begin():
        await session.execute(insert(counters).values(label=label, value=0))
    return label


async def counter_value(db: Database, label: str) -> int:
    return int(await db.reader.scalar(select(counters.c.value).where(counters.c.label == label)))


@pytest.mark.parametrize("locking", [True, False], ids=["for-update", "plain-read"])
async def test_two_read_check_writes_at_once_run_one_after_the_other(
    database: Database, locking: bool
) -> None:
    """Each reads the counter, then writes what it read plus one: the second reads the
    first's write (two increments, not one lost). On SQLite every write session begins
    with BEGIN IMMEDIATE, so even a plain read is kept apart; PostgreSQL needs the row
    lock the code asks for."""
    if database.is_postgresql and not locking:
        pytest.skip("PostgreSQL keeps read-check-writes apart by the row lock they take")
    label = await a_counter(database)
    first_has_read = asyncio.Event()

    async def increment(first: bool) -> int:
        if not first:
            await first_has_read.wait()
        async with database.sessionmaker() as session, session.begin():
            read = select(counters.c.value).where(counters.c.label == label)
            seen = int(await session.scalar(read.with_for_update() if locking else read))
            if first:
                first_has_read.set()
                await asyncio.sleep(0.05)  # room for the second to read, were it let in
            await session.execute(
                counters.update().where(counters.c.label == label).values(value=seen + 1)
            )
            return seen

    seen = await asyncio.gather(increment(True), increment(False))
    assert seen == [0, 1]
    assert await counter_value(database, label) == 2


async def test_a_reader_does_not_wait_for_a_writer(database: Database) -> None:
    """A read connection (ReadConnectionDep), a ping and a GET's session read the last
    committed value while a writer holds the database (SQLite) or the row (PostgreSQL)."""
    label = await a_counter(database)
    async with database.sessionmaker() as writer, writer.begin():
        await writer.execute(counters.update().where(counters.c.label == label).values(value=7))
        assert await counter_value(database, label) == 0
        await database.ping()  # a readiness probe does not wait either
        async with database.read_sessionmaker() as reader, reader.begin():
            read = select(counters.c.value).where(counters.c.label == label)
            assert await reader.scalar(read) == 0
    assert await counter_value(database, label) == 7


async def test_a_get_session_that_writes_does_so_in_one_transaction(database: Database) -> None:
    """A GET's session begins its transaction at its first write (on SQLite too, where
    the driver begins nothing of its own): both writes commit, or neither."""
    kept, refused = a_label(), a_label()
    async with database.read_sessionmaker() as session, session.begin():
        await session.scalar(select(func.count()).select_from(notes))
        await session.execute(insert(notes).values(body=kept))
        await session.execute(insert(notes).values(body=kept))
    assert await count_notes(database, kept) == 2

    async def write_twice_then_fail() -> None:
        async with database.read_sessionmaker() as session, session.begin():
            await session.scalar(select(func.count()).select_from(notes))
            await session.execute(insert(notes).values(body=refused))
            await session.execute(insert(notes).values(body=refused))
            raise RuntimeError("refused after writing")

    with pytest.raises(RuntimeError):
        await write_twice_then_fail()
    assert await count_notes(database, refused) == 0
