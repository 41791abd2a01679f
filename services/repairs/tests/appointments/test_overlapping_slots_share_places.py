"""Overlapping slots share a trade's places (docs/adr/0149): an appointment in the
morning (08:00-12:00) takes a place in the two-hour 08:00-10:00 slot of the same day and
the other way round, so availability and booking agree that one plumber (capacity one
per slot, the contracted settings) cannot be booked at two homes at 09:00. Counted by
slot name only, each slot had a place of its own and the second booking was taken. The
afternoon, which starts as the morning ends, keeps its own."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from hearth_kit.db import Database
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order, published


async def offered(staff: httpx.AsyncClient, uprn: str, trade: str) -> list[dict[str, Any]]:
    free = await staff.get(
        "/v1/appointments/availability", params={"uprn": uprn, "trades": [trade]}
    )
    assert free.status_code == 200, free.text
    slots: list[dict[str, Any]] = free.json()["slots"]
    return slots


def a_day_with_both(slots: list[dict[str, Any]], furthest: bool) -> str:
    """A day offering the morning and 08:00-10:00 (the furthest, or the nearest)."""
    days = sorted(
        {s["day"] for s in slots if s["slot"] == "am"}
        & {s["day"] for s in slots if s["slot"] == "08-10"}
    )
    return days[-1] if furthest else days[0]


async def book(
    staff: httpx.AsyncClient, order: dict[str, Any], day: str, slot: str
) -> httpx.Response:
    return await staff.post(
        "/v1/appointments", json={"work_order_ids": [order["id"]], "day": day, "slot": slot}
    )


def slots_of(slots: list[dict[str, Any]], day: str) -> set[str]:
    return {s["slot"] for s in slots if s["day"] == day}


async def test_a_morning_booking_fills_the_two_hour_slot_of_its_hours(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    first = await a_work_order(staff, repairs_database, a_uprn())
    day = a_day_with_both(await offered(staff, a_uprn(), "plumbing"), furthest=True)
    booked = await book(staff, first, day, "am")
    assert booked.status_code == 201, booked.text

    other_home = a_uprn()
    left = slots_of(await offered(staff, other_home, "plumbing"), day)
    assert "am" not in left
    assert "08-10" not in left  # its hours are the morning's: the plumber is there
    assert "pm" in left  # starts as the morning ends: no overlap
    other = await a_work_order(staff, repairs_database, other_home)
    refused = await book(staff, other, day, "08-10")
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["slot"]
    assert await published(repairs_database, other_home, "appointment-booked") == []
    # another trade's places are its own
    electrical = slots_of(await offered(staff, other_home, "electrical"), day)
    assert {"am", "08-10"} <= electrical
    taken = await book(staff, other, day, "pm")
    assert taken.status_code == 201, taken.text


async def test_a_two_hour_booking_fills_the_morning_around_it(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    first = await a_work_order(staff, repairs_database, a_uprn(), trade="electrical")
    day = a_day_with_both(await offered(staff, a_uprn(), "electrical"), furthest=False)
    booked = await book(staff, first, day, "08-10")
    assert booked.status_code == 201, booked.text

    other_home = a_uprn()
    left = slots_of(await offered(staff, other_home, "electrical"), day)
    assert not {"am", "08-10"} & left
    other = await a_work_order(staff, repairs_database, other_home, trade="electrical")
    refused = await book(staff, other, day, "am")
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["slot"]
    # cancelled, the two-hour booking frees the morning too
    cancelled = await staff.post(
        f"/v1/appointments/{booked.json()['id']}/cancel",
        json={"reason": "work_not_needed", "cancelled_at": datetime.now(UTC).isoformat()},
    )
    assert cancelled.status_code == 200, cancelled.text
    assert {"am", "08-10"} <= slots_of(await offered(staff, other_home, "electrical"), day)
    taken = await book(staff, other, day, "am")
    assert taken.status_code == 201, taken.text
