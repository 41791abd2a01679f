"""Migration 0037 adds work_order.follow_on_required_by (docs/adr/0235). Down, the column
goes and the release before reads the repair as it did; up again, a completion from
before keeps NULL (its follow-on not raised is not counted overdue, as the upgrading
runbook says), and a completion after it keeps its follow-on's due: down and up on the
database the tests run on (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import inspect

from hearth_kit.db import Database
from repairs.settings import MIGRATIONS_DIR
from services.repairs.tests.orders.test_an_overdue_follow_on_of_an_emergency import (
    follow_on_due,
    made_safe_asking_for_a_follow_on,
)
from tests.harness.service import downgraded, upgraded


async def work_order_columns(db: Database) -> set[str]:
    async with db.engine.connect() as connection:
        columns = await connection.run_sync(lambda c: inspect(c).get_columns("work_order"))
    return {column["name"] for column in columns}


async def test_down_and_up_again_keeps_the_due_of_each_follow_on_asked_for_after(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    await downgraded(repairs_database, MIGRATIONS_DIR, "0036")
    assert "follow_on_required_by" not in await work_order_columns(repairs_database)
    await upgraded(repairs_database, MIGRATIONS_DIR)
    assert "follow_on_required_by" in await work_order_columns(repairs_database)

    repair, order = await made_safe_asking_for_a_follow_on(
        staff, repairs_database, timedelta(days=20)
    )
    assert await follow_on_due(repairs_database, order) is not None
    assert (await staff.get(f"/v1/repairs/{repair['id']}")).json()["overdue"] is True

    # Down: the column goes; up again, that completion holds NULL, as every completion
    # from before the release does, and its repair is read as before it (not overdue).
    await downgraded(repairs_database, MIGRATIONS_DIR, "0036")
    await upgraded(repairs_database, MIGRATIONS_DIR)
    assert await follow_on_due(repairs_database, order) is None
    assert (await staff.get(f"/v1/repairs/{repair['id']}")).json()["overdue"] is False

    later, later_order = await made_safe_asking_for_a_follow_on(
        staff, repairs_database, timedelta(days=20)
    )
    due = await follow_on_due(repairs_database, later_order)
    assert due is not None
    assert due < datetime.now(UTC)
    assert (await staff.get(f"/v1/repairs/{later['id']}")).json()["overdue"] is True
