"""A run of projection rows written in one statement (`upsert_newer_many`) leaves
exactly what writing them one by one with `upsert_newer` leaves: older rows in the run
or already stored are ignored, of equal versions the later one wins, and the same run
twice changes nothing. On the test database (PostgreSQL in CI) and on SQLite."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Column, MetaData, String, Table, select
from sqlalchemy.exc import StatementError

from hearth_kit.db import AwareDateTime, Database
from hearth_kit.projection import upsert_newer, upsert_newer_columns, upsert_newer_many
from tests.harness.infra import DatabaseFactory

metadata = MetaData()
home = Table(
    "home",
    metadata,
    Column("uprn", String(48), primary_key=True),
    Column("postcode", String(8), nullable=True),
    Column("address_as_of", AwareDateTime(), nullable=True),
    Column("tenancy_reference", String(32), nullable=True),
)

REGISTERED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module", params=["test database", "sqlite"])
async def db(
    request: pytest.FixtureRequest,
    databases: DatabaseFactory,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("projection_many") / "projection.db"
        url = f"sqlite+aiosqlite:///{path}"
    else:
        url = await databases.create("projection_many")
    database = Database(url)
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield database
    await database.dispose()


def address(uprn: str, postcode: str, days: int) -> dict[str, object]:
    return {"uprn": uprn, "postcode": postcode, "address_as_of": REGISTERED + timedelta(days=days)}


async def save_addresses(db: Database, rows: Sequence[dict[str, object]]) -> None:
    async with db.sessionmaker() as session, session.begin():
        await upsert_newer_many(session, home, key=["uprn"], rows=rows, version="address_as_of")


async def save_as_columns(db: Database, rows: Sequence[dict[str, object]]) -> None:
    """The same rows given as columns (`upsert_newer_columns`)."""
    if not rows:
        return
    async with db.sessionmaker() as session, session.begin():
        await upsert_newer_columns(
            session,
            home,
            key=["uprn"],
            columns={name: [row[name] for row in rows] for name in rows[0]},
            version="address_as_of",
        )


async def save_one_by_one(db: Database, rows: Sequence[dict[str, object]]) -> None:
    async with db.sessionmaker() as session, session.begin():
        for row in rows:
            await upsert_newer(
                session,
                home,
                key={"uprn": row["uprn"]},
                values={k: v for k, v in row.items() if k != "uprn"},
                version="address_as_of",
            )


async def stored(db: Database, prefix: str) -> dict[str, tuple[object, ...]]:
    """The rows whose uprn starts with `prefix`, by the rest of their uprn."""
    async with db.sessionmaker() as session:
        rows = await session.execute(select(home).where(home.c.uprn.startswith(prefix)))
        return {
            row.uprn.removeprefix(prefix): (row.postcode, row.address_as_of, row.tenancy_reference)
            for row in rows
        }


async def test_older_rows_in_the_run_are_ignored_and_equal_versions_go_to_the_later(
    db: Database,
) -> None:
    p = f"{uuid.uuid4().hex[:8]}-"
    await save_addresses(
        db,
        [
            address(p + "a", "NEW", 2),
            address(p + "a", "OLD", 1),
            address(p + "b", "FIRST", 1),
            address(p + "b", "SECOND", 1),
        ],
    )
    assert await stored(db, p) == {
        "a": ("NEW", REGISTERED + timedelta(days=2), None),
        "b": ("SECOND", REGISTERED + timedelta(days=1), None),
    }


async def test_a_stored_newer_row_is_kept_and_an_older_one_replaced(db: Database) -> None:
    p = f"{uuid.uuid4().hex[:8]}-"
    await save_addresses(db, [address(p + "a", "STORED", 5), address(p + "b", "STORED", 1)])
    await save_addresses(db, [address(p + "a", "LATE", 4), address(p + "b", "NEWER", 2)])
    assert await stored(db, p) == {
        "a": ("STORED", REGISTERED + timedelta(days=5), None),
        "b": ("NEWER", REGISTERED + timedelta(days=2), None),
    }


async def test_a_row_without_a_version_yet_takes_the_run_and_keeps_other_columns(
    db: Database,
) -> None:
    p = f"{uuid.uuid4().hex[:8]}-"
    async with db.sessionmaker() as session, session.begin():
        await session.execute(home.insert().values(uprn=p + "a", tenancy_reference="T-1"))
    await save_addresses(db, [address(p + "a", "E8 1AA", 1)])
    assert await stored(db, p) == {"a": ("E8 1AA", REGISTERED + timedelta(days=1), "T-1")}


async def test_the_same_run_twice_changes_nothing(db: Database) -> None:
    p = f"{uuid.uuid4().hex[:8]}-"
    run = [address(p + str(n % 7), f"P{n}", n % 3) for n in range(30)]
    await save_addresses(db, run)
    before = await stored(db, p)
    await save_addresses(db, run)
    assert await stored(db, p) == before


async def test_a_long_run_is_written_whole(db: Database) -> None:
    """Longer than one SQLite statement may bind: written in as few as it allows."""
    p = f"{uuid.uuid4().hex[:8]}-"
    await save_addresses(db, [address(p + str(n), "E8 1AA", 0) for n in range(12_000)])
    assert len(await stored(db, p)) == 12_000


async def test_an_empty_run_writes_nothing(db: Database) -> None:
    await save_addresses(db, [])
    async with db.sessionmaker() as session:
        await upsert_newer_columns(
            session,
            home,
            key=["uprn"],
            columns={"uprn": [], "address_as_of": []},
            version="address_as_of",
        )


async def test_a_run_as_columns_keeps_the_newest_of_each_key(db: Database) -> None:
    """Columns with a key twice go the row-by-row way: the same outcome as rows."""
    p = f"{uuid.uuid4().hex[:8]}-"
    await save_as_columns(db, [address(p + "a", "STORED", 5), address(p + "b", "STORED", 1)])
    await save_as_columns(
        db,
        [
            address(p + "a", "LATE", 4),
            address(p + "b", "NEWER", 2),
            address(p + "b", "OLDER", 0),
            address(p + "c", "FIRST", 1),
            address(p + "c", "SECOND", 1),
        ],
    )
    assert await stored(db, p) == {
        "a": ("STORED", REGISTERED + timedelta(days=5), None),
        "b": ("NEWER", REGISTERED + timedelta(days=2), None),
        "c": ("SECOND", REGISTERED + timedelta(days=1), None),
    }


async def test_a_naive_moment_is_refused_as_rows_and_as_columns(db: Database) -> None:
    naive = {"uprn": "x", "postcode": "E8", "address_as_of": datetime(2026, 3, 1, 9, 0)}
    async with db.sessionmaker() as session:
        with pytest.raises((ValueError, StatementError), match="naive datetime"):
            await upsert_newer_many(
                session, home, key=["uprn"], rows=[naive], version="address_as_of"
            )
    async with db.sessionmaker() as session:
        with pytest.raises((ValueError, StatementError), match="naive datetime"):
            await upsert_newer_columns(
                session,
                home,
                key=["uprn"],
                columns={name: [value] for name, value in naive.items()},
                version="address_as_of",
            )


@pytest.mark.parametrize(
    ("columns", "complaint"),
    [
        ({"uprn": ["x"], "postcode": ["E8"]}, "version"),
        ({"postcode": ["E8"], "address_as_of": [REGISTERED]}, "key"),
        ({"uprn": ["x"], "address_as_of": [None]}, "None"),
        ({"uprn": ["x", "y"], "address_as_of": [REGISTERED]}, "one value per row"),
    ],
)
async def test_columns_it_cannot_write_are_refused(
    db: Database, columns: dict[str, list[object]], complaint: str
) -> None:
    async with db.sessionmaker() as session:
        with pytest.raises(ValueError, match=complaint):
            await upsert_newer_columns(
                session, home, key=["uprn"], columns=columns, version="address_as_of"
            )


@pytest.mark.parametrize(
    ("rows", "complaint"),
    [
        ([{"uprn": "x", "postcode": "E8"}], "version"),
        ([{"postcode": "E8", "address_as_of": REGISTERED}], "key"),
        ([{"uprn": "x", "postcode": "E8", "address_as_of": None}], "None"),
        (
            [address("x", "E8", 0), {"uprn": "y", "address_as_of": REGISTERED}],
            "same columns",
        ),
    ],
)
async def test_rows_it_cannot_write_are_refused(
    db: Database, rows: list[dict[str, object]], complaint: str
) -> None:
    async with db.sessionmaker() as session:
        with pytest.raises(ValueError, match=complaint):
            await upsert_newer_many(session, home, key=["uprn"], rows=rows, version="address_as_of")


events = st.lists(
    st.tuples(
        st.sampled_from("abc"),  # the home: few, so a run often repeats one
        st.sampled_from(["E8 1AA", "E8 2BB", "N1 3CC"]),
        st.integers(min_value=0, max_value=3),  # the version: few, so ties are common
    ),
    max_size=12,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(stored_first=events, run=events, unversioned=st.sets(st.sampled_from("abc")))
async def test_a_run_in_one_statement_equals_the_run_one_by_one(
    db: Database,
    stored_first: list[tuple[str, str, int]],
    run: list[tuple[str, str, int]],
    unversioned: set[str],
) -> None:
    """Whatever is stored already (rows with and without a version) and whatever the run
    holds (repeats, ties, older rows), both ways leave the same rows, and the rows the
    rule itself gives (worked out here without a database)."""
    example = uuid.uuid4().hex[:8]
    one_by_one, in_one, as_columns = f"{example}-1-", f"{example}-n-", f"{example}-c-"
    for prefix in (one_by_one, in_one, as_columns):
        async with db.sessionmaker() as session, session.begin():
            for uprn in sorted(unversioned):
                await session.execute(home.insert().values(uprn=prefix + uprn, postcode="NONE"))
        await save_one_by_one(db, [address(prefix + u, pc, d) for u, pc, d in stored_first])
    await save_one_by_one(db, [address(one_by_one + u, pc, d) for u, pc, d in run])
    await save_addresses(db, [address(in_one + u, pc, d) for u, pc, d in run])
    await save_as_columns(db, [address(as_columns + u, pc, d) for u, pc, d in run])
    rule: dict[str, tuple[str, datetime | None]] = {u: ("NONE", None) for u in unversioned}
    for uprn, postcode, days in [*stored_first, *run]:
        kept_as_of = rule[uprn][1] if uprn in rule else None
        as_of = REGISTERED + timedelta(days=days)
        if kept_as_of is None or kept_as_of <= as_of:
            rule[uprn] = (postcode, as_of)
    expected = {uprn: (postcode, as_of, None) for uprn, (postcode, as_of) in rule.items()}
    assert await stored(db, in_one) == await stored(db, one_by_one) == expected
    assert await stored(db, as_columns) == expected
