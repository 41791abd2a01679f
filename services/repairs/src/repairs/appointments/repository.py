"""All SQL about appointments, the slots they hold, and appointment requests."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, bindparam, delete, func, inspect, literal, tuple_
from sqlalchemy import select as core_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from hearth_contracts.events.visits import Trade
from hearth_kit.db import ReadConnection
from repairs.appointments import rules
from repairs.models import (
    Appointment,
    AppointmentRequest,
    AppointmentRequestStatus,
    AppointmentStatus,
    BookedSlot,
    RepairRequest,
    RepairStatus,
    WorkOrder,
    WorkOrderStatus,
    WorkOrderStatusUpdate,
)


async def for_visit(session: AsyncSession, visit_id: uuid.UUID) -> AppointmentRequest | None:
    query = select(AppointmentRequest).where(AppointmentRequest.visit_id == visit_id)
    return (await session.execute(query)).scalars().first()


_request = inspect(AppointmentRequest).local_table
_repair = inspect(RepairRequest).local_table
REQUEST_COLUMNS = ("id", "uprn", "visit_id", "status", "requested_at")
"""The appointment request's columns its public entry shows."""


@cache
def _page_statement(*, after: bool, uprn: bool, status: bool) -> Select[Any]:
    """A page of appointment requests in id order with the repairs each covers, in one
    round trip: the page (a subquery, so the limit counts requests) outer-joined to its
    repairs, one row per repair in reported order (a row with NULL repair columns for a
    request with none). Built once per combination of filters."""
    page = (
        core_select(*(_request.c[name] for name in REQUEST_COLUMNS))
        .order_by(_request.c.id)
        .limit(bindparam("limit"))
    )
    if uprn:
        page = page.where(_request.c.uprn == bindparam("uprn"))
    if status:
        page = page.where(_request.c.status == bindparam("status"))
    if after:
        page = page.where(_request.c.id > bindparam("after"))
    requests = page.subquery("page")
    return (
        core_select(
            *(requests.c[name] for name in REQUEST_COLUMNS),
            _repair.c.id.label("repair_id"),
            _repair.c.trade,
        )
        .select_from(requests.outerjoin(_repair, _repair.c.appointment_request_id == requests.c.id))
        .order_by(requests.c.id, _repair.c.reported_at, _repair.c.id)
    )


async def page_rows(
    connection: ReadConnection,
    *,
    uprn: str | None,
    status: AppointmentRequestStatus | None,
    after: uuid.UUID | None,
    limit: int,
) -> list[Row[Any]]:
    """Appointment requests in id order with their repairs (REQUEST_COLUMNS, repair_id,
    trade), one row per repair: one statement on a read connection, no ORM objects."""
    statement = _page_statement(
        after=after is not None, uprn=uprn is not None, status=status is not None
    )
    values = {"uprn": uprn, "status": status, "after": after, "limit": limit}
    return list((await connection.execute(statement, values)).all())


HOME_APPOINTMENT_REQUESTS = _page_statement(after=False, uprn=True, status=False)
"""A home's first page of appointment requests with their repairs: the very statement
the list route runs for `GET /v1/appointment-requests?uprn=` without a cursor (the same
object, so the same order and columns), for the home's repairs read."""


async def home_appointment_requests(
    connection: ReadConnection, uprn: str, limit: int
) -> list[Row[Any]]:
    """Up to `limit` of the home's appointment requests in id order with their repairs,
    one row per repair (rows as page_rows gives)."""
    values = {"uprn": uprn, "limit": limit}
    return list((await connection.execute(HOME_APPOINTMENT_REQUESTS, values)).all())


def add(session: AsyncSession, request: AppointmentRequest) -> None:
    session.add(request)


async def booked_counts(
    session: AsyncSession, trades: list[Trade], first_day: date, last_day: date
) -> dict[tuple[Trade, date, str], int]:
    """How many appointments hold each trade's slot on each day in the range."""
    query = (
        select(col(BookedSlot.trade), col(BookedSlot.day), col(BookedSlot.slot_name), func.count())
        .where(
            col(BookedSlot.trade).in_(trades),
            col(BookedSlot.day) >= first_day,
            col(BookedSlot.day) <= last_day,
        )
        .group_by(col(BookedSlot.trade), col(BookedSlot.day), col(BookedSlot.slot_name))
    )
    return {
        (Trade(trade), day, slot): int(count)
        for trade, day, slot, count in (await session.execute(query)).all()
    }


