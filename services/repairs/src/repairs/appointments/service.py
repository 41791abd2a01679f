"""Appointments: free slots from contractor capacity, booking one appointment for the
open work at one home, rebooking, cancelling, kept / missed / no access; and appointment
requests (the visit's repairs waiting for one appointment). Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope
from hearth_contracts.events.repairs import (
    AppointmentBooked,
    AppointmentCancelled,
    AppointmentMissed,
    MissedBy,
    MissedReason,
)
from hearth_contracts.events.visits import Trade
from hearth_kit.db import ReadConnection
from hearth_kit.logs import get_logger
from hearth_kit.outbox import publish
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import Conflict, NotFound, Unprocessable
from hearth_kit.working_days import WorkingDayCalendar, london_day
from repairs.appointments import repository, rules
from repairs.appointments.schemas import (
    AppointmentCancellation,
    AppointmentCreate,
    AppointmentOutcome,
    AppointmentPublic,
    AppointmentRequestPublic,
    Availability,
    AvailableSlot,
    OpenWork,
    Outcome,
    Rebooking,
)
from repairs.models import (
    CLOSED_WORK_ORDER,
    Appointment,
    AppointmentRequest,
    AppointmentRequestStatus,
    AppointmentStatus,
    RepairStatus,
    SplitReason,
    WorkOrder,
    WorkOrderStatus,
)
from repairs.orders import repository as order_repository
from repairs.settings import RepairsSettings, SlotDefinition
from repairs.webhooks import service as webhooks

log = get_logger(__name__)


class AppointmentRequestService:
    async def for_visit(
        self, session: AsyncSession, *, visit_id: uuid.UUID, uprn: str, requested_at: datetime
    ) -> AppointmentRequest:
        """The one pending appointment request for all the repairs found on a visit."""
        existing = await repository.for_visit(session, visit_id)
        if existing is not None:
            return existing
        request = AppointmentRequest(uprn=uprn, visit_id=visit_id, requested_at=requested_at)
        repository.add(session, request)
        await session.flush()
        return request

    async def page(
        self,
        connection: ReadConnection,
        page: PageParams,
        *,
        uprn: str | None,
        status: AppointmentRequestStatus | None,
    ) -> Page[AppointmentRequestPublic]:
        """Appointment requests in id order with the repairs each covers, a page at a
        time: one statement on a read connection, rows straight into the public entry."""
        rows = await repository.page_rows(
            connection, uprn=uprn, status=status, after=page.after_as(uuid.UUID), limit=page.fetch
        )
        return Page.from_rows(
            publics_of_rows(rows), page.limit, cursor_of=lambda request: (request.id,)
        )


def publics_of_rows(rows: Sequence[Row[Any]]) -> list[AppointmentRequestPublic]:
    """Public entries from repository.page_rows' rows (one per repair, in request
    order; a request without repairs has one row with no repair)."""
    repairs: dict[uuid.UUID, list[Row[Any]]] = {}
    firsts: list[Row[Any]] = []
    for row in rows:
        if row.id not in repairs:
            repairs[row.id] = []
            firsts.append(row)
        if row.repair_id is not None:
            repairs[row.id].append(row)
    return [
        AppointmentRequestPublic(
            id=first.id,
            uprn=first.uprn,
            visit_id=first.visit_id,
            status=first.status,
            requested_at=first.requested_at,
            repair_ids=[r.repair_id for r in repairs[first.id]],
            trades=sorted({r.trade for r in repairs[first.id]}),
        )
        for first in firsts
    ]


appointment_request_service = AppointmentRequestService()


async def settle_requests(
    session: AsyncSession,
    repair_ids: list[uuid.UUID],
    uprn: str,
    statuses: tuple[AppointmentRequestStatus, ...],
) -> None:
    """Move the appointment requests of these repairs (those in `statuses`) to where
    their repairs now put them (rules.request_status): booked once every open repair
    has a booked or kept appointment, pending again when one is cancelled, cancelled
    when all were completed without one. Called after a booking, a cancellation and a
    repair's completion (its flushes already made)."""
    requests = await repository.requests_of_repairs(session, repair_ids, statuses)
    if not requests:
        return
    covered = await repository.repairs_with_appointments(session, uprn)
    repairs: dict[uuid.UUID, list[tuple[uuid.UUID, RepairStatus]]] = {}
    for request_id, repair_id, status in await repository.repairs_of_requests(
        session, [request.id for request in requests]
    ):
        repairs.setdefault(request_id, []).append((repair_id, status))
    for request in requests:
        request.status = rules.request_status(repairs.get(request.id, []), covered)


NEEDS_AN_APPOINTMENT = (WorkOrderStatus.RAISED, WorkOrderStatus.NO_ACCESS)
"""A work order in one of these waits for an appointment: never booked (or its booking
cancelled), or its last visit found no one in (docs/adr/0057). Booked, it is
appointment_made."""

WAITING_FOR_THE_VISIT = (
    WorkOrderStatus.RAISED,
    WorkOrderStatus.APPOINTMENT_MADE,
    WorkOrderStatus.OPERATIVE_ON_THE_WAY,
)
"""A work order in one of these was waiting for its appointment's visit: a no-access
visit makes it no_access. One in progress, or with a variation asked, has the
contractor's later word on it, and keeps it."""


