"""Migration 0034's downgrade stops while a recharge is cancelled (ADR 0176, ADR 0152):
the release before 0034 knows no status `cancelled`, so such a row left by a rollback
is one it cannot read. The downgrade names how many, and goes once none is."""

from __future__ import annotations

import httpx
import pytest
from alembic import command
from sqlalchemy import text
from sqlalchemy.engine import Connection

from hearth_kit.db import Database
from hearth_kit.migrations import alembic_config, upgrade
from repairs.settings import MIGRATIONS_DIR
from services.repairs.tests.test_recharge_cancelled import CANCELLED, cancellation
from services.repairs.tests.test_recharge_written_off import a_recharge, handle

BEFORE = "0033"


async def down_to_before(db: Database) -> None:
    def downgrade(connection: Connection) -> None:
        config = alembic_config(MIGRATIONS_DIR, db.url.render_as_string(hide_password=False))
        config.attributes["connection"] = connection
        command.downgrade(config, BEFORE)

    async with db.engine.begin() as connection:
        await connection.run_sync(downgrade)


async def test_the_downgrade_stops_while_a_recharge_is_cancelled(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    recharge = await a_recharge(staff)
    await handle(repairs_database, cancellation(recharge, CANCELLED))

    with pytest.raises(RuntimeError, match=r"^1 recharge\(s\) are cancelled"):
        await down_to_before(repairs_database)

    # settled (here: back to raised), the downgrade goes, and forward again
    async with repairs_database.engine.begin() as connection:
        await connection.execute(
            text("UPDATE recharge SET status = 'raised' WHERE status = 'cancelled'")
        )
    await down_to_before(repairs_database)
    await upgrade(MIGRATIONS_DIR, repairs_database.url.render_as_string(hide_password=False))
