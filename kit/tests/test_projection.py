"""A projection upsert never lets an older event overwrite a newer one, and the same
event twice changes nothing: on the test database (PostgreSQL in CI) and on SQLite
(the embedded default)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import JSON, Column, DateTime, MetaData, String, Table, select

from hearth_kit.db import AwareDateTime, Database
from hearth_kit.projection import upsert_newer
from tests.harness.infra import DatabaseFactory

metadata = MetaData()
home = Table(
    "home",
    metadata,
    Column("uprn", String(12), primary_key=True),
    Column("postcode", String(8), nullable=True),
    Column("address_as_of", AwareDateTime(), nullable=True),
    Column("tenancy_reference", String(32), nullable=True),
    Column("tenancy_as_of", DateTime(timezone=True), nullable=True),
)

REGISTERED = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


@pytest.fixture(scope="module", params=["test database", "sqlite"])
async def db(
    request: pytest.FixtureRequest,
    databases: DatabaseFactory,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Database]:
    if request.param == "sqlite":
        path: Path = tmp_path_factory.mktemp("projection") / "projection.db"
        url = f"sqlite+aiosqlite:///{path}"
    else:
        url = await databases.create("projection")
    database = Database(url)
    async with database.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    yield database
    await database.dispose()


async def save_address(db: Database, uprn: str, postcode: str, as_of: datetime) -> None:
    async with db.sessionmaker() as session, session.begin():
        await upsert_newer(
            session,
            home,
            key={"uprn": uprn},
            values={"postcode": postcode, "address_as_of": as_of},
            version="address_as_of",
        )


async def stored(db: Database, uprn: str) -> dict[str, object]:
    async with db.sessionmaker() as session:
        row = (await session.execute(select(home).where(home.c.uprn == uprn))).mappings().one()
        return dict(row)


async def test_the_first_event_inserts_the_row(db: Database) -> None:
    await save_address(db, "1", "E8 1AA", REGISTERED)
    row = await stored(db, "1")
    assert (row["postcode"], row["address_as_of"]) == ("E8 1AA", REGISTERED)


async def test_a_newer_event_overwrites(db: Database) -> None:
    await save_address(db, "2", "E8 1AA", REGISTERED)
    await save_address(db, "2", "E8 2BB", REGISTERED + timedelta(days=1))
    row = await stored(db, "2")
    assert (row["postcode"], row["address_as_of"]) == ("E8 2BB", REGISTERED + timedelta(days=1))


async def test_an_older_event_arriving_late_is_ignored(db: Database) -> None:
    await save_address(db, "3", "E8 2BB", REGISTERED + timedelta(days=1))
    await save_address(db, "3", "E8 1AA", REGISTERED)
    row = await stored(db, "3")
    assert (row["postcode"], row["address_as_of"]) == ("E8 2BB", REGISTERED + timedelta(days=1))


async def test_the_same_event_twice_changes_nothing(db: Database) -> None:
    await save_address(db, "4", "E8 1AA", REGISTERED)
    before = await stored(db, "4")
    await save_address(db, "4", "E8 1AA", REGISTERED)
    assert await stored(db, "4") == before


async def test_a_row_without_a_version_yet_takes_the_event(db: Database) -> None:
    async with db.sessionmaker() as session, session.begin():
        await session.execute(home.insert().values(uprn="5", postcode="OLD"))
    await save_address(db, "5", "E8 1AA", REGISTERED)
    assert (await stored(db, "5"))["postcode"] == "E8 1AA"


async def test_each_part_of_a_row_keeps_its_own_version(db: Database) -> None:
    await save_address(db, "6", "E8 2BB", REGISTERED + timedelta(days=1))
    async with db.sessionmaker() as session, session.begin():
        await upsert_newer(
            session,
            home,
            key={"uprn": "6"},
            values={"tenancy_reference": "T-1", "tenancy_as_of": REGISTERED},
            version="tenancy_as_of",
        )
    row = await stored(db, "6")
    assert (row["postcode"], row["tenancy_reference"]) == ("E8 2BB", "T-1")


async def test_the_version_must_be_among_the_values(db: Database) -> None:
    async with db.sessionmaker() as session:
        with pytest.raises(ValueError, match="version"):
            await upsert_newer(
                session, home, key={"uprn": "7"}, values={"postcode": "E8"}, version="address_as_of"
            )


needs = Table(
    "needs",
    metadata,
    Column("resident_id", String(36), primary_key=True),
    Column("adjustments", JSON, nullable=True),
    Column("as_of", AwareDateTime(), nullable=False),
)


@pytest.mark.parametrize(
    "adjustments",
    [[], ["call_before_visiting"], ["call_before_visiting", "large_print"], {"a": [1, 2]}, None],
    ids=["empty", "one", "two", "object", "none"],
)
async def test_a_json_column_keeps_its_value_whole(db: Database, adjustments: object) -> None:
    """On PostgreSQL the rows travel as arrays: a list in a JSON column was taken for
    one more dimension of the array (one item stored as a bare string, two or more a
    failed insert)."""
    resident = f"r-{str(adjustments)[:20]}"
    async with db.sessionmaker() as session, session.begin():
        await upsert_newer(
            session,
            needs,
            key={"resident_id": resident},
            values={"adjustments": adjustments, "as_of": REGISTERED},
            version="as_of",
        )
    async with db.sessionmaker() as session:
        kept = select(needs.c.adjustments).where(needs.c.resident_id == resident)
        row = (await session.execute(kept)).one()
    assert row.adjustments == adjustments