async def end_as_no_access(
    session: AsyncSession,
    appointment: Appointment,
    orders: list[WorkOrder],
    *,
    at: datetime,
    now: datetime,
    tell_contractor: RepairsSettings | None = None,
) -> None:
    """The appointment's visit found no one in: one visit, whoever recorded it (staff's
    outcome, or a contractor's no_access at a moment its window covers; docs/adr/0057).
    The appointment ends as no access (missed by the resident) at `at`, when the visit
    happened (staff's occurred_at, the contractor's `at`), not `now`, when it was
    recorded: the figures count an outcome where it happened. Each of its open
    work orders has the visit once (`no_access_visits`; not again for one whose
    contractor's no_access in this window was kept already), is no_access from `at`
    when it was waiting for the visit and nothing later was said of it, and needs
    another appointment: its appointment request, if booked, is pending again, as a
    cancellation leaves it. appointment-missed is published, once, as it always was for
    a no-access outcome. Recorded by staff (`tell_contractor`, the settings naming the
    contractor's webhook), the contractor is sent schedule-repair with the appointment
    ended, as a cancellation is sent (docs/adr/0053): its system still had it booked. A
    contractor's own no_access is not sent back to it.

    Its places in the slot are kept, as a kept or missed appointment's are: the visit
    used the operative's time in that slot, and the slot has started, so freeing them
    would offer nothing (a cancellation or rebooking frees them: its slot is to come).

    The appointment and `orders` (all its work orders) are locked by the caller, the
    appointment first: the one lock order of repairs."""
    appointment.status = AppointmentStatus.NO_ACCESS
    appointment.outcome_at = at
    appointment.missed_by = MissedBy.RESIDENT
    appointment.missed_reason = MissedReason.NO_ACCESS
    open_orders = [o for o in orders if o.status not in CLOSED_WORK_ORDER]
    counted = await repository.told_no_access_within(
        session, [o.id for o in open_orders], appointment.window_start, appointment.window_end
    )
    for order in open_orders:
        if order.id not in counted:
            order.no_access_visits += 1
        if order.status in WAITING_FOR_THE_VISIT and at >= order.status_changed_at.replace(
            microsecond=0
        ):
            order.status = WorkOrderStatus.NO_ACCESS
            order.status_changed_at = at
    await session.flush()
    await settle_requests(
        session,
        [o.repair_id for o in orders],
        appointment.uprn,
        (AppointmentRequestStatus.BOOKED,),
    )
    envelope = await publish_missed(
        session,
        appointment,
        orders,
        now,
        missed_by=MissedBy.RESIDENT,
        reason=MissedReason.NO_ACCESS,
    )
    if tell_contractor is not None:
        schedule_repair(session, tell_contractor, appointment, envelope.id, now)


async def left_booked(
    session: AsyncSession, now: datetime, after: uuid.UUID | None, limit: int
) -> tuple[list[tuple[Appointment, datetime]], uuid.UUID | None]:
    """A batch of booked appointments whose window closed before `now` (id order, after
    `after`), with those of them a contractor's no_access left booked: a no_access kept
    on one of its work orders at a moment its window covers, from before docs/adr/0057
    (since then the same update ends the appointment). Each with the earliest such
    `at`. The cursor for the next batch, or None when there is none. Unlocked reads:
    end_left_booked judges each again under its locks."""
    batch = await repository.booked_and_over(session, now, after, limit)
    found = []
    for appointment in batch:
        at = await repository.first_told_no_access_within(
            session,
            [uuid.UUID(i) for i in appointment.work_order_ids],
            appointment.window_start,
            appointment.window_end,
        )
        if at is not None:
            found.append((appointment, at))
    return found, (batch[-1].id if batch else None)


async def end_left_booked(
    session: AsyncSession, appointment_id: uuid.UUID, now: datetime
) -> tuple[Appointment, datetime] | None:
    """End an appointment a contractor's no_access left booked before docs/adr/0057 as
    that no access, at the contractor's `at` (the earliest in the window), as staff's
    outcome would have ended it: a visit counted only on the work orders without the
    contractor's no_access in the window (that one counted it when it was kept), each
    waiting work order no_access from `at`, a booked appointment request pending again,
    appointment-missed published once. The contractor is not sent schedule-repair: the
    no_access was its own (as when its no_access ends an appointment today).

    The lock order of repairs: the appointment, then its work orders in id order (then
    appointment requests, in end_as_no_access). Judged again on the locked row: one no
    longer booked (staff recorded its outcome, a second run ended it), whose window has
    not closed, or with no such no_access is left alone (None), so running it again
    changes nothing."""
    appointment = await repository.get_appointment(session, appointment_id)
    if (
        appointment is None
        or appointment.status is not AppointmentStatus.BOOKED
        or appointment.window_end >= now
    ):
        return None
    ids = [uuid.UUID(i) for i in appointment.work_order_ids]
    at = await repository.first_told_no_access_within(
        session, ids, appointment.window_start, appointment.window_end
    )
    if at is None:
        return None
    orders = await order_repository.many(session, ids)
    await end_as_no_access(session, appointment, orders, at=at, now=now)
    return appointment, at


async def publish_missed(
    session: AsyncSession,
    appointment: Appointment,
    orders: Sequence[WorkOrder],
    now: datetime,
    *,
    missed_by: MissedBy,
    reason: MissedReason,
) -> Envelope[AppointmentMissed]:
    """appointment-missed: by whom and why, with the repairs of all its work orders,
    when it happened (`missed_at`: the appointment's outcome_at, which every caller has
    set to the visit's, the outcome's or the contractor's moment) and when it was
    recorded (`now`)."""
    return await publish(
        session,
        AppointmentMissed(
            appointment_id=appointment.id,
            uprn=appointment.uprn,
            repair_ids=sorted({o.repair_id for o in orders}),
            contractor_id=appointment.contractor_id,
            window_start=appointment.window_start,
            window_end=appointment.window_end,
            missed_by=missed_by,
            reason=reason,
            recorded_at=now,
            missed_at=_in_utc(appointment.outcome_at),
        ),
    )


