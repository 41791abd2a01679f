"""Migration 0004 moves each stored rent account balance into the ledger: the account
gets an id, a non-zero balance becomes one opening balance entry (so every balance is
unchanged), and the account gets its arrears case."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import Date, Uuid, bindparam, text

from hearth_kit.db import AwareDateTime, Database
from hearth_kit.migrations import upgrade
from income.settings import MIGRATIONS_DIR
from tests.harness.infra import DatabaseFactory


async def test_stored_balances_become_opening_entries(databases: DatabaseFactory) -> None:
    url = await databases.create("income_0004")
    await upgrade(MIGRATIONS_DIR, url, "0003")
    db = Database(url)
    owing, clear = uuid.uuid4(), uuid.uuid4()
    try:
        async with db.engine.begin() as connection:
            for number, (tenancy_id, balance) in enumerate(((owing, 12_345), (clear, 0))):
                await connection.execute(
                    text(
                        "INSERT INTO tenancy (id, tenancy_reference, uprn, start_date, "
                        "tenancy_type, weekly_rent_pence, status, created_at, version) VALUES "
                        "(:id, :ref, :uprn, :start, 'introductory', 10000, 'current', :now, 1)"
                    ).bindparams(
                        bindparam("id", type_=Uuid()), bindparam("now", type_=AwareDateTime())
                    ),
                    {
                        "id": tenancy_id,
                        "ref": f"M-{number}",
                        "uprn": f"1000000000{number}",
                        "start": date(2025, 4, 7),
                        "now": datetime.now(UTC),
                    },
                )
                await connection.execute(
                    text(
                        "INSERT INTO rent_account (tenancy_id, balance_pence, opened_on, version) "
                        "VALUES (:id, :balance, :opened, 1)"
                    ).bindparams(bindparam("id", type_=Uuid())),
                    {"id": tenancy_id, "balance": balance, "opened": date(2025, 4, 7)},
                )
        await upgrade(MIGRATIONS_DIR, url)
        async with db.engine.connect() as connection:
            balances = dict(
                (
                    await connection.execute(
                        text(
                            "SELECT a.tenancy_id, COALESCE(SUM(e.amount_pence), 0) FROM account a "
                            "LEFT JOIN ledger_entry e ON e.account_id = a.id GROUP BY a.tenancy_id"
                        )
                    )
                ).all()
            )
            entries = (
                (await connection.execute(text("SELECT kind FROM ledger_entry"))).scalars().all()
            )
            cases = (
                (await connection.execute(text("SELECT stage FROM arrears_case"))).scalars().all()
            )
            ends = (
                (
                    await connection.execute(
                        text("SELECT introductory_ends_on FROM tenancy").columns(
                            introductory_ends_on=Date()
                        )
                    )
                )
                .scalars()
                .all()
            )
        assert {uuid.UUID(str(k)): int(v) for k, v in balances.items()} == {owing: 12_345, clear: 0}
        assert list(entries) == ["opening_balance"]
        assert list(cases) == ["none", "none"]
        assert set(ends) == {date(2026, 4, 7)}
    finally:
        await db.dispose()
