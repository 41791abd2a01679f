"""Migration 0012 closes the arrangements of tenancies already ended: completed when
the account owes nothing, else tenancy_ended; a current tenancy's stays active."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import Uuid, bindparam, text

from hearth_kit.db import AwareDateTime, Database
from hearth_kit.migrations import upgrade
from income.settings import MIGRATIONS_DIR
from tests.harness.infra import DatabaseFactory


async def test_arrangements_of_ended_tenancies_are_closed(databases: DatabaseFactory) -> None:
    url = await databases.create("income_0012")
    await upgrade(MIGRATIONS_DIR, url, "0011")
    db = Database(url)
    now = datetime.now(UTC)
    # (tenancy status, balance) -> the arrangement's status after the migration
    cases = {
        ("ended", 5_000): "tenancy_ended",
        ("ended", 0): "completed",
        ("current", 5_000): "active",
    }
    arrangement_ids = {}
    try:
        async with db.engine.begin() as connection:
            for number, (status, owed) in enumerate(cases):
                tenancy_id, account_id, arrangement_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
                arrangement_ids[arrangement_id] = cases[(status, owed)]
                await connection.execute(
                    text(
                        "INSERT INTO tenancy (id, tenancy_reference, uprn, start_date, "
                        "tenancy_type, weekly_rent_pence, weekly_service_charge_pence, status, "
                        "end_date, created_at, version) VALUES (:id, :ref, :uprn, :start, "
                        "'secure', 10000, 0, :status, :end, :now, 1)"
                    ).bindparams(
                        bindparam("id", type_=Uuid()), bindparam("now", type_=AwareDateTime())
                    ),
                    {
                        "id": tenancy_id,
                        "ref": f"M-{number}",
                        "uprn": f"1000000000{number}",
                        "start": date(2025, 4, 7),
                        "status": status,
                        "end": date(2026, 1, 11) if status == "ended" else None,
                        "now": now,
                    },
                )
                await connection.execute(
                    text(
                        "INSERT INTO account (id, tenancy_id, uprn, kind, opened_on) "
                        "VALUES (:id, :tenancy, :uprn, 'rent', :opened)"
                    ).bindparams(bindparam("id", type_=Uuid()), bindparam("tenancy", type_=Uuid())),
                    {
                        "id": account_id,
                        "tenancy": tenancy_id,
                        "uprn": f"1000000000{number}",
                        "opened": date(2025, 4, 7),
                    },
                )
                if owed:
                    await connection.execute(
                        text(
                            "INSERT INTO ledger_entry (id, account_id, kind, amount_pence, "
                            "effective_on, posted_at) VALUES (:id, :account, 'rent', :owed, "
                            ":day, :now)"
                        ).bindparams(
                            bindparam("id", type_=Uuid()),
                            bindparam("account", type_=Uuid()),
                            bindparam("now", type_=AwareDateTime()),
                        ),
                        {
                            "id": uuid.uuid4(),
                            "account": account_id,
                            "owed": owed,
                            "day": date(2026, 1, 5),
                            "now": now,
                        },
                    )
                await connection.execute(
                    text(
                        "INSERT INTO arrangement (id, account_id, tenancy_id, status, "
                        "weekly_income_pence, weekly_expenditure_pence, instalment_pence, "
                        "frequency, arrears_pence, first_instalment_on, review_on, made_at, "
                        "balance_at_start_pence) VALUES (:id, :account, :tenancy, 'active', "
                        "30000, 28000, 1000, 'weekly', 5000, :day, :day, :now, 5000)"
                    ).bindparams(
                        bindparam("id", type_=Uuid()),
                        bindparam("account", type_=Uuid()),
                        bindparam("tenancy", type_=Uuid()),
                        bindparam("now", type_=AwareDateTime()),
                    ),
                    {
                        "id": arrangement_id,
                        "account": account_id,
                        "tenancy": tenancy_id,
                        "day": date(2026, 1, 5),
                        "now": now,
                    },
                )
        await upgrade(MIGRATIONS_DIR, url)
        async with db.engine.connect() as connection:
            statuses = dict(
                (
                    await connection.execute(
                        text("SELECT id, status FROM arrangement").columns(id=Uuid())
                    )
                ).all()
            )
        assert statuses == arrangement_ids
    finally:
        await db.dispose()
