"""Migration 0011: `introductory_ends_on` (tenancy and caseload entry) is the first day
off trial (Housing Act 1996 s.125: the trial is the year beginning with the start). A
date cut back to a shorter month's last day moves to the 1st of the next; every other
date already is that day."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import Date, Uuid, bindparam, text

from hearth_kit.db import AwareDateTime, Database
from hearth_kit.migrations import upgrade
from tests.harness.infra import DatabaseFactory
from visits.settings import MIGRATIONS_DIR


async def test_a_trial_end_cut_back_to_a_months_last_day_moves_to_the_1st(
    databases: DatabaseFactory,
) -> None:
    url = await databases.create("visits_0011")
    await upgrade(MIGRATIONS_DIR, url, "0010")
    db = Database(url)
    # start, stored introductory_ends_on, after the migration
    tenancies = {
        uuid.uuid4(): (date(2024, 2, 29), date(2025, 2, 28), date(2025, 3, 1)),
        uuid.uuid4(): (date(2024, 8, 30), date(2026, 2, 28), date(2026, 3, 1)),  # extended
        uuid.uuid4(): (date(2024, 2, 28), date(2025, 2, 28), date(2025, 2, 28)),
        uuid.uuid4(): (date(2025, 3, 1), date(2026, 3, 1), date(2026, 3, 1)),
        uuid.uuid4(): (None, date(2025, 2, 28), date(2025, 2, 28)),  # start unknown
    }
    try:
        async with db.engine.begin() as connection:
            for number, (tenancy_id, (start, ends_on, _)) in enumerate(tenancies.items()):
                values = {
                    "id": tenancy_id,
                    "uprn": f"1000000000{number}",
                    "start": start,
                    "ends_on": ends_on,
                    "now": datetime.now(UTC),
                }
                await connection.execute(
                    text(
                        "INSERT INTO tenancy (tenancy_id, uprn, start_date, tenancy_type, "
                        "introductory_ends_on) VALUES (:id, :uprn, :start, 'introductory', "
                        ":ends_on)"
                    ).bindparams(
                        bindparam("id", type_=Uuid()),
                        bindparam("start", type_=Date()),
                        bindparam("ends_on", type_=Date()),
                    ),
                    {key: values[key] for key in ("id", "uprn", "start", "ends_on")},
                )
                await connection.execute(
                    text(
                        "INSERT INTO caseload_assignment (tenancy_id, uprn, caseload, since, "
                        "introductory_ends_on, as_of) VALUES (:id, :uprn, 'introductory', "
                        ":since, :ends_on, :now)"
                    ).bindparams(
                        bindparam("id", type_=Uuid()),
                        bindparam("since", type_=Date()),
                        bindparam("ends_on", type_=Date()),
                        bindparam("now", type_=AwareDateTime()),
                    ),
                    {**values, "since": start or date(2024, 2, 28)},
                )
        await upgrade(MIGRATIONS_DIR, url)
        expected = {tenancy_id: after for tenancy_id, (_, _, after) in tenancies.items()}
        async with db.engine.connect() as connection:
            for table in ("tenancy", "caseload_assignment"):
                ends = dict(
                    (
                        await connection.execute(
                            text(f"SELECT tenancy_id, introductory_ends_on FROM {table}").columns(
                                tenancy_id=Uuid(), introductory_ends_on=Date()
                            )
                        )
                    ).all()
                )
                assert ends == expected, table
    finally:
        await db.dispose()
