"""The booking horizon (HEARTH_REPAIRS_BOOKING_HORIZON_DAYS, 28 days from today): a day
after it is never offered by the availability search, so a booking or a rebooking to it
is refused too (422 naming `day`), with nothing booked and nothing published; the last
day of the horizon stays bookable."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from hearth_kit.db import Database
from hearth_kit.tables import outbox_message
from hearth_kit.working_days import WorkingDayCalendar, london_day
from repairs.appointments.rules import last_bookable_day, offered_slots, offers
from repairs.settings import RepairsSettings, default_slots
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order

BOOKED = "uk.hearth.repairs.appointment-booked.v1"
SLOTS = default_slots()


def first_offered_am_from(day: date, settings: RepairsSettings) -> date:
    """The first day on or after `day` whose "am" slot is offered (so a refusal of it
    can only be the horizon's)."""
    calendar = WorkingDayCalendar(settings.closure_days)
    am = next(slot for slot in settings.slots if slot.name == "am")
    while not offers(day, am, calendar):
        day += timedelta(days=1)
    return day


async def booked_events(db: Database, uprn: str) -> int:
    async with db.sessionmaker() as session:
        count = await session.scalar(
            select(func.count()).where(
                outbox_message.c.message_key == uprn, outbox_message.c.event_type == BOOKED
            )
        )
    return int(count or 0)


def horizon_refusal(response: httpx.Response) -> None:
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["day"]
    assert "booking horizon" in response.json()["detail"]


async def test_a_booking_sixty_days_ahead_is_refused_naming_day_and_nothing_is_booked(
    staff: httpx.AsyncClient, repairs_database: Database, contracted_settings: RepairsSettings
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    today = london_day(datetime.now(UTC))
    day = first_offered_am_from(today + timedelta(days=60), contracted_settings)
    response = await staff.post(
        "/v1/appointments",
        json={"work_order_ids": [order["id"]], "day": day.isoformat(), "slot": "am"},
    )
    horizon_refusal(response)
    assert await booked_events(repairs_database, uprn) == 0
    still = await staff.get("/v1/work-orders", params={"uprn": uprn, "status": "raised"})
    assert [o["id"] for o in still.json()["items"]] == [order["id"]]


async def test_the_first_day_after_the_horizon_is_refused_and_its_last_offered_day_is_booked(
    staff: httpx.AsyncClient, repairs_database: Database, contracted_settings: RepairsSettings
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn, trade="electrical")
    today = london_day(datetime.now(UTC))
    horizon = contracted_settings.booking_horizon_days
    after = first_offered_am_from(today + timedelta(days=horizon), contracted_settings)
    refused = await staff.post(
        "/v1/appointments",
        json={"work_order_ids": [order["id"]], "day": after.isoformat(), "slot": "am"},
    )
    horizon_refusal(refused)
    slots = (
        await staff.get(
            "/v1/appointments/availability", params={"uprn": uprn, "trades": ["electrical"]}
        )
    ).json()["slots"]
    last = slots[-1]
    assert date.fromisoformat(last["day"]) <= today + timedelta(days=horizon - 1)
    booked = await staff.post(
        "/v1/appointments",
        json={"work_order_ids": [order["id"]], "day": last["day"], "slot": last["slot"]},
    )
    assert booked.status_code == 201, booked.text


async def test_rebooking_beyond_the_horizon_is_refused_and_the_appointment_stays_booked(
    staff: httpx.AsyncClient, repairs_database: Database, contracted_settings: RepairsSettings
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn, trade="electrical")
    slot = (
        await staff.get(
            "/v1/appointments/availability", params={"uprn": uprn, "trades": ["electrical"]}
        )
    ).json()["slots"][-5]
    booked = await staff.post(
        "/v1/appointments",
        json={"work_order_ids": [order["id"]], "day": slot["day"], "slot": slot["slot"]},
    )
    assert booked.status_code == 201, booked.text
    today = london_day(datetime.now(UTC))
    day = first_offered_am_from(today + timedelta(days=60), contracted_settings)
    moved = await staff.post(
        f"/v1/appointments/{booked.json()['id']}/rebook",
        json={"day": day.isoformat(), "slot": "am"},
    )
    horizon_refusal(moved)
    listed = await staff.get("/v1/appointments", params={"uprn": uprn})
    assert [(a["id"], a["status"]) for a in listed.json()["items"]] == [
        (booked.json()["id"], "booked")
    ]
    assert await booked_events(repairs_database, uprn) == 1


@given(
    first_day=st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31)),
    days=st.integers(min_value=1, max_value=60),
)
def test_the_availability_search_never_offers_a_day_after_the_last_bookable_one(
    first_day: date, days: int
) -> None:
    now = datetime.combine(first_day, datetime.min.time(), tzinfo=UTC)
    last = last_bookable_day(first_day, days)
    found = offered_slots(
        SLOTS, now=now, first_day=first_day, days=days, calendar=WorkingDayCalendar(set())
    )
    assert all(first_day <= o.day <= last for o in found)
    # the horizon's last day is searched too: a Monday to Friday that is no bank
    # holiday offers its slots
    if last.weekday() < 5 and offers(last, SLOTS[1], WorkingDayCalendar(set())):
        assert last in {o.day for o in found}