async def held_places(
    session: AsyncSession,
    trades: list[Trade],
    first_day: date,
    last_day: date,
    contractor_id: str,
) -> dict[tuple[Trade, date], list[rules.HeldPlace]]:
    """Each trade's places held with `contractor_id` on each day in the range, with the
    slot and window of the appointment holding each (a slot's places are taken by every
    window overlapping its hours: rules.places_taken). One contractor's places only:
    its operatives are its own, and another contractor's full diary for the same trade
    took places it did not have (docs/adr/0155)."""
    query = (
        core_select(
            col(BookedSlot.trade),
            col(BookedSlot.day),
            col(BookedSlot.slot_name),
            col(Appointment.window_start),
            col(Appointment.window_end),
        )
        .join(Appointment, col(Appointment.id) == col(BookedSlot.appointment_id))
        .where(
            col(BookedSlot.trade).in_(trades),
            col(BookedSlot.day) >= first_day,
            col(BookedSlot.day) <= last_day,
            col(Appointment.contractor_id) == contractor_id,
        )
    )
    held: dict[tuple[Trade, date], list[rules.HeldPlace]] = {}
    for trade, day, slot_name, start, end in (await session.execute(query)).all():
        held.setdefault((Trade(trade), day), []).append(rules.HeldPlace(slot_name, start, end))
    return held


async def lock_slots(session: AsyncSession, keys: list[str]) -> None:
    """Serialise bookings of the same trade on the same day (PostgreSQL advisory locks
    for the transaction), so two bookings never both take a slot's last place: by day,
    not by slot, as overlapping slots share places (docs/adr/0149)."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for key in sorted(keys):
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(key))))


async def get_appointment(session: AsyncSession, appointment_id: uuid.UUID) -> Appointment | None:
    query = select(Appointment).where(Appointment.id == appointment_id).with_for_update()
    return (await session.execute(query)).scalars().first()


async def find_appointment(session: AsyncSession, appointment_id: uuid.UUID) -> Appointment | None:
    """An appointment to read, unlocked (get_appointment locks it for a change)."""
    return await session.get(Appointment, appointment_id)


STARTED = (
    AppointmentStatus.BOOKED,
    AppointmentStatus.KEPT,
    AppointmentStatus.MISSED,
    AppointmentStatus.NO_ACCESS,
)
"""An appointment in one of these states was (or, booked, is) due from its window's
start; a rebooked or cancelled one was called off before it (docs/adr/0107)."""


async def what_followed(session: AsyncSession, appointment: Appointment) -> list[rules.Followed]:
    """What has happened since the appointment's visit (docs/adr/0128): each of its work
    orders completed (a completion on its day from its window's start keeps it itself,
    so one left booked came on a later day), the start of a later appointment holding
    work of its repairs (the same work booked again, or a follow-on), and the closing of
    the last of its repairs. Read at its home (ix_appointment_uprn, the work orders and
    repairs by id)."""
    held = [uuid.UUID(i) for i in appointment.work_order_ids]
    orders = (
        await session.execute(
            select(WorkOrder.id, WorkOrder.repair_id, WorkOrder.completed_at).where(
                col(WorkOrder.id).in_(held)
            )
        )
    ).all()
    followed = [
        rules.Followed(completed_at, f"work order {order_id} was completed")
        for order_id, _, completed_at in orders
        if completed_at is not None
    ]
    repair_ids = {repair_id for _, repair_id, _ in orders}
    if not repair_ids:
        return followed
    repairs = (
        await session.execute(
            select(RepairRequest.status, RepairRequest.completed_at).where(
                col(RepairRequest.id).in_(repair_ids)
            )
        )
    ).all()
    if all(status == RepairStatus.COMPLETED and done is not None for status, done in repairs):
        closed = max(done for _, done in repairs if done is not None)
        followed.append(rules.Followed(closed, "the work it was for was closed"))
    same_work = {
        str(i)
        for i in (
            await session.execute(
                select(WorkOrder.id).where(col(WorkOrder.repair_id).in_(repair_ids))
            )
        ).scalars()
    }
    later = select(Appointment.id, Appointment.window_start, Appointment.work_order_ids).where(
        Appointment.uprn == appointment.uprn,
        Appointment.id != appointment.id,
        col(Appointment.window_start) > appointment.window_start,
        col(Appointment.status).in_(STARTED),
    )
    followed.extend(
        rules.Followed(start, f"appointment {later_id} for the same work started")
        for later_id, start, ids in (await session.execute(later)).all()
        if same_work & set(ids)
    )
    return followed


async def _held_at_their_homes(
    session: AsyncSession, work_order_ids: list[uuid.UUID], *conditions: ColumnElement[bool]
) -> set[str]:
    """Which of these work orders an appointment meeting `conditions` holds, among their
    homes' appointments (found by home: ix_appointment_uprn)."""
    wanted = {str(i) for i in work_order_ids}
    query = select(Appointment.work_order_ids).where(
        *conditions,
        col(Appointment.uprn).in_(
            select(WorkOrder.uprn).where(col(WorkOrder.id).in_(work_order_ids))
        ),
    )
    held: set[str] = set()
    for (ids,) in (await session.execute(query)).all():
        held |= wanted & set(ids)
    return held


