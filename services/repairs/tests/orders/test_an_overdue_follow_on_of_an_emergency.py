"""An emergency made safe is overdue while its follow-on is past its own target
(docs/adr/0218). Once made safe, RP02 judges the emergency at its make-safe (ADR 0038) and
the repair was never overdue again, so a follow-on past its 5 working days never showed:
not in the repair's `overdue`, the overdue list, nor `hearth_repairs_overdue`. It is now
overdue by its open work orders' own `required_by`, counted as urgent in the gauge (the
emergency count is of homes not yet made safe); RP02 is unchanged. A follow-on asked for
and not raised, or raised and cancelled, is judged the same, by the due its asking
completion kept (`follow_on_required_by`, docs/adr/0235)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from prometheus_client import REGISTRY

from hearth_contracts.events.repairs import RepairPriority
from hearth_kit.db import Database
from repairs.jobs import measure_overdue
from repairs.models import WorkOrder
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


async def made_safe_asking_for_a_follow_on(
    staff: httpx.AsyncClient, db: Database, ago: timedelta
) -> tuple[dict[str, Any], dict[str, Any]]:
    """An emergency reported `ago`, made safe 3 hours after the call by a work order raised
    then, whose completion asked for a follow-on: the repair and that work order."""
    repair = await an_emergency_reported(staff, ago)
    reported = datetime.fromisoformat(repair["reported_at"].replace("Z", "+00:00"))
    made_safe = await a_work_order(staff, db, repair["id"], raised_at=reported)
    await complete(staff, made_safe, reported + timedelta(hours=3), follow_on=True)
    return repair, made_safe


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
    before = await gauge_after_measuring(repairs_database)
    repair, made_safe = await made_safe_asking_for_a_follow_on(
        staff, repairs_database, timedelta(days=20)
    )

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
    repair, made_safe = await made_safe_asking_for_a_follow_on(
        staff, repairs_database, timedelta(hours=30)
    )
    await a_work_order(staff, repairs_database, repair["id"], follow_on_of=made_safe["id"])

    read = (await staff.get(f"/v1/repairs/{repair['id']}")).json()
    assert read["overdue"] is False
    assert await overdue_listed(staff, repair["uprn"], True) == []
    assert await overdue_listed(staff, repair["uprn"], False) == [repair["id"]]


async def follow_on_due(db: Database, order: dict[str, Any]) -> datetime | None:
    async with db.sessionmaker() as session:
        stored = await session.get(WorkOrder, uuid.UUID(order["id"]))
        assert stored is not None
        return stored.follow_on_required_by


async def test_an_emergency_made_safe_is_overdue_while_its_follow_on_is_not_raised_past_its_due(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Made safe 3 hours after a call 20 days ago, asking for a follow-on that no one
    raised: that follow-on was due by the end of the 5th working day after the make-safe,
    so the repair is overdue, listed and counted as urgent; raised and then cancelled, it
    is still to raise and the repair stays so; raised, it is open past the same due; done,
    the repair is done. Before (no work order open): not overdue, not listed, not
    counted, however long it waited."""
    before = await gauge_after_measuring(repairs_database)
    repair, made_safe = await made_safe_asking_for_a_follow_on(
        staff, repairs_database, timedelta(days=20)
    )

    due = await follow_on_due(repairs_database, made_safe)
    assert due is not None
    reported = datetime.fromisoformat(repair["reported_at"].replace("Z", "+00:00"))
    assert reported + timedelta(days=5) < due < reported + timedelta(days=12)

    async def overdue_everywhere() -> None:
        read = (await staff.get(f"/v1/repairs/{repair['id']}")).json()
        assert (read["status"], read["overdue"]) == ("open", True)
        assert await overdue_listed(staff, repair["uprn"], True) == [repair["id"]]
        assert await overdue_listed(staff, repair["uprn"], False) == []
        listed = (await staff.get("/v1/repairs", params={"uprn": repair["uprn"]})).json()
        assert [item["overdue"] for item in listed["items"]] == [True]
        after = await gauge_after_measuring(repairs_database)
        assert after["urgent"] - before["urgent"] == 1
        assert after["emergency"] == before["emergency"]  # the home was made safe

    await overdue_everywhere()  # not raised

    raised_in_error = await a_work_order(
        staff, repairs_database, repair["id"], follow_on_of=made_safe["id"]
    )
    response = await staff.post(
        f"/v1/work-orders/{raised_in_error['id']}/cancel", json={"reason": "raised_in_error"}
    )
    assert response.status_code == 200, response.text
    await overdue_everywhere()  # raised and cancelled: still to raise

    follow_on = await a_work_order(
        staff, repairs_database, repair["id"], follow_on_of=made_safe["id"]
    )
    await overdue_everywhere()  # raised, open past the same due
    await complete(staff, follow_on, datetime.now(UTC), follow_on=False)
    done = (await staff.get(f"/v1/repairs/{repair['id']}")).json()
    assert (done["status"], done["overdue"]) == ("completed", False)
    assert await overdue_listed(staff, repair["uprn"], True) == []
    assert (await gauge_after_measuring(repairs_database))["urgent"] == before["urgent"]


async def test_a_follow_on_asked_for_within_its_due_is_not_overdue(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Made safe 27 hours ago asking for a follow-on not raised yet: due days from now,
    so the repair is open and not overdue. A routine repair completed asking for a
    follow-on keeps no due: its own target, still open, says when it is overdue."""
    repair, made_safe = await made_safe_asking_for_a_follow_on(
        staff, repairs_database, timedelta(hours=30)
    )
    due = await follow_on_due(repairs_database, made_safe)
    assert due is not None
    assert due > datetime.now(UTC)

    read = (await staff.get(f"/v1/repairs/{repair['id']}")).json()
    assert (read["status"], read["overdue"]) == ("open", False)
    assert await overdue_listed(staff, repair["uprn"], True) == []
    assert await overdue_listed(staff, repair["uprn"], False) == [repair["id"]]

    response = await staff.post(
        "/v1/repairs",
        json={
            "uprn": a_uprn(),
            "description": "Dripping tap",
            "location": "kitchen",
            "trade": "plumbing",
            "priority": "routine",
        },
    )
    assert response.status_code == 201, response.text
    order = await a_work_order(staff, repairs_database, response.json()["id"])
    await complete(staff, order, datetime.now(UTC), follow_on=True)
    assert await follow_on_due(repairs_database, order) is None


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
