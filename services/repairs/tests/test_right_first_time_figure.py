"""Right first time (DOMAIN.md: no follow-on visit needed; target 80%) is a share of
repairs put right at the first completed visit. A repair whose first work order needed
a follow-on is one repair not right first time: its follow-on work order, completed
later, is that follow-on visit, not a second repair that failed. Counted per work
order, the follow-on added a second failure to the denominator (one repair right first
time and one not read 1 of 3, not 1 of 2).

Its own module: the figures count the whole database, and the module's database is
this file's alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from services.repairs.tests.contractor_doubles import contractor
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order


async def complete(
    staff: httpx.AsyncClient, work_order_id: str, *, follow_on_required: bool = False
) -> None:
    response = await staff.post(
        f"/v1/contractor/work-orders/{work_order_id}/completion",
        json={
            "completed_at": datetime.now(UTC).isoformat(),
            "follow_on_required": follow_on_required,
        },
        auth=contractor("plumbfast"),
    )
    assert response.status_code == 200, response.text


async def test_a_follow_on_work_order_is_not_a_second_repair_in_right_first_time(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    right = await a_work_order(staff, repairs_database, a_uprn())
    await complete(staff, right["id"])
    first_visit = await a_work_order(staff, repairs_database, a_uprn())
    await complete(staff, first_visit["id"], follow_on_required=True)
    raised = await staff.post(
        "/v1/work-orders",
        json={
            "repair_id": first_visit["repair_id"],
            "lines": [{"sor_code": "PLB:20120", "quantity": 1}],
            "follow_on_of": first_visit["id"],
        },
    )
    assert raised.status_code == 201, raised.text
    await complete(staff, raised.json()["id"])
    # a no-access visit is not a completion: it counts nowhere
    no_access = await a_work_order(staff, repairs_database, a_uprn())
    visited = await staff.post(
        f"/v1/contractor/work-orders/{no_access['id']}/status",
        json={"status": "no_access"},
        auth=contractor("plumbfast"),
    )
    assert visited.status_code == 200, visited.text

    today = london_day(datetime.now(UTC))
    response = await staff.get(
        "/v1/repairs/figures", params={"from": str(today - timedelta(days=1)), "to": str(today)}
    )
    assert response.status_code == 200, response.text
    measure = {m["code"]: m for m in response.json()["measures"]}["repairs.right_first_time"]
    assert (measure["numerator"], measure["denominator"]) == (1, 2)
