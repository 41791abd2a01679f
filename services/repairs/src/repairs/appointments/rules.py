"""Appointment slots and capacity: pure rules, no I/O.

A slot is offered on a day when the landlord's slot definition names that weekday and
the day is not a bank holiday or closure day (Saturdays are offered where a slot says
so, unless the Saturday is itself a closure day). Each trade has a capacity per slot per
day; a slot is free for a set of trades when every one of them has room (one
appointment covers the trades of all the work at the home). A slot's places are taken
by every appointment whose window overlaps its hours, not only those booked in it by
name: the morning and the 08:00-10:00 slot share the trade's operatives for those two
hours (docs/adr/0149).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from hearth_contracts.events.repairs import MissedBy, MissedReason
from hearth_contracts.events.visits import Trade
from hearth_kit.working_days import LONDON, WorkingDayCalendar, is_bank_holiday, london_day
from repairs.models import AppointmentRequestStatus, RepairStatus, WorkOrder
from repairs.settings import SlotDefinition


@dataclass(frozen=True, slots=True)
class OfferedSlot:
    day: date
    slot: SlotDefinition
    window_start: datetime
    window_end: datetime


def reported_another_day(booked_at: datetime, reported: Iterable[datetime]) -> date | None:
    """The London day of the earliest repair in `reported` (each work order's repair's
    reported_at, the clock's start) that was not reported on the London day of
    `booked_at`, or None when all were. A booking made at first contact is made in the
    contact that reported its work (DOMAIN.md: offered at first contact), so on that
    London day: one made on a later day was a later contact's, whatever the caller says
    (docs/adr/0140). Every repair, not one: open work from an earlier report offered in
    the same appointment was not booked at its own first contact."""
    day = london_day(booked_at)
    earlier = sorted(london_day(moment) for moment in reported if london_day(moment) != day)
    return earlier[0] if earlier else None


def window(day: date, slot: SlotDefinition) -> tuple[datetime, datetime]:
    """The slot's start and end on `day`, London time (BST or GMT as the day is)."""
    return (
        datetime.combine(day, slot.start, tzinfo=LONDON),
        datetime.combine(day, slot.end, tzinfo=LONDON),
    )


def offers(day: date, slot: SlotDefinition, calendar: WorkingDayCalendar) -> bool:
    """Whether the slot is offered on the day: its weekday, and not a bank holiday or
    closure day."""
    return day.weekday() in slot.weekdays and open_for_appointments(day, calendar)


def open_for_appointments(day: date, calendar: WorkingDayCalendar) -> bool:
    """Not a bank holiday or one of the landlord's closure days (a Saturday closure day
    too), and a working day or a weekend day (the slots say which weekend days they are
    offered on)."""
    if is_bank_holiday(day) or day in calendar.closure_days:
        return False
    return day.weekday() >= 5 or calendar.is_working_day(day)


def last_bookable_day(today: date, horizon_days: int) -> date:
    """The last day an appointment may be booked on: the booking horizon is `horizon_days`
    days counted from today (London) inclusive, the same days `offered_slots` searches
    (today + horizon - 1). A day after it is never offered, so it is never booked
    either (a booking or a move to it is refused, 422 naming `day`)."""
    return today + timedelta(days=horizon_days - 1)


def offered_slots(
    slots: Iterable[SlotDefinition],
    *,
    now: datetime,
    first_day: date,
    days: int,
    calendar: WorkingDayCalendar,
) -> list[OfferedSlot]:
    """Every slot offered from `first_day` for `days` days that has not started by `now`."""
    offered: list[OfferedSlot] = []
    slot_list = list(slots)
    for n in range(days):
        day = first_day + timedelta(days=n)
        # the calendar asked once per day, not once per slot (the availability search
        # runs this for every request)
        if not open_for_appointments(day, calendar):
            continue
        weekday = day.weekday()
        for slot in slot_list:
            if weekday not in slot.weekdays:
                continue
            start, end = window(day, slot)
            if start <= now:
                continue
            offered.append(OfferedSlot(day, slot, start, end))
    return offered


def slot_for_window(
    slots: Sequence[SlotDefinition], start: datetime, end: datetime
) -> SlotDefinition:
    """The landlord's slot an appointment a contractor arranged for `start`..`end` is
    counted in (availability counts appointments per slot): the one whose window on the
    London day of `start` overlaps it most; on a tie one offered on that weekday, then
    the nearest (for a window outside every slot), then the shortest (the tightest fit:
    08:00-10:00 is the two-hour slot, not the morning), then the first listed. `slots`
    is not empty."""
    day = start.astimezone(LONDON).date()

    def fit(
        numbered: tuple[int, SlotDefinition],
    ) -> tuple[timedelta, bool, timedelta, timedelta, int]:
        n, slot = numbered
        slot_start, slot_end = window(day, slot)
        overlap = max(min(slot_end, end) - max(slot_start, start), timedelta(0))
        gap = max(slot_start - end, start - slot_end, timedelta(0))
        offered = day.weekday() in slot.weekdays
        return (overlap, offered, -gap, slot_start - slot_end, -n)

    return max(enumerate(slots), key=fit)[1]


def capacity(
    trade: Trade, slot_name: str, default: int, by_trade: Mapping[Trade, Mapping[str, int]]
) -> int:
    return by_trade.get(trade, {}).get(slot_name, default)


@dataclass(frozen=True, slots=True)
class HeldPlace:
    """One trade's place held by a booked (or kept, or missed) appointment: the slot it
    was booked in and the window the household was given."""

    slot_name: str
    window_start: datetime
    window_end: datetime


def overlaps(start: datetime, end: datetime, other_start: datetime, other_end: datetime) -> bool:
    """Whether two windows share any time: the morning ending at 12:00 and the
    afternoon starting at 12:00 do not."""
    return start < other_end and other_start < end


def places_taken(offered: OfferedSlot, held: Iterable[HeldPlace]) -> int:
    """How many of one trade's places on the slot's day `offered` has taken: every
    appointment whose window overlaps the slot's hours (the morning's 08:00-12:00 and
    the two-hour 08:00-10:00 take each other's places: one operative cannot be at two
    homes at 09:00), and any booked in the slot by name (a contractor's own window
    outside every slot is counted in the slot it fits best: slot_for_window). Counted
    by the slot's own name only, overlapping slots each had places of their own, and
    availability offered, and booking took, more appointments in the same hours than
    the trade has operatives for (docs/adr/0149)."""
    return sum(
        1
        for place in held
        if place.slot_name == offered.slot.name
        or overlaps(place.window_start, place.window_end, offered.window_start, offered.window_end)
    )


def free_places(
    offered: OfferedSlot,
    trades: Iterable[Trade],
    held: Mapping[tuple[Trade, date], Sequence[HeldPlace]],
    default: int,
    by_trade: Mapping[Trade, Mapping[str, int]],
) -> int:
    """Appointments still bookable in this slot for work needing all of `trades`: each
    trade's capacity of the slot less the places taken in its hours (places_taken;
    `held` is each trade's places by day)."""
    return min(
        capacity(trade, offered.slot.name, default, by_trade)
        - places_taken(offered, held.get((trade, offered.day), ()))
        for trade in trades
    )


def request_booked(
    repairs: Iterable[tuple[uuid.UUID, RepairStatus]], covered: Set[uuid.UUID]
) -> bool:
    """Whether an appointment request (the repairs found on one visit) is booked: every
    repair of it still open has an appointment (`covered`). Repairs of trades one
    appointment cannot take are booked separately, and the request stays pending until
    the last of them is (DOMAIN.md: one appointment "where trades allow")."""
    return all(
        status is not RepairStatus.OPEN or repair_id in covered for repair_id, status in repairs
    )


def request_status(
    repairs: Iterable[tuple[uuid.UUID, RepairStatus]], covered: Set[uuid.UUID]
) -> AppointmentRequestStatus:
    """Where an appointment request is, from its repairs (id, status) and the repairs a
    booked or kept appointment covers: cancelled when every repair of it was completed
    and none ever had such an appointment (the work was done without one: nothing is
    left to book); else booked when every open repair has an appointment
    (request_booked); else pending."""
    repair_list = list(repairs)
    if (
        repair_list
        and all(status is not RepairStatus.OPEN for _, status in repair_list)
        and not any(repair_id in covered for repair_id, _ in repair_list)
    ):
        return AppointmentRequestStatus.CANCELLED
    if request_booked(repair_list, covered):
        return AppointmentRequestStatus.BOOKED
    return AppointmentRequestStatus.PENDING


def window_covers(window_start: datetime, window_end: datetime, at: datetime) -> bool:
    """Whether a visit at `at` is the appointment's: from the start of the window's
    first second to its end. Contractors send times to the whole second, and a window
    may start some microseconds into one (a contractor's own window is to the second;
    a slot's on the hour): 10:00:00 names the window that opened at 10:00:00.4."""
    return window_start.replace(microsecond=0) <= at <= window_end


def completion_keeps(window_start: datetime, completed_at: datetime) -> bool:
    """Whether a work order completed at `completed_at` kept its booked appointment: the
    operative came and did the work on the appointment's London day, once its window had
    started (from its first second, as window_covers). A job that ran past the window's
    end that day was still the visit booked; a completion on a later day may have been
    another visit, arranged without a rebooking, and is left for staff's outcome
    (docs/adr/0107)."""
    return window_start.replace(microsecond=0) <= completed_at and (
        completed_at.astimezone(LONDON).date() == window_start.astimezone(LONDON).date()
    )


@dataclass(frozen=True, slots=True)
class Followed:
    """Something that happened after an appointment's visit, which its outcome cannot
    be dated after: when, and what (said in the refusal)."""

    at: datetime
    what: str


def latest_outcome(followed: Iterable[Followed]) -> Followed | None:
    """The first thing to follow the appointment's visit, by which its outcome had
    happened (docs/adr/0128): the latest moment an outcome can be dated. None when
    nothing has followed yet (the outcome is bounded by now only)."""
    return min(followed, key=lambda f: f.at, default=None)


def moved_late(window_start: datetime, arranged_at: datetime) -> bool:
    """Whether a contractor's new window, arranged with the household at `arranged_at`,
    came once the booked appointment's window had started (from its first second, as
    window_covers): the visit due then was not made as booked, so the booked
    appointment was missed, not rebooked (docs/adr/0117). What counts is when it was
    arranged, not when the update arrived: a household that agreed the evening before,
    sent on after the window opened, rebooked in time."""
    return window_start.replace(microsecond=0) <= arranged_at


def missed_by_the_move(window_end: datetime, arranged_at: datetime) -> datetime:
    """When an appointment a contractor moved once its window had started was missed:
    when the move was arranged, if that was within the window (the visit called off);
    else the window's end, by which the visit due had not been made (docs/adr/0128).
    A move arranged days later would otherwise date the miss days late, counting it in
    a later period of repairs.appointments_kept than the visit it was."""
    return min(arranged_at, window_end)


def missed_by_a_late_move(resident_asked: bool) -> tuple[MissedBy, MissedReason]:
    """Whose side missed an appointment a contractor moved once its window had started,
    and why: the landlord's (its contractor called off the visit due; the code the
    office uses for the same, cancelled_late_by_landlord), unless the household asked
    for the move (the resident's, reason other), which repairs.appointments_kept then
    leaves out (docs/adr/0117). `resident_asked` is staff's confirmation with the
    household, not the contractor's word: the measure is the one the contractor is held
    to (docs/adr/0129)."""
    if resident_asked:
        return MissedBy.RESIDENT, MissedReason.OTHER
    return MissedBy.LANDLORD, MissedReason.CANCELLED_LATE_BY_LANDLORD


def trades_of(order: WorkOrder) -> set[str]:
    """Every trade a work order's work needs: its repair's and each SOR line's (HACT's
    work elements each have their trade)."""
    return {order.trade.value} | {str(line["trade"]) for line in order.lines if "trade" in line}


def left_out_of_the_visit(
    booking: Sequence[WorkOrder],
    same_visit: Iterable[WorkOrder],
    booked_elsewhere: Set[str],
    contractor_trades: Mapping[str, Collection[str]],
) -> list[uuid.UUID]:
    """The work a booking leaves out that its visit's appointment request says goes in
    the same appointment (DOMAIN.md: all from one visit in ONE follow-on appointment
    where trades allow; docs/adr/0145), in id order. `same_visit` is the work waiting
    for an appointment of the pending requests of the booking's repairs.

    Trades allow when one appointment can take it: the booking's contractor holds it
    (one appointment is one contractor's) and that contractor's configured trades cover
    every trade of it. Excused: work another contractor holds, work its contractor no
    longer does by the settings, and work another appointment has booked already. The
    lines' `depends_on` orders work inside one work order only, so it never separates
    two work orders and excuses nothing here."""
    in_booking = {order.id for order in booking}
    contractor = booking[0].contractor_id
    does = {str(trade) for trade in contractor_trades.get(contractor, ())}
    return sorted(
        order.id
        for order in same_visit
        if order.id not in in_booking
        and order.contractor_id == contractor
        and str(order.id) not in booked_elsewhere
        and trades_of(order) <= does
    )


def open_work_to_offer(
    waiting: Iterable[WorkOrder], booked_elsewhere: Set[str], does: Collection[str]
) -> list[WorkOrder]:
    """The home's waiting work that one appointment with its contractor could take
    (DOMAIN.md: open work at one home is offered in one appointment where the trades
    allow; docs/adr/0189): no booked appointment holds it, and every trade of it is
    among the contractor's configured trades (`does`), as left_out_of_the_visit reads
    "where trades allow". `waiting` is already the contractor's, in offering order."""
    trades = {str(trade) for trade in does}
    return [
        order
        for order in waiting
        if str(order.id) not in booked_elsewhere and trades_of(order) <= trades
    ]