async def booked_for(session: AsyncSession, work_order_ids: list[uuid.UUID]) -> set[str]:
    """Which of these work orders already have a booked appointment."""
    return await _held_at_their_homes(
        session, work_order_ids, col(Appointment.status) == AppointmentStatus.BOOKED
    )


async def ever_in_an_appointment(
    session: AsyncSession, work_order_ids: list[uuid.UUID]
) -> set[str]:
    """Which of these work orders any appointment has held, whatever became of it
    (booked, kept, missed, no access, rebooked, cancelled): their homes' appointments,
    found by home (ix_appointment_uprn)."""
    return await _held_at_their_homes(session, work_order_ids)


async def booked_covering(
    session: AsyncSession, work_order_id: uuid.UUID, uprn: str
) -> Appointment | None:
    """The booked appointment that covers this work order (locked, to be moved), if any."""
    query = (
        select(Appointment)
        .where(Appointment.uprn == uprn, Appointment.status == AppointmentStatus.BOOKED)
        .order_by(col(Appointment.window_start))
        .with_for_update()
    )
    for appointment in (await session.execute(query)).scalars().all():
        if str(work_order_id) in appointment.work_order_ids:
            return appointment
    return None


async def staff_said_later(
    session: AsyncSession, work_order_id: uuid.UUID, uprn: str, at: datetime
) -> bool:
    """Whether staff booked, rebooked or cancelled an appointment of this work order
    after `at` (compared to the second, the resolution contractors send; the same second
    is not later): their word with the household is newer than a contractor's window
    arranged at `at` (docs/adr/0068). A booking's moment is booked_at (an appointment a
    contractor's window made has arranged_at and is not staff's); a cancellation's is
    cancelled_at, when the household asked. Read under the work order's lock, which
    staff's booking, rebooking and cancelling take too."""
    query = select(Appointment).where(Appointment.uprn == uprn)
    for appointment in (await session.execute(query)).scalars().all():
        if str(work_order_id) not in appointment.work_order_ids:
            continue
        if appointment.arranged_at is None and appointment.booked_at.replace(microsecond=0) > at:
            return True
        cancelled = appointment.cancelled_at
        if (
            appointment.status is AppointmentStatus.CANCELLED
            and cancelled is not None
            and cancelled.replace(microsecond=0) > at
        ):
            return True
    return False


