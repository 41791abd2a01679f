"""Income's downgrades stop while a row holds a status the release before cannot read
(docs/adr/0152): 0029's while a tenancy is `withdrawn`, 0016's while an arrangement is
`ended`, 0012's while one is `tenancy_ended`. A row left so by a rollback is one that
release cannot read (SQLAlchemy's LookupError, a 500 for it and every list holding
it). Each names how many, never which, and goes once none is. SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Uuid, bindparam, inspect, text

from hearth_kit.db import AwareDateTime, Database
from hearth_kit.migrations import upgrade
from income.settings import MIGRATIONS_DIR
from tests.harness.infra import DatabaseFactory
from tests.harness.service import downgraded


async def down_to(db: Database, revision: str) -> None:
    await downgraded(db, MIGRATIONS_DIR, revision)


async def settle(db: Database, table: str, status: str, to: str) -> None:
    async with db.engine.begin() as connection:
        await connection.execute(
            text(f"UPDATE {table} SET status = :to WHERE status = :status"),
            {"to": to, "status": status},
        )


async def a_withdrawn_tenancy_with_arrangements(db: Database) -> None:
    """A withdrawn tenancy, its rent account, and two arrangements on it: one `ended`,
    one `tenancy_ended` (rows no API makes together; each status is what counts)."""
    tenancy_id, account_id = uuid.uuid4(), uuid.uuid4()
    now = datetime.now(UTC)
    async with db.engine.begin() as connection:
        await connection.execute(
            text(
                "INSERT INTO tenancy (id, tenancy_reference, uprn, start_date, tenancy_type, "
                "weekly_rent_pence, weekly_service_charge_pence, status, created_at, "
                "version) VALUES (:id, 'W-1', '100000000001', :start, 'secure', 10000, 0, "
                "'withdrawn', :now, 1)"
            ).bindparams(bindparam("id", type_=Uuid()), bindparam("now", type_=AwareDateTime())),
            {"id": tenancy_id, "start": date(2026, 4, 6), "now": now},
        )
        await connection.execute(
            text(
                "INSERT INTO account (id, tenancy_id, uprn, kind, opened_on) "
                "VALUES (:id, :tenancy, '100000000001', 'rent', :opened)"
            ).bindparams(bindparam("id", type_=Uuid()), bindparam("tenancy", type_=Uuid())),
            {"id": account_id, "tenancy": tenancy_id, "opened": date(2026, 4, 6)},
        )
        for status in ("ended", "tenancy_ended"):
            await connection.execute(
                text(
                    "INSERT INTO arrangement (id, account_id, tenancy_id, status, "
                    "weekly_income_pence, weekly_expenditure_pence, instalment_pence, "
                    "frequency, arrears_pence, first_instalment_on, review_on, made_at, "
                    "balance_at_start_pence) VALUES (:id, :account, :tenancy, :status, "
                    "30000, 28000, 1000, 'weekly', 5000, :day, :day, :now, 5000)"
                ).bindparams(
                    bindparam("id", type_=Uuid()),
                    bindparam("account", type_=Uuid()),
                    bindparam("tenancy", type_=Uuid()),
                    bindparam("now", type_=AwareDateTime()),
                ),
                {
                    "id": uuid.uuid4(),
                    "account": account_id,
                    "tenancy": tenancy_id,
                    "status": status,
                    "day": date(2026, 4, 6),
                    "now": now,
                },
            )


async def tenancy_columns(db: Database) -> set[str]:
    async with db.engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: {column["name"] for column in inspect(sync).get_columns("tenancy")}
        )


async def test_each_downgrade_stops_while_its_status_is_held(databases: DatabaseFactory) -> None:
    url = await databases.create("income_statuses")
    await upgrade(MIGRATIONS_DIR, url)
    db = Database(url)
    try:
        await a_withdrawn_tenancy_with_arrangements(db)

        with pytest.raises(RuntimeError, match=r"^1 tenancy\(ies\) are withdrawn, a status"):
            await down_to(db, "0028")
        assert "withdrawn_at" in await tenancy_columns(db)  # nothing dropped
        await settle(db, "tenancy", "withdrawn", "ended")
        await down_to(db, "0028")
        assert "withdrawn_at" not in await tenancy_columns(db)

        with pytest.raises(RuntimeError, match=r"^1 arrangement\(s\) are ended, a status"):
            await down_to(db, "0015")
        await settle(db, "arrangement", "ended", "completed")
        await down_to(db, "0015")

        with pytest.raises(RuntimeError, match=r"^1 arrangement\(s\) are tenancy_ended, a status"):
            await down_to(db, "0011")
        await settle(db, "arrangement", "tenancy_ended", "completed")
        await down_to(db, "0011")
    finally:
        await db.dispose()
    await upgrade(MIGRATIONS_DIR, url)  # and forward again
