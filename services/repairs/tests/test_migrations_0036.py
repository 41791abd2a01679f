"""Migration 0036 adds awaab_case_hazard (docs/adr/0193). Its downgrade refuses while a
hazard is recorded (the evidence the release before could not keep), drops the table once
the rows are settled, and forward again it is there, empty, and takes a hazard as before:
down and up on the database the tests run on (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import inspect, text

from hearth_contracts.events.visits import HazardSeverity
from hearth_kit.db import Database
from repairs.settings import MIGRATIONS_DIR
from services.repairs.tests.awaab.test_a_hazard_at_a_home_with_a_damp_case_open import (
    handled,
    seen_on_a_visit,
)
from services.repairs.tests.awaab.test_cases import a_uprn
from services.repairs.tests.awaab.test_damp_reported_as_a_repair_opens_a_case import (
    cases_at,
    report,
)
from tests.harness.service import downgraded, upgraded


async def tables(db: Database) -> set[str]:
    async with db.engine.connect() as connection:
        return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))


async def test_down_and_up_again_keeps_recording_hazards(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    await report(staff, uprn, reported_at=datetime.now(UTC) - timedelta(days=3))
    first = seen_on_a_visit(uprn, HazardSeverity.SIGNIFICANT, datetime.now(UTC) - timedelta(days=1))
    await handled(repairs_database, first)

    with pytest.raises(RuntimeError, match="1 hazard"):
        await downgraded(repairs_database, MIGRATIONS_DIR, "0035")
    assert "awaab_case_hazard" in await tables(repairs_database)
    async with repairs_database.engine.begin() as connection:  # the manager settled it
        await connection.execute(text("DELETE FROM awaab_case_hazard"))

    await downgraded(repairs_database, MIGRATIONS_DIR, "0035")
    assert "awaab_case_hazard" not in await tables(repairs_database)
    await upgraded(repairs_database, MIGRATIONS_DIR)
    async with repairs_database.engine.connect() as connection:
        kept = await connection.execute(text("SELECT count(*) FROM awaab_case_hazard"))
        assert kept.scalar_one() == 0

    later = seen_on_a_visit(uprn, HazardSeverity.SIGNIFICANT, datetime.now(UTC))
    await handled(repairs_database, later)
    [case] = await cases_at(staff, uprn)
    assert [h["hazard_id"] for h in case["hazards_recorded"]] == [str(later.hazard_id)]
