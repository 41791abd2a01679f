"""An emergency made safe is overdue while its follow-on is past its own target
(docs/adr/0218). Once made safe, RP02 judges the emergency at its make-safe (ADR 0038) and
the repair was never overdue again, so a follow-on past its 5 working days never showed:
not in the repair's `overdue`, the overdue list, nor `hearth_repairs_overdue`. It is now
overdue by its open work orders' own `required_by`, counted as urgent in the gauge (the
emergency count is of homes not yet made safe); RP02 is unchanged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from prometheus_client import REGISTRY

from hearth_contracts.events.repairs import RepairPriority
from hearth_kit.db import Database
from repairs.jobs import measure_overdue
from repairs.work_orders.rules import overdue, overdue_priority
from services.repairs.tests.orders.test_emergency_made_safe import a_work_order, complete
from services.repairs.tests.orders.test_work_orders import a_uprn


async def an_emergency_reported(staff: httpx.AsyncClient, ago: timedelta) -> dict[str, Any]:
    response = await staff.post(
        "/v1/repairs",
        json={
            "uprn": a_uprn(),
            "description": "Water coming through the ceiling",
            "location": "bathroom",
            "trade": "plumbing",
            "priority": "emergency",
            "reported_at": (datetime.now(UTC).replace(microsecond=0) - ago).isoformat(),
        },
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def gauge_after_measuring(db: Database) -> dict[str, float]:
    async with db.sessionmaker() as session:
        await measure_overdue(session, datetime.now(UTC))
    return {
        priority: REGISTRY.get_sample_value("hearth_repairs_overdue", {"priority": priority}) or 0
        for priority in ("emergency", "urgent")
    }


async def overdue_listed(staff: httpx.AsyncClient, uprn: str, overdue: bool) -> list[str]:
    response = await staff.get(
        "/v1/repairs", params={"uprn": uprn, "overdue": "true" if overdue else "false"}
    )
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_an_emergency_made_safe_is_overdue_while_its_follow_on_is_past_its_target(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Made safe 3 hours after a call 20 days ago, its follow-on was due by the end of the
    5th working day after that: open still, the repair is overdue, listed and counted (as
    urgent). Before: not overdue, not listed, not counted."""
    repair = await an_emergency_reported(staff, timedelta(days=20))
    reported = datetime.fromisoformat(repair["reported_at"].replace("Z", "+00:00"))
    made_safe = await a_work_order(staff, repairs_database, repair["id"], raised_at=reported)
    await complete(staff, made_safe, reported + timedelta(hours=3), follow_on=True)
    before = await gauge_after_measuring(repairs_database)

    follow_on = await a_work_order(
        staff, repairs_database, repair["id"], follow_on_of=made_safe["id"]
    )
    assert follow_on["priority"] == "urgent"

    read = (await staff.get(f"/v1/repairs/{repair['id']}")).json()
    assert (read["priority"], read["overdue"]) == ("emergency", True)
    assert await overdue_listed(staff, repair["uprn"], True) == [repair["id"]]
    assert await overdue_listed(staff, repair["uprn"], False) == []
    [listed] = (await staff.get("/v1/repairs", params={"uprn": repair["uprn"]})).json()["items"]
    assert listed["overdue"] is True
    after = await gauge_after_measuring(repairs_database)
    assert after["urgent"] - before["urgent"] == 1
    assert after["emergency"] == before["emergency"]  # the home was made safe

    # done now, late by its own target; RP02 judges the emergency at its make-safe
    done = await complete(staff, follow_on, datetime.now(UTC), follow_on=False)
    assert done["completed_on_time"] is False
    completed = (await staff.get(f"/v1/repairs/{repair['id']}")).json()
    assert (completed["status"], completed["completed_on_time"]) == ("completed", True)
    assert completed["overdue"] is False
    assert await overdue_listed(staff, repair["uprn"], True) == []
    assert (await gauge_after_measuring(repairs_database))["urgent"] == before["urgent"]


async def test_an_emergency_made_safe_with_its_follow_on_in_time_is_not_overdue(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    repair = await an_emergency_reported(staff, timedelta(hours=30))
    reported = datetime.fromisoformat(repair["reported_at"].replace("Z", "+00:00"))
    made_safe = await a_work_order(staff, repairs_database, repair["id"], raised_at=reported)
    await complete(staff, made_safe, reported + timedelta(hours=3), follow_on=True)
    await a_work_order(staff, repairs_database, repair["id"], follow_on_of=made_safe["id"])

    read = (await staff.get(f"/v1/repairs/{repair['id']}")).json()
    assert read["overdue"] is False
    assert await overdue_listed(staff, repair["uprn"], True) == []
    assert await overdue_listed(staff, repair["uprn"], False) == [repair["id"]]


def test_the_rule_reads_an_emergency_made_safe_by_its_open_work() -> None:
    now = datetime(2026, 11, 20, 12, tzinfo=UTC)
    made_safe = datetime(2026, 11, 2, 12, tzinfo=UTC)
    target = datetime(2026, 11, 3, 9, tzinfo=UTC)
    due = datetime(2026, 11, 9, 23, 59, 59, tzinfo=UTC)
    emergency = RepairPriority.EMERGENCY
    assert overdue(target, emergency, now, made_safe) is False
    assert overdue(target, emergency, now, made_safe, [(due, RepairPriority.URGENT)]) is True
    later = datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC)
    assert overdue(target, emergency, now, made_safe, [(later, RepairPriority.URGENT)]) is False
    # not made safe: the 24 hours, whatever its work orders say
    assert overdue(target, emergency, now, None, [(later, emergency)]) is True
    assert overdue_priority(emergency, made_safe=True) is RepairPriority.URGENT
    assert overdue_priority(emergency, made_safe=False) is emergency
    assert overdue_priority(RepairPriority.ROUTINE, made_safe=False) is RepairPriority.ROUTINE