async def _hold(
    session: AsyncSession,
    *,
    work_orders: list[WorkOrder],
    day: date,
    slot: SlotDefinition,
    window: tuple[datetime, datetime],
    made_at_first_contact: bool,
    rebooked_from: uuid.UUID | None,
    now: datetime,
    tell_contractor: RepairsSettings | None = None,
    arranged_at: datetime | None = None,
    split_reason: SplitReason | None = None,
) -> Appointment:
    """Book the appointment: it holds `slot` on `day` for each trade of the work (what
    availability counts), its work orders waiting for one have it, and
    appointment-booked is published (the household's message; `rebooked_from` names the
    appointment it replaces). Booked by staff (`tell_contractor`, the settings naming
    the contractor's webhook), the contractor is sent schedule-repair; a contractor's
    own move is not sent back to it, and keeps when the contractor arranged it
    (`arranged_at`, its update's `at`: docs/adr/0068)."""
    start, end = window
    trades = sorted({order.trade for order in work_orders})
    appointment = Appointment(
        uprn=work_orders[0].uprn,
        contractor_id=work_orders[0].contractor_id,
        day=day,
        slot=slot.kind,
        slot_name=slot.name,
        window_start=start,
        window_end=end,
        trades=[t.value for t in trades],
        work_order_ids=[str(order.id) for order in work_orders],
        made_at_first_contact=made_at_first_contact,
        rebooked_from_appointment_id=rebooked_from,
        booked_at=now,
        arranged_at=arranged_at,
        split_reason=split_reason,
    )
    repository.add_appointment(session, appointment, trades)
    for order in work_orders:
        if order.status in NEEDS_AN_APPOINTMENT:
            order.status = WorkOrderStatus.APPOINTMENT_MADE
            order.status_changed_at = now
    await session.flush()
    envelope = await publish(
        session,
        AppointmentBooked(
            appointment_id=appointment.id,
            uprn=appointment.uprn,
            repair_ids=sorted({order.repair_id for order in work_orders}),
            contractor_id=appointment.contractor_id,
            slot=appointment.slot,
            window_start=start,
            window_end=end,
            made_at_first_contact=made_at_first_contact,
            rebooked_from_appointment_id=rebooked_from,
            booked_at=now,
        ),
    )
    if tell_contractor is not None:
        schedule_repair(session, tell_contractor, appointment, envelope.id, now)
    return appointment


def schedule_repair(
    session: AsyncSession,
    settings: RepairsSettings,
    appointment: Appointment,
    event_id: uuid.UUID,
    now: datetime,
) -> None:
    """HACT's "schedule repair / appointment" to the contractor's webhook: the
    appointment as staff see it (booked, with its window and the appointment it
    replaces, or cancelled), under the id of the event that announced the change, so
    it is delivered once. The contact centre books from the contractor's capacity;
    without this the contractor never learnt when its operative is expected. Staff's
    no-access and missed outcomes are sent too (status no_access or missed, with
    missed_by and missed_reason): they end the appointment as a cancellation does
    (docs/adr/0069)."""
    webhooks.queue(
        session,
        settings,
        event_id=event_id,
        event_type="schedule-repair",
        contractor_id=appointment.contractor_id,
        work_order_id=uuid.UUID(appointment.work_order_ids[0]),
        # who on the staff confirmed a household's request is no business of the
        # contractor's: never sent (null), whatever the appointment holds
        body=appointment_to_public(appointment)
        .model_copy(update={"resident_asked_confirmed_by": None})
        .model_dump(mode="json"),
        now=now,
    )


async def _end_booking(
    session: AsyncSession, appointment: Appointment, status: AppointmentStatus, now: datetime
) -> list[WorkOrder]:
    """End a booked appointment as `status` (rebooked or cancelled) at `now`, freeing
    its places in its slot for others to book; returns its work orders (a rebooking's
    new appointment takes them, a cancellation sends those waiting back to raised),
    locked. The appointment is already locked: appointments before work orders, the
    one lock order of repairs (orders.service.WorkOrderService.update_status)."""
    appointment.status = status
    appointment.outcome_at = now
    await repository.release_slots(session, appointment.id)
    return await order_repository.many(session, [uuid.UUID(i) for i in appointment.work_order_ids])


async def _places_left(
    session: AsyncSession,
    settings: RepairsSettings,
    work_orders: list[WorkOrder],
    offered: rules.OfferedSlot,
) -> int:
    """How many places `offered` has left for the trades of the work with its contractor
    (one appointment is one contractor's, and each contractor has its own operatives:
    docs/adr/0155), each trade's day locked first so that two bookings cannot both take
    its last place: the day, not the slot, as a booking in an overlapping slot takes the
    same places (docs/adr/0149). Locked by trade and day, not by contractor as well: a
    little more waiting, and a release before this one, which counts the trade's places
    across contractors, still waits for the same lock while both serve."""
    trades = sorted({order.trade for order in work_orders})
    contractor_id = work_orders[0].contractor_id
    await repository.lock_slots(session, [f"repairs:{t}:{offered.day}" for t in trades])
    held = await repository.held_places(session, trades, offered.day, offered.day, contractor_id)
    return rules.free_places(
        offered, trades, held, settings.capacity_per_slot, capacities_of(settings, contractor_id)
    )


def capacities_of(settings: RepairsSettings, contractor_id: str) -> dict[Trade, dict[str, int]]:
    """Each trade's places per slot with `contractor_id`: the contractor's own figures
    (`contractors.<id>.trade_capacity`) over the landlord's per trade (`trade_capacity`);
    `capacity_per_slot` for a slot neither names (rules.capacity)."""
    contractor = settings.contractors.get(contractor_id)
    own = contractor.trade_capacity if contractor is not None else {}
    return {
        trade: {**settings.trade_capacity.get(trade, {}), **own.get(trade, {})}
        for trade in {*settings.trade_capacity, *own}
    }


