"""Migration 0010 gives starter tenancies started without one their trial period's end,
12 months after the start, as new starter tenancies get it; other types are untouched."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import Date, Uuid, bindparam, text

from hearth_kit.db import AwareDateTime, Database
from hearth_kit.migrations import upgrade
from income.settings import MIGRATIONS_DIR
from tests.harness.infra import DatabaseFactory


async def test_starter_tenancies_get_their_trial_end(databases: DatabaseFactory) -> None:
    url = await databases.create("income_0010")
    await upgrade(MIGRATIONS_DIR, url, "0009")
    db = Database(url)
    tenancies = {
        uuid.uuid4(): ("starter", date(2024, 2, 29), date(2025, 2, 28)),
        uuid.uuid4(): ("secure", date(2025, 4, 7), None),
    }
    try:
        async with db.engine.begin() as connection:
            for number, (tenancy_id, (tenancy_type, start, _)) in enumerate(tenancies.items()):
                await connection.execute(
                    text(
                        "INSERT INTO tenancy (id, tenancy_reference, uprn, start_date, "
                        "tenancy_type, weekly_rent_pence, weekly_service_charge_pence, status, "
                        "created_at, version) VALUES (:id, :ref, :uprn, :start, :type, 10000, 0, "
                        "'current', :now, 1)"
                    ).bindparams(
                        bindparam("id", type_=Uuid()), bindparam("now", type_=AwareDateTime())
                    ),
                    {
                        "id": tenancy_id,
                        "ref": f"M-{number}",
                        "uprn": f"1000000000{number}",
                        "start": start,
                        "type": tenancy_type,
                        "now": datetime.now(UTC),
                    },
                )
        await upgrade(MIGRATIONS_DIR, url, "0010")  # 0017 moves 28 February on a day
        async with db.engine.connect() as connection:
            ends = dict(
                (
                    await connection.execute(
                        text("SELECT id, introductory_ends_on FROM tenancy").columns(
                            id=Uuid(), introductory_ends_on=Date()
                        )
                    )
                ).all()
            )
        assert ends == {tenancy_id: end for tenancy_id, (_, _, end) in tenancies.items()}
    finally:
        await db.dispose()
