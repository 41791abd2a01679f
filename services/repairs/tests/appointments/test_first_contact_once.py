"""An appointment is made at first contact once per work: at the contact that reported
the repair. After that booking was cancelled (or missed, or found no one in), booking
the work again with made_at_first_contact true was taken, and each such booking counted
again in repairs.appointments_at_first_contact, numerator and denominator, above what
the contact centre did. Now a 422 naming made_at_first_contact; nothing booked or
published. Booked again without it, and first bookings with it, are taken."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx

from hearth_kit.db import Database
from services.repairs.tests.appointments.test_cancel import asked, book, free_slots
from services.repairs.tests.orders.test_appointment_outcomes import (
    an_appointment_that_started_yesterday,
)
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order, published


def at_first_contact(order_ids: list[str], slot: dict[str, str]) -> dict[str, object]:
    return {
        "work_order_ids": order_ids,
        "day": slot["day"],
        "slot": slot["slot"],
        "made_at_first_contact": True,
    }


async def a_figure_around_today(staff: httpx.AsyncClient, code: str) -> dict[str, Any]:
    """One measure of the repairs figures from yesterday to tomorrow, a period that
    holds what a booking made now counts in."""
    today = datetime.now(UTC).date()
    response = await staff.get(
        "/v1/repairs/figures",
        params={"from": str(today - timedelta(days=1)), "to": str(today + timedelta(days=1))},
    )
    assert response.status_code == 200, response.text
    measures = response.json()["measures"]
    (measure,) = (m for m in measures if m["code"] == code)
    return dict(measure)


async def first_contact_figure(staff: httpx.AsyncClient) -> dict[str, int]:
    measure = await a_figure_around_today(staff, "repairs.appointments_at_first_contact")
    return {"numerator": measure["numerator"], "denominator": measure["denominator"]}


async def test_work_booked_before_is_not_booked_at_first_contact_again(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    slots = await free_slots(staff, uprn, ["plumbing"])
    first = await staff.post("/v1/appointments", json=at_first_contact([order["id"]], slots[-2]))
    assert first.status_code == 201, first.text
    cancelled = await staff.post(
        f"/v1/appointments/{first.json()['id']}/cancel",
        json={"reason": "resident_requested", "cancelled_at": asked()},
    )
    assert cancelled.status_code == 200, cancelled.text
    figure = await first_contact_figure(staff)

    again = await staff.post("/v1/appointments", json=at_first_contact([order["id"]], slots[-3]))
    assert again.status_code == 422, again.text
    assert [e["field"] for e in again.json()["errors"]] == ["made_at_first_contact"]
    assert len(await published(repairs_database, uprn, "appointment-booked")) == 1
    assert await first_contact_figure(staff) == figure

    # Booked again as what it is, a later contact's booking (a guard).
    later = await book(staff, [order["id"]], slots[-3])
    assert later["made_at_first_contact"] is False


async def test_work_whose_appointment_found_no_one_in_is_not_at_first_contact_again(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    appointment = await an_appointment_that_started_yesterday(repairs_database, uprn, order["id"])
    outcome = await staff.post(
        f"/v1/appointments/{appointment.id}/outcome", json={"outcome": "no_access"}
    )
    assert outcome.status_code == 200, outcome.text
    slot = (await free_slots(staff, uprn, ["plumbing"]))[-4]
    again = await staff.post("/v1/appointments", json=at_first_contact([order["id"]], slot))
    assert again.status_code == 422, again.text
    assert [e["field"] for e in again.json()["errors"]] == ["made_at_first_contact"]

    # Other work at the home, never booked, is booked at first contact (a guard).
    other = await a_work_order(staff, repairs_database, uprn)
    fresh = await staff.post("/v1/appointments", json=at_first_contact([other["id"]], slot))
    assert fresh.status_code == 201, fresh.text
    assert fresh.json()["made_at_first_contact"] is True
    assert date.fromisoformat(fresh.json()["day"]) == date.fromisoformat(slot["day"])