async def move_to_contractors_window(
    session: AsyncSession,
    settings: RepairsSettings,
    work_order: WorkOrder,
    old: Appointment | None,
    window: tuple[datetime, datetime],
    now: datetime,
    at: datetime,
    *,
    resident_asked: bool = False,
) -> Appointment | None:
    """The appointment a contractor arranged with the household for `work_order`
    (`window`: start, end) at `at`, told through its appointment_made status update.
    The caller has judged that it stands (no later window of the contractor's, no later
    booking, rebooking or cancelling by staff: docs/adr/0054, 0068).

    The work order's booked appointment moves to it as a rebooking does (the old one is
    rebooked and its places freed; a new one, rebooked from it, holds the slot the
    window falls in, and appointment-booked is published for the household's message);
    with no booked appointment one is booked for this work order, as the contact centre
    would. The contractor's arrangement with the household wins over capacity: a full
    slot is taken all the same (the appointment is made; refusing it would only leave
    Hearth wrong about when the operative calls), and logged, without personal data, so
    the over-booking can be seen; availability then offers that slot to no one until a
    place frees. Slot rules (weekday, closure days, booking horizon) do not apply for
    the same reason. None when the booked appointment already has this window.

    Arranged once the booked appointment's window had started (rules.moved_late), the
    visit due was not made as booked: the old appointment is missed, not rebooked, as
    of `at` (docs/adr/0117), or of its window's end when `at` came after it
    (rules.missed_by_the_move; docs/adr/0128), by the landlord's side, and
    appointment-missed is
    published. `resident_asked` (the contractor says the household asked) is kept on it
    and waits for staff to confirm it with the household (record_outcome; ADR 0129),
    which makes it the resident's; its places are
    kept, as a missed outcome's are (the visit's time was spent). Rebooked, it fell out
    of repairs.appointments_kept, the loophole staff's late rebook had (docs/adr/0107).
    The contractor is not sent schedule-repair for it: the move is its own.

    `old` is the work order's booked appointment (repository.booked_covering), which
    the caller locked BEFORE it locked `work_order`: appointments before work orders,
    the order staff's cancel and rebook take them in (_booked, then _end_booking), so
    the two never deadlock."""
    start, end = window
    if old is None and await repository.booked_for(session, [work_order.id]):
        # Booked by staff between the caller's read of the booked appointments and its
        # lock of the work order (the booking held the work order, so its appointment
        # was not there to read, or lock, first). It cannot be locked now, after the
        # work order, without breaking the lock order; booking another would hold two
        # appointments for one work order. Nothing is changed: sent again, it moves.
        raise Conflict(
            f"Work order {work_order.id} was booked while this was sent; nothing was "
            "changed: send it again to move that appointment",
            field="appointment_start",
        )
    if old is not None and (old.window_start, old.window_end) == (start, end):
        return None
    if old is not None and rules.moved_late(old.window_start, at):
        # The contractor's word that the household asked is kept, not taken: missed by
        # the landlord's side until staff confirm it (docs/adr/0129).
        missed_by, reason = rules.missed_by_a_late_move(resident_asked=False)
        old.status = AppointmentStatus.MISSED
        old.outcome_at = rules.missed_by_the_move(old.window_end, at)
        old.missed_by, old.missed_reason = missed_by, reason
        old.contractor_said_resident_asked = resident_asked
        orders = await order_repository.many(session, [uuid.UUID(i) for i in old.work_order_ids])
        await publish_missed(session, old, orders, now, missed_by=missed_by, reason=reason)
        log.info(
            "contractor moved an appointment whose window had started: missed",
            contractor_id=work_order.contractor_id,
            appointment_id=str(old.id),
            missed_by=missed_by,
            contractor_said_resident_asked=resident_asked,
        )
    elif old is not None:
        orders = await _end_booking(session, old, AppointmentStatus.REBOOKED, now)
    else:
        orders = [work_order]
    slot = rules.slot_for_window(settings.slots, start, end)
    day = london_day(start)
    places = await _places_left(session, settings, orders, rules.OfferedSlot(day, slot, start, end))
    if places <= 0:
        log.info(
            "contractor's appointment taken in a full slot",
            contractor_id=work_order.contractor_id,
            work_order_id=str(work_order.id),
            day=day.isoformat(),
            slot=slot.name,
        )
    appointment = await _hold(
        session,
        work_orders=orders,
        day=day,
        slot=slot,
        window=window,
        made_at_first_contact=False,
        rebooked_from=old.id if old is not None else None,
        now=now,
        arranged_at=at,
        split_reason=old.split_reason if old is not None else None,
    )
    if old is None:
        await settle_requests(
            session, [work_order.repair_id], work_order.uprn, (AppointmentRequestStatus.PENDING,)
        )
    return appointment


async def _occurred_at(
    session: AsyncSession, data: AppointmentOutcome, appointment: Appointment, now: datetime
) -> datetime:
    """When the outcome happened: `occurred_at`, or `now` when it is not given. Clocks
    start when the thing happened, never when it was recorded (DOMAIN.md Identity), so
    an outcome typed in the next morning keeps the evening it happened in. Refused (422
    occurred_at) in the future, or before the appointment's window started: nothing
    happened at an appointment before it began.

    Nor after what followed the visit (docs/adr/0128): one of its work orders completed,
    a later appointment for the same work started, the last of its repairs closed. The
    visit, or its missing, had happened by then; dated later, it would count in a later
    period of repairs.appointments_kept and make its work no_access from after the work
    was done or booked again. Left out, `now` is held to the same bound: once anything
    has followed, the outcome must say when it happened."""
    occurred_at = now if data.occurred_at is None else data.occurred_at
    if occurred_at > now:
        raise Unprocessable("occurred_at is in the future", field="occurred_at")
    if occurred_at < appointment.window_start:
        raise Unprocessable(
            "occurred_at is before the appointment's window started", field="occurred_at"
        )
    bound = rules.latest_outcome(await repository.what_followed(session, appointment))
    if bound is not None and occurred_at > bound.at:
        said = "occurred_at is" if data.occurred_at is not None else "Now is"
        raise Unprocessable(
            f"{said} after {bound.what} ({bound.at.astimezone(UTC).isoformat()}): the "
            "appointment's outcome happened before that; give occurred_at as when it did",
            field="occurred_at",
        )
    return occurred_at


