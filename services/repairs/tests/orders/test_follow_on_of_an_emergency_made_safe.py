"""The follow-on of an emergency made safe is urgent work with its own target, counted from
when it was found (docs/adr/0218). An emergency's 24 hours are to make safe (ADR 0038);
its follow-on carried the repair's priority and that 24-hour target, nearly always passed
when the follow-on was raised: the contractor was sent a required completion in the past
(raise-repair, work-order-raised), and the follow-on's completion was counted late
whenever it was done. RP02 still judges the emergency when it was made safe."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx

from hearth_contracts.events.repairs import RepairPriority
from hearth_kit.db import Database
from hearth_kit.working_days import ENGLAND_AND_WALES, end_of_london_day, london_day
from repairs.work_orders.rules import target_completion, work_after_make_safe
from services.repairs.tests.orders.test_emergency_made_safe import (
    a_work_order,
    an_emergency_reported_30_hours_ago,
    complete,
)
from services.repairs.tests.orders.test_work_orders import published_data


def moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def five_working_days_from(at: datetime) -> datetime:
    return end_of_london_day(ENGLAND_AND_WALES.add_working_days(london_day(at), 5))


async def test_a_follow_on_of_an_emergency_made_safe_is_urgent_from_the_make_safe(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn, reported, response = await an_emergency_reported_30_hours_ago(staff)
    repair = response.json()
    made_safe = await a_work_order(staff, repairs_database, repair["id"], raised_at=reported)
    assert (made_safe["priority"], moment(made_safe["required_by"])) == (
        "emergency",
        reported + timedelta(hours=24),
    )
    capped = reported + timedelta(hours=3)
    await complete(staff, made_safe, capped, follow_on=True)

    follow_on = await a_work_order(
        staff, repairs_database, repair["id"], follow_on_of=made_safe["id"]
    )

    # before: emergency, required by reported + 24 hours, six hours gone already
    assert follow_on["priority"] == "urgent"
    assert follow_on["work_class"] == "responsive"
    assert moment(follow_on["required_by"]) == five_working_days_from(capped)
    [_, raised] = await published_data(
        repairs_database, uprn, "uk.hearth.repairs.work-order-raised.v2"
    )
    assert raised["priority"] == "urgent"
    assert moment(raised["required_by"]) == five_working_days_from(capped)
    # the repair is still the emergency it was, and RP02 judges it when made safe
    again = (await staff.get(f"/v1/repairs/{repair['id']}")).json()
    assert again["priority"] == "emergency"

    done = await complete(staff, follow_on, datetime.now(UTC), follow_on=False)
    assert done["completed_on_time"] is True  # False before: against the 24 hours
    completed = (await staff.get(f"/v1/repairs/{repair['id']}")).json()
    assert (completed["status"], completed["completed_on_time"]) == ("completed", True)


async def test_work_raised_on_an_emergency_made_safe_without_the_link_counts_from_the_make_safe(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Raised without `follow_on_of` (linked afterwards, ADR 0154), it is still the work
    left once the home was safe: urgent, from when it was made safe."""
    _, reported, response = await an_emergency_reported_30_hours_ago(staff)
    repair = response.json()
    made_safe = await a_work_order(staff, repairs_database, repair["id"], raised_at=reported)
    capped = reported + timedelta(hours=3)
    await complete(staff, made_safe, capped, follow_on=True)

    unlinked = await a_work_order(staff, repairs_database, repair["id"])

    assert unlinked["priority"] == "urgent"
    assert moment(unlinked["required_by"]) == five_working_days_from(capped)


async def test_work_raised_on_an_emergency_not_yet_made_safe_keeps_the_24_hours(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    _, reported, response = await an_emergency_reported_30_hours_ago(staff)
    repair = response.json()
    await a_work_order(staff, repairs_database, repair["id"], raised_at=reported)
    second = await a_work_order(staff, repairs_database, repair["id"])  # alongside, not safe
    assert second["priority"] == "emergency"
    assert moment(second["required_by"]) == reported + timedelta(hours=24)


def test_only_work_on_an_emergency_made_safe_is_raised_at_another_priority() -> None:
    safe = datetime(2026, 11, 2, 9, tzinfo=UTC)
    assert work_after_make_safe(RepairPriority.EMERGENCY, safe) is RepairPriority.URGENT
    assert work_after_make_safe(RepairPriority.EMERGENCY, None) is None
    for priority in (RepairPriority.URGENT, RepairPriority.ROUTINE, RepairPriority.PLANNED):
        assert work_after_make_safe(priority, safe) is None
    # and its target is an urgent repair's, counted from then (Monday 2 November 2026)
    assert target_completion(safe, RepairPriority.URGENT) == end_of_london_day(
        datetime(2026, 11, 9).date()
    )
