"""HACT's raise repair carries the work class. Every work order said `responsive`, the
planned ones too (an improvement rather than a repair, a visit's minor finding), which
RP02 leaves out as not responsive: the contractor was told it was responsive work. The
work class now follows the priority."""

from __future__ import annotations

import httpx
import pytest

from hearth_contracts.events.repairs import RepairPriority
from hearth_kit.db import Database
from repairs.work_orders.rules import work_class
from services.repairs.tests.orders.test_work_orders import a_uprn, schedule_of_rates


@pytest.mark.parametrize(
    ("priority", "expected"),
    [
        (RepairPriority.EMERGENCY, "responsive"),
        (RepairPriority.URGENT, "responsive"),
        (RepairPriority.ROUTINE, "responsive"),
        (RepairPriority.PLANNED, "planned"),
    ],
)
def test_planned_work_is_planned_and_every_other_priority_responsive(
    priority: RepairPriority, expected: str
) -> None:
    assert work_class(priority) == expected


@pytest.mark.parametrize(
    ("priority", "expected"), [("planned", "planned"), ("routine", "responsive")]
)
async def test_the_work_order_raised_says_its_work_class(
    staff: httpx.AsyncClient, repairs_database: Database, priority: str, expected: str
) -> None:
    await schedule_of_rates(repairs_database)
    repair = await staff.post(
        "/v1/repairs",
        json={
            "uprn": a_uprn(),
            "description": "Replace the bath taps",
            "location": "bathroom",
            "trade": "plumbing",
            "priority": priority,
        },
    )
    assert repair.status_code == 201, repair.text

    order = await staff.post(
        "/v1/work-orders",
        json={
            "repair_id": repair.json()["id"],
            "lines": [{"sor_code": "PLB:20110", "quantity": 1}],
        },
    )

    assert order.status_code == 201, order.text
    assert order.json()["work_class"] == expected
