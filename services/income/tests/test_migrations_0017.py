"""Migration 0017: `introductory_ends_on` is the first day off trial (Housing Act 1996
s.125: the trial is the year beginning with the start). A date cut back to a shorter
month's last day moves to the 1st of the next; every other date already is that day."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import Date, Uuid, bindparam, text

from hearth_kit.db import AwareDateTime, Database
from hearth_kit.migrations import upgrade
from income.settings import MIGRATIONS_DIR
from tests.harness.infra import DatabaseFactory


async def test_a_trial_end_cut_back_to_a_months_last_day_moves_to_the_1st(
    databases: DatabaseFactory,
) -> None:
    url = await databases.create("income_0017")
    await upgrade(MIGRATIONS_DIR, url, "0016")
    db = Database(url)
    # start, stored introductory_ends_on, after the migration
    tenancies = {
        uuid.uuid4(): (date(2024, 2, 29), date(2025, 2, 28), date(2025, 3, 1)),
        uuid.uuid4(): (date(2024, 8, 31), date(2026, 2, 28), date(2026, 3, 1)),  # extended
        uuid.uuid4(): (date(2025, 3, 31), date(2026, 9, 30), date(2026, 10, 1)),  # extended
        uuid.uuid4(): (date(2024, 2, 28), date(2025, 2, 28), date(2025, 2, 28)),
        uuid.uuid4(): (date(2025, 3, 1), date(2026, 3, 1), date(2026, 3, 1)),
        uuid.uuid4(): (date(2025, 1, 31), date(2026, 1, 31), date(2026, 1, 31)),
        uuid.uuid4(): (date(2024, 2, 29), None, None),  # decided
    }
    try:
        async with db.engine.begin() as connection:
            for number, (tenancy_id, (start, ends_on, _)) in enumerate(tenancies.items()):
                await connection.execute(
                    text(
                        "INSERT INTO tenancy (id, tenancy_reference, uprn, start_date, "
                        "tenancy_type, weekly_rent_pence, weekly_service_charge_pence, status, "
                        "introductory_ends_on, created_at, version) VALUES (:id, :ref, :uprn, "
                        ":start, 'introductory', 10000, 0, 'current', :ends_on, :now, 1)"
                    ).bindparams(
                        bindparam("id", type_=Uuid()),
                        bindparam("ends_on", type_=Date()),
                        bindparam("now", type_=AwareDateTime()),
                    ),
                    {
                        "id": tenancy_id,
                        "ref": f"M-{number}",
                        "uprn": f"1000000000{number}",
                        "start": start,
                        "ends_on": ends_on,
                        "now": datetime.now(UTC),
                    },
                )
        await upgrade(MIGRATIONS_DIR, url)
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
        assert ends == {tenancy_id: after for tenancy_id, (_, _, after) in tenancies.items()}
    finally:
        await db.dispose()
