"""`ReadConnectionDep`'s connection: on PostgreSQL its statements run on the read pool
(asyncpg, compiled once, prepared once) and give exactly the values Core gives; on
SQLite they run through Core. Plain SELECTs only, on both."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import Enum
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Uuid,
    bindparam,
    func,
    insert,
    literal,
    select,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DBAPIError, NoResultFound
from sqlalchemy.exc import TimeoutError as PoolTimeout

from hearth_kit.database_faults import is_infrastructure_fault
from hearth_kit.db import AwareDateTime, Database, ReadOnlyConnection, text_enum
from tests.harness.infra import DatabaseFactory


class Stage(Enum):
    LETTER_1 = "letter_1"
    NOTICE = "notice_of_seeking_possession"


metadata = MetaData()
account = Table(
    "read_account",
    metadata,
    Column("id", Uuid, primary_key=True),
    Column("reference", String(32), nullable=False, unique=True),
    Column("stage", text_enum(Stage), nullable=True),
    Column("opened_at", AwareDateTime(), nullable=True),
    Column("balance", Numeric(12, 2), nullable=True),
    Column("pence", BigInteger, nullable=True),
    Column("review_on", Date, nullable=True),
    Column("paused", Boolean, nullable=True),
    Column("rooms", JSON, nullable=True),
    Column("flags", JSON().with_variant(JSONB(), "postgresql"), nullable=True),
)
entry = Table(
    "read_entry",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account_id", Uuid, nullable=False),
    Column("amount", BigInteger, nullable=False),
)

FIRST = uuid.UUID("6f1c1d1e-0000-4000-8000-000000000001")
SECOND = uuid.UUID("6f1c1d1e-0000-4000-8000-000000000002")
EMPTY = uuid.UUID("6f1c1d1e-0000-4000-8000-000000000003")

ACCOUNT_WITH_ENTRIES = (
    select(
        *account.c,
        entry.c.id.label("entry_id"),
        entry.c.amount,
        (entry.c.amount * 2).label("doubled"),
    )
    .select_from(account.outerjoin(entry, entry.c.account_id == account.c.id))
    .where(account.c.id == bindparam("id"))
    .order_by(entry.c.id)
)
BY_STAGE_SINCE = (
    select(account.c.reference)
    .where(account.c.stage == bindparam("stage"), account.c.opened_at >= bindparam("since"))
    .order_by(account.c.reference)
    .limit(bindparam("limit"))
)
pg_stat_activity = Table(
    "pg_stat_activity", MetaData(), Column("pid", Integer), Column("datname", String)
)
BIG_ENTRIES = select(entry.c.id).where(entry.c.amount > 100).order_by(entry.c.id)
ANY_OF = (
    select(account.c.reference)
    .where(account.c.id.in_(bindparam("ids", expanding=True)))
    .order_by(account.c.reference)
)


@pytest.fixture(scope="module", params=["configured", "sqlite"])
async def database(
    request: pytest.FixtureRequest,
    databases: DatabaseFactory,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Database]:
    """The configured test database (PostgreSQL in CI) and SQLite, with two accounts
    (every column set, and every nullable column NULL) and an account's entries."""
    if request.param == "configured":
        url = await databases.create("kit_reads")
    else:
        url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('kit_reads') / 'reads.db'}"
    db = Database(url)
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(insert(account).values(id=SECOND, reference="A-2"))
        await conn.execute(
            insert(account),
            [
                {
                    "id": FIRST,
                    "reference": "A-1",
                    "stage": Stage.NOTICE,
                    "opened_at": datetime(2026, 3, 29, 1, 30, tzinfo=timezone(timedelta(hours=1))),
                    "balance": Decimal("-1234.50"),
                    "pence": 9_000_000_000,
                    "review_on": date(2026, 12, 1),
                    "paused": True,
                    "rooms": ["kitchen", "hall"],
                    "flags": {"nosp": {"served": True, "days": 28}},
                },
            ],
        )
        await conn.execute(
            insert(entry),
            [{"account_id": FIRST, "amount": amount} for amount in (50, 150, 250)],
        )
    yield db
    await db.dispose()


async def core_rows(db: Database, statement: Any, parameters: dict[str, Any]) -> list[Any]:
    async with db.read_engine.connect() as connection:
        return list((await connection.execute(statement, parameters)).all())


def described(rows: list[Any]) -> list[list[tuple[str, Any, type]]]:
    """Each row's keys, values and the type of each value."""
    return [[(key, value, type(value)) for key, value in row._mapping.items()] for row in rows]


