"""All SQL about work orders. Every contractor query is filtered by the contractor's
id in SQL: another contractor's work order is simply not found."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import func, literal, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from hearth_kit.db import AwareDateTime
from repairs.models import (
    Appointment,
    AppointmentStatus,
    WorkOrder,
    WorkOrderStatus,
    WorkOrderStatusUpdate,
)


async def get(
    session: AsyncSession,
    work_order_id: uuid.UUID,
    *,
    contractor_id: str | None = None,
    for_update: bool = False,
) -> WorkOrder | None:
    """One work order; with `contractor_id`, only if it is that contractor's."""
    query = select(WorkOrder).where(WorkOrder.id == work_order_id)
    if contractor_id is not None:
        query = query.where(WorkOrder.contractor_id == contractor_id)
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalars().first()


async def many(session: AsyncSession, ids: list[uuid.UUID]) -> list[WorkOrder]:
    """The work orders, locked in id order: two bookings of overlapping work orders take
    them in the same order, whatever order each request lists them in (PostgreSQL locks
    rows as the sorted scan returns them)."""
    query = (
        select(WorkOrder)
        .where(col(WorkOrder.id).in_(ids))
        .order_by(col(WorkOrder.id))
        .with_for_update()
    )
    return list((await session.execute(query)).scalars().all())


async def page(
    session: AsyncSession,
    *,
    uprn: str | None,
    status: WorkOrderStatus | None,
    contractor_id: str | None = None,
    after: uuid.UUID | None,
    limit: int,
) -> list[WorkOrder]:
    query = select(WorkOrder).order_by(col(WorkOrder.id)).limit(limit)
    if contractor_id is not None:
        query = query.where(WorkOrder.contractor_id == contractor_id)
    if uprn is not None:
        query = query.where(WorkOrder.uprn == uprn)
    if status is not None:
        query = query.where(WorkOrder.status == status)
    if after is not None:
        query = query.where(col(WorkOrder.id) > after)
    return list((await session.execute(query)).scalars().all())


