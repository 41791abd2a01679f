"""Migration 0038 adds awaab_case.duplicate_of and awaab_clock.withdrawn (docs/adr/0236).
Its downgrade refuses while a case is a duplicate (a status the release before cannot
read, whose withdrawn clocks it would count met or late), goes down once it is settled,
and forward again a case is closed as a duplicate as before; the breach figures' index
on an expression survives both ways (a batch copy of awaab_clock on SQLite would drop
it): down and up on the database the tests run on (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import text

from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from repairs.settings import MIGRATIONS_DIR
from services.repairs.tests.awaab.test_a_case_closed_as_the_same_damp_as_another import (
    a_later_case_beside_an_earlier_one,
    close_as_duplicate,
)
from services.repairs.tests.awaab.test_cases import a_uprn
from tests.harness.service import downgraded


async def awaab_clock_indexes(db: Database) -> set[str]:
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'awaab_clock'"
        if db.is_sqlite
        else "SELECT indexname FROM pg_indexes WHERE tablename = 'awaab_clock'"
    )
    async with db.engine.connect() as connection:
        return set((await connection.execute(text(query))).scalars().all())


async def test_down_refused_while_a_case_is_a_duplicate_then_down_and_up_again(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    later, earlier = await a_later_case_beside_an_earlier_one(staff, a_uprn())
    assert (await close_as_duplicate(staff, later["id"], earlier["id"])).status_code == 200

    with pytest.raises(RuntimeError, match="1 Awaab's Law case"):
        await downgraded(repairs_database, MIGRATIONS_DIR, "0037")
    async with repairs_database.engine.begin() as connection:  # the manager settled it
        await connection.execute(
            text("UPDATE awaab_case SET status = 'closed' WHERE status = 'duplicate'")
        )

    await downgraded(repairs_database, MIGRATIONS_DIR, "0037")
    assert "ix_awaab_clock_breached_deadline" in await awaab_clock_indexes(repairs_database)
    await upgrade(MIGRATIONS_DIR, repairs_database.url.render_as_string(hide_password=False))
    assert "ix_awaab_clock_breached_deadline" in await awaab_clock_indexes(repairs_database)

    settled = (await staff.get(f"/v1/awaab-cases/{later['id']}")).json()
    assert (settled["status"], settled["clocks"][0]["withdrawn"]) == ("closed", False)
    now = datetime.now(UTC)
    again_later, again_earlier = await a_later_case_beside_an_earlier_one(staff, a_uprn())
    closed = await close_as_duplicate(staff, again_later["id"], again_earlier["id"])
    assert closed.status_code == 200, closed.text
    [clock] = closed.json()["clocks"]
    assert clock["withdrawn"] is True
    assert datetime.fromisoformat(clock["stopped_at"]) >= now - timedelta(seconds=5)