async def no_access_covering(
    session: AsyncSession, work_order_id: uuid.UUID, uprn: str, at: datetime
) -> Appointment | None:
    """The appointment of this work order that ended as no access and whose window
    covers `at` (rules.window_covers), if any: that visit is already recorded. Read
    under the work order's lock; an appointment ends as no access only with its work
    orders locked, so none is ending meanwhile."""
    query = select(Appointment).where(
        Appointment.uprn == uprn,
        Appointment.status == AppointmentStatus.NO_ACCESS,
        col(Appointment.window_end) >= at,
        col(Appointment.window_start) <= at + timedelta(seconds=1),
    )
    for appointment in (await session.execute(query)).scalars().all():
        if str(work_order_id) in appointment.work_order_ids and rules.window_covers(
            appointment.window_start, appointment.window_end, at
        ):
            return appointment
    return None


async def told_no_access_within(
    session: AsyncSession, work_order_ids: list[uuid.UUID], start: datetime, end: datetime
) -> set[uuid.UUID]:
    """Which of these work orders have a contractor's no_access kept at a moment the
    window `start`..`end` covers: a visit already counted on them."""
    query = select(WorkOrderStatusUpdate.work_order_id, WorkOrderStatusUpdate.at).where(
        col(WorkOrderStatusUpdate.work_order_id).in_(work_order_ids),
        WorkOrderStatusUpdate.status == WorkOrderStatus.NO_ACCESS,
        col(WorkOrderStatusUpdate.at) >= start.replace(microsecond=0),
        col(WorkOrderStatusUpdate.at) <= end,
    )
    return {
        work_order_id
        for work_order_id, at in (await session.execute(query)).all()
        if rules.window_covers(start, end, at)
    }


async def first_told_no_access_within(
    session: AsyncSession, work_order_ids: list[uuid.UUID], start: datetime, end: datetime
) -> datetime | None:
    """The earliest `at` of a contractor's no_access kept on one of these work orders at
    a moment the window `start`..`end` covers (as told_no_access_within), if any."""
    query = select(WorkOrderStatusUpdate.at).where(
        col(WorkOrderStatusUpdate.work_order_id).in_(work_order_ids),
        WorkOrderStatusUpdate.status == WorkOrderStatus.NO_ACCESS,
        col(WorkOrderStatusUpdate.at) >= start.replace(microsecond=0),
        col(WorkOrderStatusUpdate.at) <= end,
    )
    found = [
        at for at in (await session.scalars(query)).all() if rules.window_covers(start, end, at)
    ]
    return min(found, default=None)


async def booked_and_over(
    session: AsyncSession, now: datetime, after: uuid.UUID | None, limit: int
) -> list[Appointment]:
    """Booked appointments whose window closed before `now`, in id order after `after`:
    read unlocked, each locked and judged again before it changes (left_booked)."""
    query = (
        select(Appointment)
        .where(Appointment.status == AppointmentStatus.BOOKED, col(Appointment.window_end) < now)
        .order_by(col(Appointment.id))
        .limit(limit)
    )
    if after is not None:
        query = query.where(col(Appointment.id) > after)
    return list((await session.execute(query)).scalars().all())


def add_appointment(session: AsyncSession, appointment: Appointment, trades: list[Trade]) -> None:
    session.add(appointment)
    for trade in trades:
        session.add(
            BookedSlot(
                appointment_id=appointment.id,
                trade=trade,
                day=appointment.day,
                slot_name=appointment.slot_name,
            )
        )


async def release_slots(session: AsyncSession, appointment_id: uuid.UUID) -> None:
    await session.execute(
        delete(BookedSlot).where(col(BookedSlot.appointment_id) == appointment_id)
    )