async def _confirm_resident_asked(
    session: AsyncSession,
    appointment: Appointment,
    data: AppointmentOutcome,
    now: datetime,
    confirmed_by: str,
) -> AppointmentPublic:
    """Staff confirm with the household what a contractor's late move said: it asked
    for the move. The appointment, missed by the landlord's side as of the move, becomes
    missed by the resident (reason `other` unless given), which repairs.appointments_kept
    leaves out, and appointment-missed is published again saying so (same `missed_at`,
    a new `recorded_at`: the latest of an appointment's stands). Confirmed already, it
    is answered as it is. Its moment stays the move's: an `occurred_at` other than it
    is refused (422 occurred_at). The contractor is not sent it (the move was its own,
    docs/adr/0117). Kept: who confirmed it and when (docs/adr/0129)."""
    if appointment.resident_asked_confirmed_at is not None:
        return appointment_to_public(appointment)
    if data.occurred_at is not None and data.occurred_at != appointment.outcome_at:
        raise Unprocessable(
            "The appointment was missed when the contractor moved it "
            f"({_in_utc(appointment.outcome_at)}): occurred_at is that moment or left out",
            field="occurred_at",
        )
    missed_by, reason = rules.missed_by_a_late_move(resident_asked=True)
    reason = data.reason or reason
    appointment.missed_by, appointment.missed_reason = missed_by, reason
    appointment.resident_asked_confirmed_by = confirmed_by[:200] or None
    appointment.resident_asked_confirmed_at = now
    orders = await order_repository.many(
        session, [uuid.UUID(i) for i in appointment.work_order_ids]
    )
    await publish_missed(session, appointment, orders, now, missed_by=missed_by, reason=reason)
    await session.flush()
    return appointment_to_public(appointment)


NOT_KEPT = frozenset({AppointmentStatus.MISSED, AppointmentStatus.NO_ACCESS})
"""The appointments that were not kept: their outcome's moment is when they were missed."""


def appointment_to_public(appointment: Appointment) -> AppointmentPublic:
    """The appointment as staff read it and as schedule-repair sends it to the contractor,
    with `missed_at` for one missed or no access: the message is sent when the office
    records it, perhaps hours after the visit, so its arrival does not say when."""
    public = AppointmentPublic.model_validate(appointment)
    if appointment.status in NOT_KEPT:
        public.missed_at = _in_utc(appointment.outcome_at)
    return public


def _in_utc(moment: datetime | None) -> datetime | None:
    """A moment as the other times of an event or a message are written (UTC), whatever
    offset the caller's occurred_at came with."""
    return None if moment is None else moment.astimezone(UTC)


