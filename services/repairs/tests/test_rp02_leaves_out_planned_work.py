"""RP02 is the regulator's share of responsive repairs completed within the landlord's
target (RP02.1 non-emergency, RP02.2 emergency). Planned work (triage's improvement
rather than repair, a visit's minor finding) is not a responsive repair: it counts in
neither numerator nor denominator. Counted as non-emergency, a planned job done on
time lifted RP02.1 and one done late dragged it down.

Its own module: the figures count the whole database, and the module's database is
this file's alone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from hearth_kit.db import Database
from hearth_kit.working_days import london_day
from services.repairs.tests.contractor_doubles import contractor
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order_reported


async def a_completed_repair(
    staff: httpx.AsyncClient, db: Database, priority: str, reported_at: datetime
) -> None:
    order = await a_work_order_reported(staff, db, a_uprn(), reported_at, priority)
    done = await staff.post(
        f"/v1/contractor/work-orders/{order['id']}/completion",
        json={"completed_at": datetime.now(UTC).isoformat(), "follow_on_required": False},
        auth=contractor("plumbfast"),
    )
    assert done.status_code == 200, done.text


async def test_planned_work_is_in_neither_rp02_measure(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    now = datetime.now(UTC)
    await a_completed_repair(staff, repairs_database, "routine", now - timedelta(hours=1))
    await a_completed_repair(staff, repairs_database, "emergency", now - timedelta(hours=1))
    # planned: one on time, one completed long after its 90 days
    await a_completed_repair(staff, repairs_database, "planned", now - timedelta(hours=1))
    await a_completed_repair(staff, repairs_database, "planned", now - timedelta(days=200))

    today = london_day(now)
    response = await staff.get(
        "/v1/repairs/figures", params={"from": str(today - timedelta(days=1)), "to": str(today)}
    )
    assert response.status_code == 200, response.text
    measures = {m["code"]: m for m in response.json()["measures"]}
    assert (measures["RP02.1"]["numerator"], measures["RP02.1"]["denominator"]) == (1, 1)
    assert (measures["RP02.2"]["numerator"], measures["RP02.2"]["denominator"]) == (1, 1)
    assert "planned" in measures["RP02.1"]["description"]
