"""Migration 0031 links a follow-on to the work order that asked for it (ADR 0147), and
marks each follow-on asked for before it `follow_on_before_links`: nothing said which
later work order was its follow-on, so any later completion of its repair still does
it (the old rule). Work orders that asked for none, and those completed after the
migration, are not marked."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
from alembic import command
from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlmodel import col

from hearth_kit.db import Database
from hearth_kit.migrations import alembic_config, upgrade
from repairs.models import WorkOrder
from repairs.settings import MIGRATIONS_DIR
from services.repairs.tests.contractor_doubles import contractor
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order


async def down_to_0030(db: Database) -> None:
    def downgrade(connection: Connection) -> None:
        config = alembic_config(MIGRATIONS_DIR, db.url.render_as_string(hide_password=False))
        config.attributes["connection"] = connection
        command.downgrade(config, "0030")

    async with db.engine.begin() as connection:
        await connection.run_sync(downgrade)


async def completed(staff: httpx.AsyncClient, db: Database, *, follow_on: bool) -> str:
    order = await a_work_order(staff, db, a_uprn())
    response = await staff.post(
        f"/v1/contractor/work-orders/{order['id']}/completion",
        json={"completed_at": datetime.now(UTC).isoformat(), "follow_on_required": follow_on},
        auth=contractor("plumbfast"),
    )
    assert response.status_code == 200, response.text
    return str(order["id"])


async def marked(db: Database, ids: list[str]) -> dict[str, bool]:
    async with db.sessionmaker() as session:
        rows = await session.execute(
            select(col(WorkOrder.id), col(WorkOrder.follow_on_before_links)).where(
                col(WorkOrder.id).in_([uuid.UUID(i) for i in ids])
            )
        )
        return {str(work_order_id): flag for work_order_id, flag in rows.all()}


async def test_follow_ons_asked_before_0031_keep_the_old_rule(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    asked = await completed(staff, repairs_database, follow_on=True)
    not_asked = await completed(staff, repairs_database, follow_on=False)
    assert await marked(repairs_database, [asked, not_asked]) == {
        asked: False,
        not_asked: False,
    }  # completed under the link: not marked

    await down_to_0030(repairs_database)
    await upgrade(MIGRATIONS_DIR, repairs_database.url.render_as_string(hide_password=False))
    assert await marked(repairs_database, [asked, not_asked]) == {asked: True, not_asked: False}