class AppointmentService:
    """Appointments from contractor capacity per trade, day and slot (settings)."""

    def __init__(self, settings: RepairsSettings, calendar: WorkingDayCalendar) -> None:
        self.settings = settings
        self.calendar = calendar
        self.slots = {slot.name: slot for slot in settings.slots}

    def diary_for(self, trades: list[Trade], contractor_id: str | None) -> str:
        """Whose places availability counts: `contractor_id`, or by default the first
        configured contractor doing all of `trades` (for one trade, the one a work order
        raised without `contractor_id` goes to: WorkOrderService.contractor_for). 422
        naming `contractor_id` for one not configured, or whose configured trades do not
        cover all of `trades`, and naming `trades` when no contractor does them all: one
        appointment is one contractor's, so none could be booked."""
        if contractor_id is None:
            contractor_id = next(
                (
                    name
                    for name, contractor in self.settings.contractors.items()
                    if all(trade in contractor.trades for trade in trades)
                ),
                None,
            )
            if contractor_id is None:
                raise Unprocessable(
                    "No contractor is configured for all these trades: one appointment "
                    "is one contractor's",
                    field="trades",
                )
        contractor = self.settings.contractors.get(contractor_id)
        if contractor is None:
            raise Unprocessable("No such contractor", field="contractor_id")
        missing = [trade.value for trade in trades if trade not in contractor.trades]
        if missing:
            raise Unprocessable(
                f"Contractor {contractor_id} does not do {', '.join(missing)} work",
                field="contractor_id",
            )
        return contractor_id

    async def availability(
        self,
        session: AsyncSession,
        *,
        uprn: str,
        trades: list[Trade],
        contractor_id: str | None = None,
        now: datetime | None = None,
    ) -> Availability:
        """Free slots over the booking horizon for one appointment covering `trades`,
        in the diary of the contractor who is to do the work (diary_for: one
        contractor's places, docs/adr/0155), and the home's open work that appointment
        could take too (open_work: docs/adr/0189)."""
        contractor_id = self.diary_for(trades, contractor_id)
        now = now or datetime.now(UTC)
        first_day = london_day(now)
        days = self.settings.booking_horizon_days
        offered = rules.offered_slots(
            self.settings.slots, now=now, first_day=first_day, days=days, calendar=self.calendar
        )
        held = await repository.held_places(
            session, trades, first_day, first_day + timedelta(days=days), contractor_id
        )
        by_trade = capacities_of(self.settings, contractor_id)
        slots = []
        for slot in offered:
            free = rules.free_places(slot, trades, held, self.settings.capacity_per_slot, by_trade)
            if free > 0:
                slots.append(
                    AvailableSlot(
                        day=slot.day,
                        slot=slot.slot.name,
                        kind=slot.slot.kind,
                        window_start=slot.window_start,
                        window_end=slot.window_end,
                        free=free,
                    )
                )
        return Availability(
            uprn=uprn,
            trades=trades,
            contractor_id=contractor_id,
            slots=slots,
            open_work=await self.open_work(session, uprn, contractor_id),
        )

    async def open_work(
        self, session: AsyncSession, uprn: str, contractor_id: str
    ) -> list[OpenWork]:
        """The home's work waiting for an appointment (raised or no access) that
        `contractor_id` holds, that no booked appointment holds, and whose every trade
        the contractor does (rules.open_work_to_offer), soonest target first: DOMAIN.md
        offers open work at one home in one appointment where the trades allow, and
        whoever books a new repair's appointment was not told of the work reported
        before it (docs/adr/0189). Offered, not added: the booker asks the household
        and adds it to `work_order_ids` (a booking with earlier work is not at first
        contact, docs/adr/0140). Only ids, trades, priority and dates: no words of the
        household's."""
        waiting = await repository.waiting_at_home(
            session, uprn, contractor_id, NEEDS_AN_APPOINTMENT
        )
        if not waiting:
            return []
        booked = await repository.booked_for(session, [o.id for o in waiting])
        contractor = self.settings.contractors[contractor_id]
        return [
            OpenWork(
                id=order.id,
                trade=order.trade,
                trades=sorted(Trade(t) for t in rules.trades_of(order)),
                priority=order.priority,
                required_by=order.required_by,
                reported_on=london_day(order.reported_at),
            )
            for order in rules.open_work_to_offer(waiting, booked, contractor.trades)
        ]

    async def _take_slot(
        self,
        session: AsyncSession,
        *,
        work_orders: list[WorkOrder],
        day: date,
        slot_name: str,
        made_at_first_contact: bool,
        rebooked_from: uuid.UUID | None,
        now: datetime,
        split_reason: SplitReason | None = None,
    ) -> Appointment:
        slot = self.slots.get(slot_name)
        if slot is None:
            raise Unprocessable(f"No slot called {slot_name}", field="slot")
        if not rules.offers(day, slot, self.calendar):
            raise Unprocessable("That slot is not offered on that day", field="day")
        last_day = rules.last_bookable_day(london_day(now), self.settings.booking_horizon_days)
        if day > last_day:
            raise Unprocessable(
                f"That day is beyond the booking horizon (last bookable day {last_day})",
                field="day",
            )
        start, end = rules.window(day, slot)
        if start <= now:
            raise Unprocessable("That slot is in the past", field="day")
        offered = rules.OfferedSlot(day, slot, start, end)
        if await _places_left(session, self.settings, work_orders, offered) <= 0:
            raise Unprocessable("That slot is full", field="slot")
        return await _hold(
            session,
            work_orders=work_orders,
            day=day,
            slot=slot,
            window=(start, end),
            made_at_first_contact=made_at_first_contact,
            rebooked_from=rebooked_from,
            now=now,
            tell_contractor=self.settings,
            split_reason=split_reason,
        )

    async def book(self, session: AsyncSession, data: AppointmentCreate) -> AppointmentPublic:
        """One appointment for work orders at one home, from one contractor (publishes
        appointment-booked; the visit's pending appointment request is booked once all
        its repairs have an appointment).

        `made_at_first_contact` is refused (422 naming it) for work an appointment has
        held before, however it ended (cancelled, missed, no access, moved): the contact
        that reported the repair booked that one, and this booking is a later contact's.
        Taken, each such booking counted again in repairs.appointments_at_first_contact
        (as a first booking made at first contact), above what the contact centre did.

        Nor (422 naming it) when a work order's repair was reported on an earlier London
        day than this booking (rules.reported_another_day; docs/adr/0140): the contact
        that reported it was on that day. The flag says what only the caller knows (this
        booking was made in the reporting contact, not a call back the same day); the
        facts bound it, so a booking days after the report cannot claim it.

        A visit's repairs go in one follow-on appointment where trades allow (DOMAIN.md;
        docs/adr/0145): a booking that leaves out work of its repairs' pending
        appointment request which the same contractor could do in it
        (rules.left_out_of_the_visit) is refused (422 work_order_ids, the work orders
        left out named by id), nothing booked, unless `split_reason` says why; then it
        is booked and the reason kept on the appointment (repairs.appointments_split)."""
        now = datetime.now(UTC)
        ids = list(dict.fromkeys(data.work_order_ids))
        orders = await order_repository.many(session, ids)
        if len(orders) != len(ids):
            raise Unprocessable("Unknown work order", field="work_order_ids")
        if len({o.uprn for o in orders}) != 1:
            raise Unprocessable("Work orders at more than one home", field="work_order_ids")
        if len({o.contractor_id for o in orders}) != 1:
            raise Unprocessable("Work orders for more than one contractor", field="work_order_ids")
        if any(o.status in CLOSED_WORK_ORDER for o in orders):
            raise Unprocessable("A work order is closed", field="work_order_ids")
        if await repository.booked_for(session, ids):
            raise Conflict("A work order already has a booked appointment", field="work_order_ids")
        if data.made_at_first_contact and await repository.ever_in_an_appointment(session, ids):
            raise Unprocessable(
                "A work order has had an appointment already: this booking is not at the "
                "contact that reported it",
                field="made_at_first_contact",
            )
        reported_on = rules.reported_another_day(now, [o.reported_at for o in orders])
        if data.made_at_first_contact and reported_on is not None:
            raise Unprocessable(
                f"A work order's repair was reported on {reported_on}, not today (London "
                "time): this booking is not at the contact that reported it",
                field="made_at_first_contact",
            )
        left_out = await self._left_out_of_the_visit(session, orders)
        if left_out and data.split_reason is None:
            raise Unprocessable(
                "The visit's other work for this contractor goes in the same appointment: "
                f"add work order(s) {', '.join(str(i) for i in left_out)}, or give "
                "split_reason to book without them",
                field="work_order_ids",
            )
        appointment = await self._take_slot(
            session,
            work_orders=orders,
            day=data.day,
            slot_name=data.slot,
            made_at_first_contact=data.made_at_first_contact,
            rebooked_from=None,
            now=now,
            split_reason=data.split_reason if left_out else None,
        )
        # booking the plumbing of a visit that also found electrical work leaves the
        # request pending until the electrical work is booked too
        await settle_requests(
            session,
            [o.repair_id for o in orders],
            orders[0].uprn,
            (AppointmentRequestStatus.PENDING,),
        )
        return appointment_to_public(appointment)

    async def _left_out_of_the_visit(
        self, session: AsyncSession, orders: list[WorkOrder]
    ) -> list[uuid.UUID]:
        """The work of the booking's visits (their pending appointment requests) that
        its contractor could do in the same appointment and the booking leaves out
        (rules.left_out_of_the_visit). A repair reported by phone has no request: none."""
        same_visit = await repository.work_of_pending_requests(
            session, [o.repair_id for o in orders], NEEDS_AN_APPOINTMENT
        )
        candidates = [o for o in same_visit if o.contractor_id == orders[0].contractor_id]
        if not candidates:
            return []
        booked = await repository.booked_for(session, [o.id for o in candidates])
        trades = {name: contractor.trades for name, contractor in self.settings.contractors.items()}
        return rules.left_out_of_the_visit(orders, candidates, booked, trades)

    async def _booked(self, session: AsyncSession, appointment_id: uuid.UUID) -> Appointment:
        appointment = await repository.get_appointment(session, appointment_id)
        if appointment is None:
            raise NotFound(f"No appointment {appointment_id}")
        if appointment.status is not AppointmentStatus.BOOKED:
            raise Conflict(f"Appointment {appointment_id} is {appointment.status}", field="status")
        return appointment

    async def rebook(
        self, session: AsyncSession, appointment_id: uuid.UUID, data: Rebooking
    ) -> AppointmentPublic:
        """Move a booked appointment to another slot: the old one's places are freed.

        Not once its window has started (409 status; docs/adr/0107): moved then, the
        visit due was not made (the operative running late, the household out or asking
        on the day), and as `rebooked` it fell out of repairs.appointments_kept, as a
        late cancellation did. Its outcome is recorded (missed, with whose side and
        why), and the work booked again."""
        now = datetime.now(UTC)
        old = await self._booked(session, appointment_id)
        if old.window_start <= now:
            raise Conflict(
                f"Appointment {appointment_id}'s window has started: it can no longer be "
                "moved. Record its outcome (POST /v1/appointments/"
                f"{appointment_id}/outcome: missed, with missed_by and reason, such as "
                "operative_late) and book the work again",
                field="status",
            )
        orders = await _end_booking(session, old, AppointmentStatus.REBOOKED, now)
        appointment = await self._take_slot(
            session,
            work_orders=orders,
            day=data.day,
            slot_name=data.slot,
            made_at_first_contact=False,
            rebooked_from=old.id,
            now=now,
            split_reason=old.split_reason,  # the same work, split as it was
        )
        return appointment_to_public(appointment)

    async def cancel(
        self, session: AsyncSession, appointment_id: uuid.UUID, data: AppointmentCancellation
    ) -> AppointmentPublic:
        """Cancel a booked appointment (the household asked, or the work is not needed):
        its slot's places are freed, its work orders that were waiting for it need an
        appointment again (raised), a booked appointment request of their repairs is
        pending again, and appointment-cancelled is published. `cancelled_at` is when
        the household asked: not in the future, not before the booking.

        Nor once the appointment's window had started (docs/adr/0107): called off then,
        the appointment was not kept, and a cancellation would take it out of
        repairs.appointments_kept, which counts kept and missed ones only. The 422 names
        cancelled_at and points to the outcome `missed` (by the landlord, reason
        cancelled_late_by_landlord, or by the resident), which counts it as what it was.
        Asked before the window and typed in after it started, it is a cancellation:
        the moment asked is what counts, not the moment recorded."""
        now = datetime.now(UTC)
        if data.cancelled_at > now:
            raise Unprocessable("cancelled_at is in the future", field="cancelled_at")
        appointment = await self._booked(session, appointment_id)
        if data.cancelled_at < appointment.booked_at:
            raise Unprocessable(
                "cancelled_at is before the appointment was booked", field="cancelled_at"
            )
        if data.cancelled_at >= appointment.window_start:
            raise Unprocessable(
                "cancelled_at is not before the appointment's window started: called off "
                "then, it was missed, not cancelled. Record the outcome missed (POST "
                f"/v1/appointments/{appointment.id}/outcome, missed_by landlord with reason "
                "cancelled_late_by_landlord, or missed_by resident)",
                field="cancelled_at",
            )
        appointment.cancellation_reason = data.reason
        appointment.cancelled_at = data.cancelled_at
        orders = await _end_booking(session, appointment, AppointmentStatus.CANCELLED, now)
        for order in orders:
            if order.status is WorkOrderStatus.APPOINTMENT_MADE:
                order.status = WorkOrderStatus.RAISED
                order.status_changed_at = now
        await session.flush()
        await settle_requests(
            session,
            [o.repair_id for o in orders],
            appointment.uprn,
            (AppointmentRequestStatus.BOOKED,),
        )
        envelope = await publish(
            session,
            AppointmentCancelled(
                appointment_id=appointment.id,
                uprn=appointment.uprn,
                repair_ids=sorted({o.repair_id for o in orders}),
                contractor_id=appointment.contractor_id,
                window_start=appointment.window_start,
                window_end=appointment.window_end,
                reason=data.reason,
                cancelled_at=data.cancelled_at,
                recorded_at=now,
            ),
        )
        schedule_repair(session, self.settings, appointment, envelope.id, now)
        await session.flush()
        return appointment_to_public(appointment)

    async def record_outcome(
        self,
        session: AsyncSession,
        appointment_id: uuid.UUID,
        data: AppointmentOutcome,
        recorded_by: str = "",
    ) -> AppointmentPublic:
        """Kept, missed (by the landlord's side unless said otherwise) or no access
        (appointment-missed for the last two; the contractor is sent schedule-repair for
        both, under that event's id: docs/adr/0053, 0069). No access is the visit of each of its
        work orders (end_as_no_access): recorded already, by a contractor's no_access
        in its window or an earlier outcome, it is answered as it is and nothing is
        counted or published again (docs/adr/0057).

        `missed` with reason no_access is refused: it would end the appointment as missed
        and count no visit, so one visit would give two records depending on how it was
        typed in. There is one way to record it, the no_access outcome.

        `missed_by` or `reason` with kept or no_access is refused too (422 naming it):
        the appointment would be recorded as the outcome given with the rest dropped,
        when whoever sent it may have meant missed (a kept appointment "missed by the
        landlord" is kept in the figures, and no one would know).

        The outcome is dated when it happened (`occurred_at`, now when not given;
        _occurred_at), never when it was typed in: an appointment kept on the last
        evening of a month and recorded the next morning is the month's, and a no-access
        visit's work orders are no_access from the visit.

        One appointment that is not booked takes an outcome: one a contractor's late
        move made missed by the landlord's side, saying the household asked for it
        (contractor_said_resident_asked). `missed` with `missed_by` `resident` is staff's
        confirmation with the household (_confirm_resident_asked; docs/adr/0129)."""
        for field in ("missed_by", "reason"):
            if data.outcome is not Outcome.MISSED and getattr(data, field) is not None:
                raise Unprocessable(
                    f"{field} goes only with the outcome missed, not {data.outcome.value}",
                    field=field,
                )
        if data.outcome is Outcome.MISSED and data.reason is MissedReason.NO_ACCESS:
            raise Unprocessable(
                "A visit that found no one in is the outcome no_access, not missed with "
                "reason no_access",
                field="reason",
            )
        now = datetime.now(UTC)
        appointment = await repository.get_appointment(session, appointment_id)
        if (
            appointment is not None
            and appointment.status is AppointmentStatus.NO_ACCESS
            and data.outcome is Outcome.NO_ACCESS
        ):
            return appointment_to_public(appointment)
        if (
            appointment is not None
            and appointment.contractor_said_resident_asked
            and data.outcome is Outcome.MISSED
            and data.missed_by is MissedBy.RESIDENT
        ):
            return await _confirm_resident_asked(session, appointment, data, now, recorded_by)
        appointment = await self._booked(session, appointment_id)
        if appointment.window_start > now:
            raise Unprocessable("The appointment has not started yet", field="outcome")
        occurred_at = await _occurred_at(session, data, appointment, now)
        appointment.outcome_at = occurred_at
        if data.outcome is Outcome.KEPT:
            appointment.status = AppointmentStatus.KEPT
        elif data.outcome is Outcome.NO_ACCESS:
            orders = await order_repository.many(
                session, [uuid.UUID(i) for i in appointment.work_order_ids]
            )
            await end_as_no_access(
                session,
                appointment,
                orders,
                at=occurred_at,
                now=now,
                tell_contractor=self.settings,
            )
        else:
            appointment.status = AppointmentStatus.MISSED
            missed_by = appointment.missed_by = data.missed_by or MissedBy.LANDLORD
            reason = appointment.missed_reason = data.reason or MissedReason.OTHER
            orders = await order_repository.many(
                session, [uuid.UUID(i) for i in appointment.work_order_ids]
            )
            envelope = await publish_missed(
                session, appointment, orders, now, missed_by=missed_by, reason=reason
            )
            # The appointment is over for the office (the operative did not come, the
            # landlord called it off late, the household was out for another reason):
            # the contractor's system still had it booked, and its operative would turn
            # up, or its planner wait, for a booking that no longer stands; the work is
            # booked again (docs/adr/0069).
            schedule_repair(session, self.settings, appointment, envelope.id, now)
        await session.flush()
        return appointment_to_public(appointment)

    async def get(self, session: AsyncSession, appointment_id: uuid.UUID) -> AppointmentPublic:
        """One appointment, as the list shows it: where its Location leads (ADR 0181)."""
        appointment = await repository.find_appointment(session, appointment_id)
        if appointment is None:
            raise NotFound(f"No appointment {appointment_id}")
        return appointment_to_public(appointment)

    async def page(
        self,
        session: AsyncSession,
        page: PageParams,
        *,
        uprn: str | None,
        status: AppointmentStatus | None,
    ) -> Page[AppointmentPublic]:
        """Appointments soonest first."""
        rows = await repository.appointments_page(
            session,
            uprn=uprn,
            status=status,
            after=page.after_as(datetime, uuid.UUID),
            limit=page.fetch,
        )
        return Page.from_rows(
            [appointment_to_public(a) for a in rows],
            page.limit,
            cursor_of=lambda a: (a.window_start, a.id),
        )
