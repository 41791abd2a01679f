"""Migration 0037 adds work_order.follow_on_required_by (docs/adr/0235). Down, the column
goes and the release before reads the repair as it did; up again, a completion from
before keeps NULL (its follow-on not raised is not counted overdue, as the upgrading
runbook says), and a completion after it keeps its follow-on's due: down and up on the
database the tests run on (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from alembic import command
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from hearth_kit.db import Database
from hearth_kit.migrations import alembic_config
from repairs.settings import MIGRATIONS_DIR
from services.repairs.tests.orders.test_an_overdue_follow_on_of_an_emergency import (
    an_emergency_reported,
    follow_on_due,
)
from services.repairs.tests.orders.test_emergency_made_safe import a_work_order, complete


async def migrated(db: Database, revision: str) -> None:
    def move(connection: Connection) -> None:
        config = alembic_config(MIGRATIONS_DIR, db.url.render_as_string(hide_password=False))
        config.attributes["connection"] = connection
        if revision == "0036":
            command.downgrade(config, revision)
        else:
            command.upgrade(config, revision)

    async with db.engine.begin() as connection:
        await connection.run_sync(move)


async def work_order_columns(db: Database) -> set[str]:
    async with db.engine.connect() as connection:
        columns = await connection.run_sync(lambda c: inspect(c).get_columns("work_order"))
    return {column["name"] for column in columns}


async def test_down_and_up_again_keeps_the_due_of_each_follow_on_asked_for_after(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    await migrated(repairs_database, "0036")
    assert "follow_on_required_by" not in await work_order_columns(repairs_database)
    await migrated(repairs_database, "head")
    assert "follow_on_required_by" in await work_order_columns(repairs_database)

    async def made_safe_asking_for_a_follow_on() -> tuple[dict[str, object], dict[str, object]]:
        repair = await an_emergency_reported(staff, timedelta(days=20))
        reported = datetime.fromisoformat(str(repair["reported_at"]).replace("Z", "+00:00"))
        order = await a_work_order(staff, repairs_database, str(repair["id"]), raised_at=reported)
        await complete(staff, order, reported + timedelta(hours=3), follow_on=True)
        return repair, order

    repair, order = await made_safe_asking_for_a_follow_on()
    assert await follow_on_due(repairs_database, order) is not None
    assert (await staff.get(f"/v1/repairs/{repair['id']}")).json()["overdue"] is True

    # Down: the column goes; up again, that completion holds NULL, as every completion
    # from before the release does, and its repair is read as before it (not overdue).
    await migrated(repairs_database, "0036")
    await migrated(repairs_database, "head")
    assert await follow_on_due(repairs_database, order) is None
    assert (await staff.get(f"/v1/repairs/{repair['id']}")).json()["overdue"] is False

    later, later_order = await made_safe_asking_for_a_follow_on()
    due = await follow_on_due(repairs_database, later_order)
    assert due is not None
    assert due < datetime.now(UTC)
    assert (await staff.get(f"/v1/repairs/{later['id']}")).json()["overdue"] is True
