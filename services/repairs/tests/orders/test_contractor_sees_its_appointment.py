"""A contractor sees its work order's appointment through the contractor API (ADR 0053):
the window staff booked from its capacity, and whether it still stands. A contractor
with no webhook is never sent schedule-repair, and the work order showed only its
status (appointment_made, raised again after a cancellation), so its operative could
not learn when the household expected them. Only the contractor's own appointments are
shown (an appointment is the contractor's when it holds its work orders), with codes
and times only: nothing about the household, nor the appointment's other work."""

from __future__ import annotations

from typing import Any

import httpx

from hearth_kit.db import Database
from services.repairs.tests.appointments.test_cancel import asked, book, free_slots
from services.repairs.tests.contractor_doubles import contractor
from services.repairs.tests.orders.test_contractor_appointments import moment
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order


async def as_contractor(
    staff: httpx.AsyncClient, contractor_id: str, order: dict[str, Any]
) -> dict[str, Any]:
    """The work order as the contractor reads it, alone and in its list (the same)."""
    one = await staff.get(
        f"/v1/contractor/work-orders/{order['id']}", auth=contractor(contractor_id)
    )
    assert one.status_code == 200, one.text
    listed: dict[str, Any] | None = None
    cursor: str | None = None
    while listed is None:
        page = await staff.get(
            "/v1/contractor/work-orders",
            params={"limit": 100, **({"cursor": cursor} if cursor else {})},
            auth=contractor(contractor_id),
        )
        assert page.status_code == 200, page.text
        listed = next((o for o in page.json()["items"] if o["id"] == order["id"]), None)
        cursor = page.json()["next_cursor"]
        assert listed is not None or cursor is not None, "not in the contractor's list"
    assert listed == one.json()
    return dict(one.json())


def shown(appointment: dict[str, Any]) -> dict[str, Any]:
    """What the contractor is shown of a staff appointment: these fields and no others,
    its window as moments (the booking's answer writes them in London time, the
    contractor's read in UTC: in summer time the two differ as text, not as moments)."""
    return {
        "id": appointment["id"],
        "window_start": moment(appointment["window_start"]),
        "window_end": moment(appointment["window_end"]),
        "status": appointment["status"],
    }


def seen(appointment: dict[str, Any]) -> dict[str, Any]:
    """The contractor's view of its appointment, its window as moments."""
    assert set(appointment) == {"id", "window_start", "window_end", "status"}
    return shown(appointment)


async def test_a_contractor_without_a_webhook_sees_the_appointment_staff_booked(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn, trade="electrical")
    assert order["contractor_id"] == "sparks"
    assert (await as_contractor(staff, "sparks", order))["appointment"] is None

    first, second = (await free_slots(staff, uprn, ["electrical"]))[-3:-1]
    booked = await book(staff, [order["id"]], first)
    assert seen((await as_contractor(staff, "sparks", order))["appointment"]) == shown(booked)

    moved = await staff.post(
        f"/v1/appointments/{booked['id']}/rebook",
        json={"day": second["day"], "slot": second["slot"]},
    )
    assert moved.status_code == 201, moved.text
    assert seen((await as_contractor(staff, "sparks", order))["appointment"]) == shown(moved.json())

    cancelled = await staff.post(
        f"/v1/appointments/{moved.json()['id']}/cancel",
        json={"reason": "resident_requested", "cancelled_at": asked()},
    )
    assert cancelled.status_code == 200, cancelled.text
    after = await as_contractor(staff, "sparks", order)
    assert after["status"] == "raised"
    assert seen(after["appointment"]) == shown(cancelled.json())
    assert after["appointment"]["status"] == "cancelled"


async def test_a_contractor_sees_only_its_own_appointment_at_a_home(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Two contractors' work at one home, each booked in its own appointment: each sees
    its own, and another's work order (and so its appointment) is not found."""
    uprn = a_uprn()
    wiring = await a_work_order(staff, repairs_database, uprn, trade="electrical")
    leak = await a_work_order(staff, repairs_database, uprn, trade="plumbing")
    electrical = await book(
        staff, [wiring["id"]], (await free_slots(staff, uprn, ["electrical"]))[-4]
    )
    plumbing = await book(staff, [leak["id"]], (await free_slots(staff, uprn, ["plumbing"]))[-4])

    assert seen((await as_contractor(staff, "sparks", wiring))["appointment"]) == shown(electrical)
    assert seen((await as_contractor(staff, "plumbfast", leak))["appointment"]) == shown(plumbing)
    for contractor_id, other in (("sparks", leak), ("plumbfast", wiring)):
        refused = await staff.get(
            f"/v1/contractor/work-orders/{other['id']}", auth=contractor(contractor_id)
        )
        assert refused.status_code == 404


async def test_staffs_view_of_a_work_order_is_unchanged(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """Staff read appointments through /v1/appointments; the work order staff read, and
    the raise-repair message built from it, keep their shape."""
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    got = await staff.get(f"/v1/work-orders/{order['id']}")
    assert "appointment" not in got.json()
