"""Two work orders of one repair completed at the same moment complete the repair once.

A repair may have more than one work order open (a second raised while the first is
still out). Completing one reads its repair and, when it is still open, completes it
and publishes repair-completed. Two completions at once each read the repair open (the
other's change not yet committed): both completed it, both published repair-completed
(RP02 and the household's message counted twice) and both were right first time. A
completion now locks the repair (FOR NO KEY UPDATE) after its work order, so the second
waits and reads the repair as the first left it."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime

import httpx

from hearth_kit.db import Database
from repairs.orders.schemas import Completion
from repairs.orders.service import WorkOrderService
from repairs.settings import RepairsSettings
from services.repairs.tests.contractor_doubles import contractor
from services.repairs.tests.orders.test_appointment_lock_order import on_postgresql
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order, published
from tests.harness.locks import until_a_backend_waits_for_a_lock, until_done_or_waiting


async def test_two_work_orders_completed_at_once_complete_their_repair_once(
    staff: httpx.AsyncClient,
    repairs_database: Database,
    contracted_settings: RepairsSettings,
) -> None:
    on_postgresql(repairs_database)
    uprn = a_uprn()
    first = await a_work_order(staff, repairs_database, uprn)
    raised = await staff.post(
        "/v1/work-orders",
        json={"repair_id": first["repair_id"], "lines": [{"sor_code": "PLB:20110", "quantity": 1}]},
    )
    assert raised.status_code == 201, raised.text
    second = raised.json()
    orders = WorkOrderService(contracted_settings)
    async with repairs_database.sessionmaker() as completing, completing.begin():
        await orders.complete(
            completing,
            uuid.UUID(first["id"]),
            "plumbfast",
            Completion(completed_at=datetime.now(UTC)),
        )
        other = asyncio.create_task(
            staff.post(
                f"/v1/contractor/work-orders/{second['id']}/completion",
                json={"completed_at": datetime.now(UTC).isoformat()},
                auth=contractor("plumbfast"),
            )
        )
        await until_a_backend_waits_for_a_lock(repairs_database)
    completed = await other
    assert completed.status_code == 200, completed.text
    assert completed.json()["right_first_time"] is False  # the first was completed before
    assert len(await published(repairs_database, uprn, "repair-completed")) == 1


async def test_a_work_order_raised_while_its_repair_is_completed_is_refused(
    staff: httpx.AsyncClient,
    repairs_database: Database,
    contracted_settings: RepairsSettings,
) -> None:
    """Raising a work order read its repair open without a lock, while the last work
    order's completion was completing it: a work order (and its contractor's webhook
    message) for a completed repair. Raising now locks the repair too, so it waits for
    the completion and finds the repair completed (422 `repair_id`)."""
    on_postgresql(repairs_database)
    uprn = a_uprn()
    first = await a_work_order(staff, repairs_database, uprn)
    orders = WorkOrderService(contracted_settings)
    async with repairs_database.sessionmaker() as completing, completing.begin():
        await orders.complete(
            completing,
            uuid.UUID(first["id"]),
            "plumbfast",
            Completion(completed_at=datetime.now(UTC)),
        )
        raised = asyncio.create_task(
            staff.post(
                "/v1/work-orders",
                json={
                    "repair_id": first["repair_id"],
                    "lines": [{"sor_code": "PLB:20110", "quantity": 1}],
                },
            )
        )
        await until_done_or_waiting(raised, repairs_database)
    response = await raised
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "repair_id"
    assert len(await published(repairs_database, uprn, "work-order-raised")) == 1
