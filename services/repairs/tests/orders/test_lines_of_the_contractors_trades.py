"""Every line of a work order is work its contractor does. A raised repair's work
elements each have a trade (HACT, DOMAIN.md) and the contractor is sent them all, but
only the repair's trade was checked against the contractor's: a plumbing repair ordered
from a plumbing contractor with an electrical socket among its lines was raised and sent
to the plumber. Now a line of a trade the contractor does not do is a 422 naming its
sor_code, nothing raised or sent."""

from __future__ import annotations

import httpx

from hearth_kit.db import Database
from services.repairs.tests.orders.test_work_orders import (
    a_repair,
    a_uprn,
    published,
    schedule_of_rates,
)


async def test_a_line_of_a_trade_the_contractor_does_not_do_is_refused(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    await schedule_of_rates(repairs_database)
    uprn = a_uprn()
    repair = await a_repair(staff, uprn, "plumbing")  # plumbfast: plumbing, carpentry

    refused = await staff.post(
        "/v1/work-orders",
        json={
            "repair_id": repair["id"],
            "lines": [
                {"sor_code": "PLB:20110", "quantity": 1},
                {"sor_code": "ELE:30010", "quantity": 1},
            ],
        },
    )

    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["lines.1.sor_code"]
    assert await published(repairs_database, uprn, "work-order-raised") == []
    listed = await staff.get("/v1/work-orders", params={"uprn": uprn})
    assert listed.json()["items"] == []


async def test_lines_of_the_contractors_trades_are_raised(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    await schedule_of_rates(repairs_database)
    uprn = a_uprn()
    repair = await a_repair(staff, uprn, "electrical")  # sparks: electrical, general

    raised = await staff.post(
        "/v1/work-orders",
        json={"repair_id": repair["id"], "lines": [{"sor_code": "ELE:30010", "quantity": 1}]},
    )

    assert raised.status_code == 201, raised.text
    assert raised.json()["contractor_id"] == "sparks"
