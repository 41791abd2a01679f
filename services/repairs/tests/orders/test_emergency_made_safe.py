"""An emergency repair's target is to make safe within 24 hours (DOMAIN.md), not to
finish every piece of work: its first work order completed, with a follow-on needed or
not, made it safe. RP02 judges the emergency by that moment, and a repair made safe is
no longer overdue by its 24 hours while its follow-on is done (the emergency alert says a
home may be unsafe); its follow-on past its own target is another matter
(test_an_overdue_follow_on_of_an_emergency.py)."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlmodel import col

from hearth_kit.db import Database
from repairs.models import WorkOrder
from repairs.sor.service import import_schedule
from services.repairs.tests.contractor_doubles import contractor

SOR_CSV = """schedule,code,description,trade,unit,unit_price
PLB,20140,Isolate and cap leaking supply,plumbing,each,40.00
"""


async def a_work_order(
    staff: httpx.AsyncClient,
    db: Database,
    repair_id: str,
    raised_at: datetime | None = None,
    *,
    follow_on_of: str | None = None,
) -> dict[str, Any]:
    """A work order of the repair (the follow-on `follow_on_of` asked for, if given:
    docs/adr/0147)."""
    async with db.sessionmaker() as session, session.begin():
        await import_schedule(session, SOR_CSV.splitlines(keepends=True))
    response = await staff.post(
        "/v1/work-orders",
        json={
            "repair_id": repair_id,
            "lines": [{"sor_code": "PLB:20140", "quantity": 1}],
            "follow_on_of": follow_on_of,
        },
    )
    assert response.status_code == 201, response.text
    order = response.json()
    if raised_at is not None:  # raised when the leak was reported, a day and more ago
        async with db.sessionmaker() as session, session.begin():
            await session.execute(
                update(WorkOrder)
                .where(col(WorkOrder.id) == uuid.UUID(order["id"]))
                .values(raised_at=raised_at, status_changed_at=raised_at)
            )
    return order


async def complete(
    staff: httpx.AsyncClient, order: dict[str, Any], at: datetime, *, follow_on: bool
) -> dict[str, Any]:
    response = await staff.post(
        f"/v1/contractor/work-orders/{order['id']}/completion",
        json={"completed_at": at.isoformat(), "follow_on_required": follow_on},
        auth=contractor("plumbfast"),
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


async def an_emergency_reported_30_hours_ago(
    staff: httpx.AsyncClient,
) -> tuple[str, datetime, httpx.Response]:
    """A leak through the ceiling reported 30 hours ago: its home, when, and the answer."""
    uprn = str(random.randint(10**9, 10**12 - 1))
    reported = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=30)
    response = await staff.post(
        "/v1/repairs",
        json={
            "uprn": uprn,
            "description": "Water coming through the ceiling",
            "location": "bathroom",
            "trade": "plumbing",
            "priority": "emergency",
            "reported_at": reported.isoformat(),
        },
    )
    return uprn, reported, response


async def test_an_emergency_made_safe_in_24_hours_is_on_time_and_not_overdue_during_its_follow_on(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn, reported, response = await an_emergency_reported_30_hours_ago(staff)
    assert response.status_code == 201, response.text
    repair = response.json()
    made_safe = await a_work_order(staff, repairs_database, repair["id"], raised_at=reported)
    # capped 3 hours after the call, the ceiling to be repaired on a follow-on
    await complete(staff, made_safe, reported + timedelta(hours=3), follow_on=True)

    open_repair = (await staff.get(f"/v1/repairs/{repair['id']}")).json()
    assert open_repair["status"] == "open"
    assert open_repair["made_safe_at"] == (reported + timedelta(hours=3)).isoformat().replace(
        "+00:00", "Z"
    )
    assert open_repair["overdue"] is False  # 30 hours on, but made safe in 3
    overdue = await staff.get("/v1/repairs", params={"uprn": uprn, "overdue": "true"})
    assert overdue.json()["items"] == []

    follow_on = await a_work_order(
        staff, repairs_database, repair["id"], follow_on_of=made_safe["id"]
    )
    await complete(staff, follow_on, datetime.now(UTC), follow_on=False)
    done = (await staff.get(f"/v1/repairs/{repair['id']}")).json()
    assert done["status"] == "completed"
    assert done["completed_on_time"] is True  # RP02: made safe within 24 hours


async def test_an_emergency_not_made_safe_in_24_hours_is_late_and_overdue_until_it_is(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    _, reported, response = await an_emergency_reported_30_hours_ago(staff)
    repair = response.json()
    assert repair["overdue"] is True
    made_safe = await a_work_order(staff, repairs_database, repair["id"], raised_at=reported)
    await complete(staff, made_safe, reported + timedelta(hours=25), follow_on=True)
    follow_on = await a_work_order(
        staff, repairs_database, repair["id"], follow_on_of=made_safe["id"]
    )
    await complete(staff, follow_on, datetime.now(UTC), follow_on=False)
    done = (await staff.get(f"/v1/repairs/{repair['id']}")).json()
    assert done["made_safe_at"] == (reported + timedelta(hours=25)).isoformat().replace(
        "+00:00", "Z"
    )
    assert done["completed_on_time"] is False
