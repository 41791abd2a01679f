"""The slots offered over the booking horizon: exactly the slots `offers` allows on each
day (weekday named by the slot, no bank holiday or closure day) that have not started."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hearth_kit.working_days import WorkingDayCalendar
from repairs.appointments.rules import (
    offered_slots,
    offers,
    request_booked,
    request_status,
    window,
)
from repairs.models import AppointmentRequestStatus, RepairStatus
from repairs.settings import default_slots

SLOTS = default_slots()


@given(
    first_day=st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31)),
    hours=st.integers(min_value=0, max_value=23),
    closures=st.sets(st.dates(min_value=date(2025, 1, 1), max_value=date(2029, 2, 1)), max_size=5),
)
def test_offered_slots_are_those_offered_each_day_that_have_not_started(
    first_day: date, hours: int, closures: set[date]
) -> None:
    calendar = WorkingDayCalendar(closures)
    now = datetime.combine(first_day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=hours)
    expected = [
        (first_day + timedelta(days=n), slot.name)
        for n in range(28)
        for slot in SLOTS
        if offers(first_day + timedelta(days=n), slot, calendar)
        and window(first_day + timedelta(days=n), slot)[0] > now
    ]
    found = offered_slots(SLOTS, now=now, first_day=first_day, days=28, calendar=calendar)
    assert [(o.day, o.slot.name) for o in found] == expected


def test_christmas_day_and_a_closure_day_offer_nothing_and_saturday_mornings_are_offered() -> None:
    calendar = WorkingDayCalendar({date(2026, 12, 29)})
    found = offered_slots(
        SLOTS,
        now=datetime(2026, 12, 20, tzinfo=UTC),
        first_day=date(2026, 12, 21),
        days=14,
        calendar=calendar,
    )
    days = {o.day for o in found}
    assert date(2026, 12, 25) not in days  # Christmas Day
    assert date(2026, 12, 26) not in days  # Boxing Day (a Saturday)
    assert date(2026, 12, 28) not in days  # Boxing Day's substitute (a Monday)
    assert date(2026, 12, 29) not in days  # the landlord's closure day
    assert {o.slot.name for o in found if o.day == date(2027, 1, 2)} == {"am"}  # a Saturday


def test_a_saturday_closure_day_offers_no_saturday_slot() -> None:
    saturday = date(2027, 1, 9)
    calendar = WorkingDayCalendar({saturday})
    am = next(slot for slot in SLOTS if slot.name == "am")
    assert 5 in am.weekdays
    assert not offers(saturday, am, calendar)
    found = offered_slots(
        SLOTS, now=datetime(2027, 1, 4, tzinfo=UTC), first_day=date(2027, 1, 4), days=14,
        calendar=calendar,
    )  # fmt: skip
    days = {o.day for o in found}
    assert saturday not in days
    assert date(2027, 1, 16) in days  # the next Saturday is offered


def test_a_request_is_booked_when_every_open_repair_has_an_appointment() -> None:
    plumbing, electrical, done = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    repairs = [
        (plumbing, RepairStatus.OPEN),
        (electrical, RepairStatus.OPEN),
        (done, RepairStatus.COMPLETED),
    ]
    assert not request_booked(repairs, {plumbing})
    assert request_booked(repairs, {plumbing, electrical})
    assert request_booked([], set())


def test_a_request_whose_repairs_were_all_done_without_an_appointment_is_cancelled() -> None:
    plumbing, electrical = uuid.uuid4(), uuid.uuid4()
    done = [(plumbing, RepairStatus.COMPLETED), (electrical, RepairStatus.COMPLETED)]
    assert request_status(done, set()) is AppointmentRequestStatus.CANCELLED
    assert request_status(done, {plumbing}) is AppointmentRequestStatus.BOOKED
    half = [(plumbing, RepairStatus.OPEN), (electrical, RepairStatus.COMPLETED)]
    assert request_status(half, set()) is AppointmentRequestStatus.PENDING
    assert request_status(half, {plumbing}) is AppointmentRequestStatus.BOOKED
    assert request_status([], set()) is AppointmentRequestStatus.BOOKED
