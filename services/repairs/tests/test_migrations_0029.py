"""Migration 0029's downgrade stops while a work order is cancelled (ADR 0141). The
release before 0029 knows no status `cancelled`: a cancelled work order left behind by
a rollback is a row it cannot read (SQLAlchemy's LookupError, a 500 for the work order
and every list holding it), and it has no status that says what the work order is. The
downgrade names how many, and goes once none is."""

from __future__ import annotations

import httpx
import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from hearth_kit.db import Database
from hearth_kit.migrations import alembic_config, upgrade
from repairs.settings import MIGRATIONS_DIR
from services.repairs.tests.orders.test_repair_completes_with_its_last_work_order import (
    another_work_order,
    cancel,
)
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order


async def down_to_0028(db: Database) -> None:
    def downgrade(connection: Connection) -> None:
        config = alembic_config(MIGRATIONS_DIR, db.url.render_as_string(hide_password=False))
        config.attributes["connection"] = connection
        command.downgrade(config, "0028")

    async with db.engine.begin() as connection:
        await connection.run_sync(downgrade)


async def test_the_downgrade_stops_while_a_work_order_is_cancelled(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    order = await a_work_order(staff, repairs_database, a_uprn())
    stray = await another_work_order(staff, order["repair_id"])
    assert (await cancel(staff, stray["id"])).status_code == 200

    with pytest.raises(RuntimeError, match=r"^1 work order\(s\) are cancelled"):
        await down_to_0028(repairs_database)
    async with repairs_database.engine.connect() as connection:
        columns = await connection.run_sync(
            lambda sync: [column["name"] for column in inspect(sync).get_columns("work_order")]
        )
    assert "cancellation_reason" in columns  # nothing dropped

    # settled (here: back to raised), the downgrade goes, and forward again
    async with repairs_database.engine.begin() as connection:
        await connection.execute(
            text("UPDATE work_order SET status = 'raised' WHERE status = 'cancelled'")
        )
    await down_to_0028(repairs_database)
    await upgrade(MIGRATIONS_DIR, repairs_database.url.render_as_string(hide_password=False))
