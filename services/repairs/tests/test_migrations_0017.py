"""Migration 0017's downgrade stops while a recharge is declined (docs/adr/0152). The
release before 0017 knows no status `declined`: a declined recharge left behind by a
rollback is a row it cannot read (SQLAlchemy's LookupError, a 500 for the recharge and
every list holding it), and it has no status that says the recharge will never be
raised. The downgrade names how many, never which, and goes once none is."""

from __future__ import annotations

import httpx
import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

from hearth_kit.db import Database
from hearth_kit.migrations import alembic_config, upgrade
from repairs.settings import MIGRATIONS_DIR
from services.repairs.tests.test_recharge_declined import a_held_recharge, decline


async def down_to_0016(db: Database) -> None:
    def downgrade(connection: Connection) -> None:
        config = alembic_config(MIGRATIONS_DIR, db.url.render_as_string(hide_password=False))
        config.attributes["connection"] = connection
        command.downgrade(config, "0016")

    async with db.engine.begin() as connection:
        await connection.run_sync(downgrade)


async def test_the_downgrade_stops_while_a_recharge_is_declined(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    held = await a_held_recharge(staff, repairs_database)
    assert (await decline(staff, held["id"])).status_code == 200

    with pytest.raises(RuntimeError, match=r"^1 recharge\(s\) are declined, a status"):
        await down_to_0016(repairs_database)
    async with repairs_database.engine.connect() as connection:
        columns = await connection.run_sync(
            lambda sync: [column["name"] for column in inspect(sync).get_columns("recharge")]
        )
    assert "decline_reason" in columns  # nothing dropped

    # settled (here: back to held), the downgrade goes, and forward again
    async with repairs_database.engine.begin() as connection:
        await connection.execute(
            text("UPDATE recharge SET status = 'awaiting_approval' WHERE status = 'declined'")
        )
    await down_to_0016(repairs_database)
    await upgrade(MIGRATIONS_DIR, repairs_database.url.render_as_string(hide_password=False))
