"""An appointment is made at first contact only on the London day its repair was
reported (docs/adr/0140). made_at_first_contact was the caller's word alone: a booking
days after the repair was reported, with the flag, was taken and counted in
repairs.appointments_at_first_contact. Now a 422 naming made_at_first_contact, nothing
booked or published, the figure unchanged. The same booking without the flag, and one
on the reporting day with it, are taken."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx

from hearth_kit.db import Database
from repairs.appointments.rules import reported_another_day
from services.repairs.tests.appointments.test_cancel import book, free_slots
from services.repairs.tests.appointments.test_first_contact_once import (
    at_first_contact,
    first_contact_figure,
)
from services.repairs.tests.orders.test_work_orders import (
    a_uprn,
    a_work_order,
    a_work_order_reported,
    published,
)


async def test_a_booking_days_after_the_report_is_not_at_first_contact(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order_reported(
        staff, repairs_database, uprn, datetime.now(UTC) - timedelta(days=3)
    )
    slot = (await free_slots(staff, uprn, ["plumbing"]))[-5]
    figure = await first_contact_figure(staff)

    claimed = await staff.post("/v1/appointments", json=at_first_contact([order["id"]], slot))
    assert claimed.status_code == 422, claimed.text
    assert [e["field"] for e in claimed.json()["errors"]] == ["made_at_first_contact"]
    assert await published(repairs_database, uprn, "appointment-booked") == []
    assert await first_contact_figure(staff) == figure

    # Booked as what it is, a later contact's booking (a guard).
    later = await book(staff, [order["id"]], slot)
    assert later["made_at_first_contact"] is False


async def test_work_reported_today_with_older_work_is_not_at_first_contact(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    older = await a_work_order_reported(
        staff, repairs_database, uprn, datetime.now(UTC) - timedelta(days=2)
    )
    today = await a_work_order(staff, repairs_database, uprn)
    slot = (await free_slots(staff, uprn, ["plumbing"]))[-6]
    both = await staff.post(
        "/v1/appointments", json=at_first_contact([today["id"], older["id"]], slot)
    )
    assert both.status_code == 422, both.text
    assert [e["field"] for e in both.json()["errors"]] == ["made_at_first_contact"]

    # The work reported today, booked on its own, is at first contact (a guard).
    alone = await staff.post("/v1/appointments", json=at_first_contact([today["id"]], slot))
    assert alone.status_code == 201, alone.text
    assert alone.json()["made_at_first_contact"] is True


def test_the_reporting_day_is_londons() -> None:
    """23:30 UTC on 30 June is 00:30 on 1 July in London (BST): a booking at 08:00 on
    1 July is that day's; in January (GMT) 23:30 UTC is still the day before."""
    summer_report = datetime(2026, 6, 30, 23, 30, tzinfo=UTC)
    assert reported_another_day(datetime(2026, 7, 1, 7, 0, tzinfo=UTC), [summer_report]) is None
    winter_report = datetime(2026, 1, 14, 23, 30, tzinfo=UTC)
    assert reported_another_day(datetime(2026, 1, 15, 8, 0, tzinfo=UTC), [winter_report]) == date(
        2026, 1, 14
    )
    assert reported_another_day(
        datetime(2026, 1, 15, 8, 0, tzinfo=UTC),
        [datetime(2026, 1, 15, 0, 5, tzinfo=UTC), winter_report],
    ) == date(2026, 1, 14)