@pytest.mark.parametrize(
    ("statement", "parameters"),
    [
        (ACCOUNT_WITH_ENTRIES, {"id": FIRST}),
        (ACCOUNT_WITH_ENTRIES, {"id": SECOND}),
        (ACCOUNT_WITH_ENTRIES, {"id": EMPTY}),
        (
            BY_STAGE_SINCE,
            {
                "stage": Stage.NOTICE,
                "since": datetime(2026, 3, 29, 0, 0, tzinfo=timezone(timedelta(hours=-5))),
                "limit": 5,
            },
        ),
        (BIG_ENTRIES, {}),
        (ANY_OF, {"ids": [FIRST, SECOND, EMPTY]}),
    ],
    ids=["every-type", "nulls", "no-row", "enum-moment-limit", "literal", "expanding-in"],
)
async def test_a_read_gives_the_values_core_gives(
    database: Database, statement: Any, parameters: dict[str, Any]
) -> None:
    expected = await core_rows(database, statement, parameters)
    for _ in range(2):  # the first run describes the statement, the second reuses it
        connection = database.reader
        rows = (await connection.execute(statement, parameters)).all()
        assert described(rows) == described(expected)
    if statement is ACCOUNT_WITH_ENTRIES and parameters["id"] == FIRST:
        first = rows[0]
        assert first.opened_at == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
        assert first.opened_at.tzinfo is UTC
        assert first.stage is Stage.NOTICE
        assert first.flags == {"nosp": {"served": True, "days": 28}}
        assert first.rooms == ["kitchen", "hall"]
        assert [row.entry_id is not None for row in rows] == [True, True, True]


async def test_reads_by_key_take_the_read_pool_on_postgresql(database: Database) -> None:
    """On PostgreSQL the statements are compiled once each for the read pool, except an
    expanding IN, which runs through Core; on SQLite there is no read pool."""
    connection = database.reader
    await connection.execute(ACCOUNT_WITH_ENTRIES, {"id": FIRST})
    await connection.execute(ANY_OF, {"ids": [FIRST]})
    reads = database.driver_reads
    if database.is_sqlite:
        assert reads is None
        return
    assert reads is not None
    assert reads.prepared(ACCOUNT_WITH_ENTRIES) is reads.prepared(ACCOUNT_WITH_ENTRIES)
    assert reads.prepared(ACCOUNT_WITH_ENTRIES) is not None
    assert reads.prepared(ANY_OF) is None


async def test_a_result_has_the_shapes_the_read_paths_use(database: Database) -> None:
    connection = database.reader
    result = await connection.execute(ACCOUNT_WITH_ENTRIES, {"id": FIRST})
    assert [row.amount for row in result] == [50, 150, 250]
    assert result.first() is not None
    none = await connection.execute(ACCOUNT_WITH_ENTRIES, {"id": EMPTY})
    assert none.first() is None
    assert none.one_or_none() is None
    with pytest.raises(NoResultFound):
        none.one()
    assert await connection.scalar(select(func.count()).select_from(entry)) == 3


@pytest.mark.parametrize(
    "statement",
    [
        insert(entry).values(account_id=FIRST, amount=1),
        select(entry.c.id).with_for_update(),
        select(func.pg_advisory_lock(1)),
        text("SELECT 1"),
    ],
    ids=["insert", "select-for-update", "advisory-lock", "text"],
)
async def test_a_read_connection_refuses_anything_but_a_plain_select(
    database: Database, statement: Any
) -> None:
    if database.is_sqlite and "pg_advisory" in str(statement):
        pytest.skip("SQLite has no advisory locks")
    if database.is_sqlite and getattr(statement, "_for_update_arg", None) is not None:
        pytest.skip("SQLite has no row locks: SQLAlchemy renders no FOR UPDATE there")
    connection = database.reader
    with pytest.raises(ReadOnlyConnection):
        await connection.execute(statement)
    assert await connection.scalar(select(func.count()).select_from(entry)) == 3


async def test_a_database_error_on_the_read_pool_is_raised_without_values(
    database: Database,
) -> None:
    if database.is_sqlite:
        pytest.skip("SQLite reads a malformed number as text rather than refusing it")
    secret = "sam@example.org"
    statement = select(account.c.reference).where(
        account.c.reference == func.cast(bindparam("reference"), Integer).cast(String)
    )
    connection = database.reader
    with pytest.raises(DBAPIError) as raised:
        await connection.execute(statement, {"reference": secret})
    assert raised.value.hide_parameters
    messages = [str(raised.value), str(raised.value.orig), str(raised.value.orig.__cause__)]
    assert all(secret not in message for message in messages), messages


