"""The slot a contractor's own appointment window is counted in: the landlord's slot
whose window that London day overlaps it most (then one offered that weekday, then the
nearest start), so availability counts it where the operative really is."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hearth_kit.working_days import LONDON
from repairs.appointments.rules import slot_for_window, window
from repairs.settings import default_slots

SLOTS = default_slots()


def london(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


MONDAY = date(2026, 11, 30)
SATURDAY = date(2026, 12, 5)
SUMMER_MONDAY = date(2026, 7, 6)


def test_a_window_is_counted_in_the_slot_it_overlaps_most() -> None:
    assert slot_for_window(SLOTS, london(MONDAY, 9), london(MONDAY, 11)).name == "am"
    assert slot_for_window(SLOTS, london(MONDAY, 8), london(MONDAY, 10)).name == "08-10"
    assert slot_for_window(SLOTS, london(MONDAY, 8), london(MONDAY, 12)).name == "am"
    assert slot_for_window(SLOTS, london(MONDAY, 11), london(MONDAY, 15)).name == "pm"
    assert slot_for_window(SLOTS, london(MONDAY, 16), london(MONDAY, 19)).name == "evening"
    # in British Summer Time too (a UTC window, counted on London's clock)
    start = london(SUMMER_MONDAY, 13).astimezone(UTC)
    assert slot_for_window(SLOTS, start, start + timedelta(hours=2)).name == "pm"


def test_a_window_outside_every_slot_is_counted_in_the_nearest() -> None:
    assert slot_for_window(SLOTS, london(MONDAY, 6), london(MONDAY, 7)).name == "08-10"
    assert slot_for_window(SLOTS, london(MONDAY, 21), london(MONDAY, 22)).name == "evening"


def test_a_saturday_window_prefers_the_slot_offered_on_saturdays() -> None:
    assert slot_for_window(SLOTS, london(SATURDAY, 8), london(SATURDAY, 10)).name == "am"


@given(
    day=st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31)),
    start_minute=st.integers(min_value=0, max_value=24 * 60 - 1),
    length=st.integers(min_value=1, max_value=12 * 60),
)
def test_no_other_slot_overlaps_the_window_more(day: date, start_minute: int, length: int) -> None:
    start = datetime.combine(day, time(0), tzinfo=LONDON) + timedelta(minutes=start_minute)
    end = start + timedelta(minutes=length)
    chosen = slot_for_window(SLOTS, start, end)
    assert chosen in SLOTS
    london_day = start.astimezone(LONDON).date()

    def overlap(slot_start: datetime, slot_end: datetime) -> timedelta:
        return max(min(slot_end, end) - max(slot_start, start), timedelta(0))

    best = overlap(*window(london_day, chosen))
    assert all(overlap(*window(london_day, slot)) <= best for slot in SLOTS)


@given(day=st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 12, 31)))
def test_a_slots_own_window_is_counted_in_that_slot(day: date) -> None:
    for slot in SLOTS:
        if day.weekday() in slot.weekdays:
            assert slot_for_window(SLOTS, *window(day, slot)) == slot