async def appointments_page(
    session: AsyncSession,
    *,
    uprn: str | None,
    status: AppointmentStatus | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[Appointment]:
    query = (
        select(Appointment)
        .order_by(col(Appointment.window_start), col(Appointment.id))
        .limit(limit)
    )
    if uprn is not None:
        query = query.where(Appointment.uprn == uprn)
    if status is not None:
        query = query.where(Appointment.status == status)
    if after is not None:
        query = query.where(
            tuple_(col(Appointment.window_start), col(Appointment.id))
            > tuple_(literal(after[0]), literal(after[1]))
        )
    return list((await session.execute(query)).scalars().all())


async def requests_of_repairs(
    session: AsyncSession,
    repair_ids: list[uuid.UUID],
    statuses: tuple[AppointmentRequestStatus, ...] = (AppointmentRequestStatus.PENDING,),
) -> list[AppointmentRequest]:
    """The appointment requests covering these repairs that are in one of `statuses`,
    locked for the caller to move on."""
    query = (
        select(AppointmentRequest)
        .where(
            col(AppointmentRequest.id).in_(
                select(RepairRequest.appointment_request_id).where(
                    col(RepairRequest.id).in_(repair_ids)
                )
            ),
            col(AppointmentRequest.status).in_(statuses),
        )
        .with_for_update()
    )
    return list((await session.execute(query)).scalars().all())


COVERING = (AppointmentStatus.BOOKED, AppointmentStatus.KEPT)
"""An appointment in one of these covers its work orders' repairs (a missed, no-access,
rebooked or cancelled one does not: that work needs another)."""


async def repairs_of_requests(
    session: AsyncSession, request_ids: list[uuid.UUID]
) -> list[tuple[uuid.UUID, uuid.UUID, RepairStatus]]:
    """(request id, repair id, repair status) of every repair the requests cover."""
    query = select(
        col(RepairRequest.appointment_request_id), col(RepairRequest.id), col(RepairRequest.status)
    ).where(col(RepairRequest.appointment_request_id).in_(request_ids))
    return [
        (request_id, repair_id, RepairStatus(status))
        for request_id, repair_id, status in (await session.execute(query)).all()
        if request_id is not None
    ]


async def repairs_with_appointments(session: AsyncSession, uprn: str) -> set[uuid.UUID]:
    """The repairs at the home that a booked or kept appointment covers (an
    appointment names its work orders, each work order its repair)."""
    query = select(Appointment.work_order_ids).where(
        Appointment.uprn == uprn, col(Appointment.status).in_(COVERING)
    )
    order_ids = {uuid.UUID(i) for (ids,) in (await session.execute(query)).all() for i in ids}
    if not order_ids:
        return set()
    repairs = select(WorkOrder.repair_id).where(col(WorkOrder.id).in_(order_ids))
    return set((await session.execute(repairs)).scalars().all())


async def work_of_pending_requests(
    session: AsyncSession, repair_ids: list[uuid.UUID], waiting: tuple[WorkOrderStatus, ...]
) -> list[WorkOrder]:
    """The work orders in one of `waiting` of every repair sharing a pending appointment
    request with one of these repairs (a visit's repairs: docs/adr/0145), unlocked: the
    booking judges from them which of its visit's work it leaves out."""
    pending_requests = select(AppointmentRequest.id).where(
        col(AppointmentRequest.id).in_(
            select(RepairRequest.appointment_request_id).where(
                col(RepairRequest.id).in_(repair_ids)
            )
        ),
        AppointmentRequest.status == AppointmentRequestStatus.PENDING,
    )
    same_visit = select(RepairRequest.id).where(
        col(RepairRequest.appointment_request_id).in_(pending_requests),
        RepairRequest.status == RepairStatus.OPEN,
    )
    query = (
        select(WorkOrder)
        .where(col(WorkOrder.repair_id).in_(same_visit), col(WorkOrder.status).in_(waiting))
        .order_by(col(WorkOrder.id))
    )
    return list((await session.execute(query)).scalars().all())


async def waiting_at_home(
    session: AsyncSession, uprn: str, contractor_id: str, waiting: tuple[WorkOrderStatus, ...]
) -> list[WorkOrder]:
    """The home's work orders in one of `waiting` that `contractor_id` holds, soonest
    target first (ix_work_order_uprn), unlocked: what availability offers to add to the
    appointment (docs/adr/0189); the booking judges them again under its locks."""
    query = (
        select(WorkOrder)
        .where(
            WorkOrder.uprn == uprn,
            WorkOrder.contractor_id == contractor_id,
            col(WorkOrder.status).in_(waiting),
        )
        .order_by(col(WorkOrder.required_by), col(WorkOrder.id))
    )
    return list((await session.execute(query)).scalars().all())