async def test_the_read_pool_recovers_when_the_server_ends_its_connections(
    database: Database,
) -> None:
    """The backends under the read pool ended (as a PostgreSQL restart ends them all) are
    replaced: the reads after it read, on new backends."""
    if database.is_sqlite:
        pytest.skip("SQLite has no server connections")
    connection = database.reader
    before = {await connection.scalar(select(func.pg_backend_pid())) for _ in range(3)}
    everyone_else = select(func.pg_terminate_backend(pg_stat_activity.c.pid)).where(
        pg_stat_activity.c.datname == func.current_database(),
        pg_stat_activity.c.pid != func.pg_backend_pid(),
    )
    async with database.engine.connect() as admin:
        await admin.execute(everyone_else)
    found: list[int] = []
    failures: list[DBAPIError] = []
    for _ in range(20):
        try:
            connection = database.reader
            found.append(await connection.scalar(select(func.pg_backend_pid())))
            break
        except DBAPIError as error:
            failures.append(error)
            await asyncio.sleep(0.05)
    assert all(failure.connection_invalidated for failure in failures)
    assert len(failures) <= 1, failures
    assert found
    assert found[0] not in before


SLEEPING_READS = text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
    " AND pid <> pg_backend_pid() AND state = 'active' AND query LIKE '%pg_sleep%'"
)


async def until_a_read_sleeps(db: Database) -> None:
    """Poll until the server runs a read's pg_sleep (its connection taken, the read in
    progress); never running is a bug."""
    for _ in range(1000):
        async with db.engine.connect() as connection:
            if (await connection.execute(SLEEPING_READS)).scalar_one():
                return
        await asyncio.sleep(0.01)
    raise AssertionError("the read never ran")


async def test_a_read_waits_for_a_pool_connection_no_longer_than_its_checkout_timeout(
    databases: DatabaseFactory,
) -> None:
    """Every connection of the read pool taken by a slow read: a read behind them is the
    pool's timeout (the database slow to answer: a 503 to retry), as the engine's pool
    gives after its pool_timeout; it waited for as long as the slow read took, for a
    caller the gateway had long answered. The pool is whole after."""
    db = Database(await databases.create("kit_read_pool_wait"), read_pool_size=1)
    if db.driver_reads is None:
        pytest.skip("the read pool is PostgreSQL's")
    db.driver_reads.pool.checkout_timeout = 0.2
    try:
        running = asyncio.create_task(db.reader.execute(select(func.pg_sleep(5))))
        await until_a_read_sleeps(db)
        async with asyncio.timeout(3):  # the slow read takes 5 s
            with pytest.raises(PoolTimeout) as waited:
                await db.reader.execute(select(func.pg_backend_pid()))
        assert is_infrastructure_fault(waited.value), repr(waited.value)
        await running
        assert await db.reader.scalar(select(literal(1))) == 1
    finally:
        await db.dispose()


async def test_reads_beyond_the_pool_size_wait_their_turn(databases: DatabaseFactory) -> None:
    """A pool of one connection: concurrent reads take it in turn, a read cancelled while
    it waits or while it runs leaves the pool whole, and every read after that reads.
    Each cancel comes once the server is seen running the one connection's read, which
    sleeps long enough (1 s) that a loaded machine pausing this process cannot let it
    end first (a fixed 0.05 s wait on a 0.2 s read could)."""
    db = Database(await databases.create("kit_read_pool"), read_pool_size=1)
    if db.driver_reads is None:
        pytest.skip("the read pool is PostgreSQL's")
    try:
        sleepy = select(func.pg_sleep(1), func.pg_backend_pid())
        pid = select(func.pg_backend_pid())
        running = asyncio.create_task(db.reader.execute(sleepy))
        waiting = asyncio.create_task(db.reader.execute(pid))
        cancelled = asyncio.create_task(db.reader.execute(pid))
        await until_a_read_sleeps(db)  # the one connection is taken: the others wait
        cancelled.cancel()
        first, second = await asyncio.gather(running, waiting)
        assert first.one()[1] == second.scalar()  # one connection, in turn
        with pytest.raises(asyncio.CancelledError):
            await cancelled
        interrupted = asyncio.create_task(db.reader.execute(sleepy))
        await until_a_read_sleeps(db)
        interrupted.cancel()
        with pytest.raises(asyncio.CancelledError):
            await interrupted
        results = await asyncio.gather(*(db.reader.execute(pid) for _ in range(5)))
        assert len({result.scalar() for result in results}) == 1
    finally:
        await db.dispose()