async def contractors_of(session: AsyncSession, ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    """Whose each of the work orders is (its contractor_id), by id: by primary key."""
    if not ids:
        return {}
    query = select(col(WorkOrder.id), col(WorkOrder.contractor_id)).where(
        col(WorkOrder.id).in_(ids)
    )
    return {row[0]: row[1] for row in (await session.execute(query)).all()}


async def completed_for_repair(session: AsyncSession, repair_id: uuid.UUID) -> int:
    query = select(func.count()).where(
        WorkOrder.repair_id == repair_id, WorkOrder.status == WorkOrderStatus.COMPLETED
    )
    return int(await session.scalar(query) or 0)


async def of_repair(session: AsyncSession, repair_id: uuid.UUID) -> list[WorkOrder]:
    """Every work order of a repair, in the order raised (ix_work_order_repair_id). Read
    under the repair's lock, which each completion and cancellation of one of them
    takes after its work order's: none is closed meanwhile by another transaction."""
    query = (
        select(WorkOrder)
        .where(WorkOrder.repair_id == repair_id)
        .order_by(col(WorkOrder.raised_at), col(WorkOrder.id))
    )
    return list((await session.execute(query)).scalars().all())


WORK_STARTED = (
    WorkOrderStatus.OPERATIVE_ON_THE_WAY,
    WorkOrderStatus.IN_PROGRESS,
    WorkOrderStatus.VARIATION_REQUESTED,
    WorkOrderStatus.COMPLETED,
)
"""A contractor's status saying its operative set out or the work began."""


async def work_started(session: AsyncSession, work_order_id: uuid.UUID) -> datetime | None:
    """When the contractor first said the work had started (its operative on the way,
    in progress, a variation asked), whatever the status is now: an update that arrived
    late, or was followed by a no_access, still says so. None if it never did."""
    query = select(func.min(WorkOrderStatusUpdate.at)).where(
        WorkOrderStatusUpdate.work_order_id == work_order_id,
        col(WorkOrderStatusUpdate.status).in_(WORK_STARTED),
    )
    moment: datetime | None = await session.scalar(query)
    return moment


async def booked_appointment_of(
    session: AsyncSession, work_order_id: uuid.UUID, uprn: str
) -> Appointment | None:
    """The appointment (booked or kept) that covers this work order, latest first."""
    query = (
        select(Appointment)
        .where(
            Appointment.uprn == uprn,
            col(Appointment.status).in_([AppointmentStatus.BOOKED, AppointmentStatus.KEPT]),
        )
        .order_by(col(Appointment.window_start).desc())
    )
    for appointment in (await session.execute(query)).scalars().all():
        if str(work_order_id) in appointment.work_order_ids:
            return appointment
    return None


async def booked_now(
    session: AsyncSession, work_order_id: uuid.UUID, uprn: str
) -> Appointment | None:
    """The booked appointment that covers this work order, as committed now, unlocked:
    read under the work order's lock, which a booking takes before its appointment is
    written (appointments.service.book), so a booking that held it has committed and one
    still to come waits for it. Not locked, so the lock order stays appointments before
    work orders; read afresh (populate_existing), never an earlier read of the row."""
    query = (
        select(Appointment)
        .where(Appointment.uprn == uprn, Appointment.status == AppointmentStatus.BOOKED)
        .order_by(col(Appointment.window_start))
        .execution_options(populate_existing=True)
    )
    for appointment in (await session.execute(query)).scalars().all():
        if str(work_order_id) in appointment.work_order_ids:
            return appointment
    return None


async def latest_appointments(
    session: AsyncSession, orders: list[WorkOrder]
) -> dict[uuid.UUID, Appointment]:
    """Each work order's latest appointment (the one booked last; of a rebooking and the
    appointment it made at the same moment, the new one), for those that had one. An
    appointment is a work order's when it holds it: read among the appointments at the
    work orders' homes, as booked_appointment_of does. Not locked: a read."""
    if not orders:
        return {}
    query = select(Appointment).where(col(Appointment.uprn).in_({o.uprn for o in orders}))
    newest_first = sorted(
        (await session.execute(query)).scalars().all(),
        key=lambda a: (a.booked_at, a.status is not AppointmentStatus.REBOOKED),
        reverse=True,
    )
    latest: dict[uuid.UUID, Appointment] = {}
    for order in orders:
        held = next((a for a in newest_first if str(order.id) in a.work_order_ids), None)
        if held is not None:
            latest[order.id] = held
    return latest


def add(session: AsyncSession, work_order: WorkOrder) -> None:
    session.add(work_order)


def add_status_update(session: AsyncSession, update: WorkOrderStatusUpdate) -> None:
    session.add(update)


async def a_later_update(
    session: AsyncSession,
    work_order_id: uuid.UUID,
    status: WorkOrderStatus,
    at: datetime,
    *,
    with_window: bool = False,
) -> bool:
    """Whether the work order has an update of this status (with an appointment window,
    when `with_window`) that happened after `at`: what it said then is the newer fact.
    Read under the work order's lock, so no other update of it is being kept meanwhile."""
    query = select(func.count()).where(
        WorkOrderStatusUpdate.work_order_id == work_order_id,
        WorkOrderStatusUpdate.status == status,
        col(WorkOrderStatusUpdate.at) > at,
    )
    if with_window:
        query = query.where(col(WorkOrderStatusUpdate.appointment_start).is_not(None))
    return bool(await session.scalar(query))


async def kept_already(session: AsyncSession, update: WorkOrderStatusUpdate) -> bool:
    """Whether the very same update (its work order, status and `at`, and the amount
    or window it carries) was kept already: the contractor sent it again, under another
    Idempotency-Key (a retry after a lost answer, a queue delivering twice). Read under
    the work order's lock, so the two cannot both be kept."""

    def same(column: Any, value: object) -> Any:
        return col(column).is_(None) if value is None else col(column) == value

    query = select(func.count()).where(
        WorkOrderStatusUpdate.work_order_id == update.work_order_id,
        WorkOrderStatusUpdate.status == update.status,
        WorkOrderStatusUpdate.at == update.at,
        same(WorkOrderStatusUpdate.variation_pence, update.variation_pence),
        same(WorkOrderStatusUpdate.appointment_start, update.appointment_start),
        same(WorkOrderStatusUpdate.appointment_end, update.appointment_end),
    )
    return bool(await session.scalar(query))


async def status_updates(
    session: AsyncSession,
    work_order_id: uuid.UUID,
    *,
    after: tuple[datetime, datetime, uuid.UUID] | None,
    limit: int,
) -> list[WorkOrderStatusUpdate]:
    """A page of the work order's status updates in the order they happened (`at`),
    those at the same moment in the order they arrived (`received_at`; the id only
    settles two that arrived at the same moment, so the order is total and a page
    continues exactly after the last one shown). Served by the (work_order_id, at)
    index."""
    key = (
        col(WorkOrderStatusUpdate.at),
        col(WorkOrderStatusUpdate.received_at),
        col(WorkOrderStatusUpdate.id),
    )
    query = (
        select(WorkOrderStatusUpdate)
        .where(WorkOrderStatusUpdate.work_order_id == work_order_id)
        .order_by(*key)
        .limit(limit)
    )
    if after is not None:
        query = query.where(
            tuple_(*key)
            > tuple_(
                literal(after[0], AwareDateTime()),
                literal(after[1], AwareDateTime()),
                literal(after[2]),
            )
        )
    return list((await session.execute(query)).scalars().all())
