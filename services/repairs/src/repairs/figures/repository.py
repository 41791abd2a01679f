"""The SQL behind repairs' figures: one aggregate query per table, each reading the
period's rows by an indexed time column (or, for a figure of now, the rows in that
state by an index of it), never every row the table has ever had
(tests/test_query_plans.py; docs/adr/0077)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, exists, func, or_
from sqlalchemy import select as core_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from hearth_contracts.events.repairs import MissedBy, RepairPriority
from repairs.awaab.repository import late as awaab_late
from repairs.models import (
    Appointment,
    AppointmentStatus,
    AwaabCase,
    AwaabCaseStatus,
    AwaabClock,
    Recharge,
    RechargePayment,
    RechargeStatus,
    RepairRequest,
    WorkOrder,
    WorkOrderStatus,
)


def _count_if(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def completions(session: AsyncSession, start: datetime, end: datetime) -> dict[str, int]:
    """Responsive repairs completed in the period (RP02): emergency and non-emergency
    (urgent, routine), on time or not. Planned work (an improvement rather than a
    repair, a visit's minor finding) is not a responsive repair and counts in neither."""
    emergency = col(RepairRequest.priority) == RepairPriority.EMERGENCY
    on_time = col(RepairRequest.completed_on_time).is_(True)
    query = select(
        _count_if(emergency).label("emergency"),
        _count_if(and_(emergency, on_time)).label("emergency_on_time"),
        _count_if(~emergency).label("other"),
        _count_if(and_(~emergency, on_time)).label("other_on_time"),
    ).where(
        col(RepairRequest.completed_at) >= start,
        col(RepairRequest.completed_at) < end,
        col(RepairRequest.priority) != RepairPriority.PLANNED,
    )
    row = (await session.execute(query)).one()
    return {key: int(value) for key, value in row._mapping.items()}


async def reported_by_priority(
    session: AsyncSession, start: datetime, end: datetime
) -> dict[str, int]:
    query = (
        select(RepairRequest.priority, func.count())
        .where(RepairRequest.reported_at >= start, RepairRequest.reported_at < end)
        .group_by(RepairRequest.priority)
    )
    return {str(priority): int(n) for priority, n in (await session.execute(query)).all()}


async def right_first_time(
    session: AsyncSession, start: datetime, end: datetime
) -> tuple[int, int]:
    """Repairs put right at their first completed work order, of repairs whose first
    work order was completed in the period. A follow-on work order is the follow-on
    visit of a repair already counted as not right first time, not another repair: it
    is left out (completed with no follow-on needed it is not right first time only
    because an earlier one was completed; needing a further follow-on, it comes after
    an earlier completion). No-access visits are not completions and count nowhere.

    A repair is right first time only if none of its work needed a follow-on visit
    (DOMAIN.md), as repair-completed says (`right_first_time`: no work order of it
    needed one). Work orders raised alongside for other trades (docs/adr/0141) are
    visits of the same repair: the first completed without a follow-on, and another
    completed after it needing one, was counted right first time here while
    repair-completed said it was not. Such a repair is counted, once, as not right
    first time; its figure is the one the repair's own record gives, so a later
    completion needing a follow-on moves it, as any completion recorded late does.

    Each repair is counted once, at its earliest completed work order by `completed_at`
    (then id): contractors' completions arrive out of order, and one recorded after a
    later visit (its `completed_at` earlier) was counted as a first visit beside the
    one recorded first, the repair twice in the denominator."""
    earlier = aliased(WorkOrder)
    after_an_earlier_completion = exists().where(
        col(earlier.repair_id) == col(WorkOrder.repair_id),
        col(earlier.status) == WorkOrderStatus.COMPLETED,
        or_(
            col(earlier.completed_at) < col(WorkOrder.completed_at),
            and_(
                col(earlier.completed_at) == col(WorkOrder.completed_at),
                col(earlier.id) < col(WorkOrder.id),
            ),
        ),
    )
    other = aliased(WorkOrder)
    a_visit_of_it_needed_a_follow_on = exists().where(
        col(other.repair_id) == col(WorkOrder.repair_id),
        col(other.status) == WorkOrderStatus.COMPLETED,
        col(other.follow_on_required).is_(True),
    )
    # The repair's first visit: its earliest completed work order (by completed_at, then
    # id), whatever order the completions were recorded in.
    first_visit = ~after_an_earlier_completion
    put_right = and_(first_visit, ~a_visit_of_it_needed_a_follow_on)
    query = select(_count_if(put_right), _count_if(first_visit)).where(
        WorkOrder.status == WorkOrderStatus.COMPLETED,
        col(WorkOrder.completed_at) >= start,
        col(WorkOrder.completed_at) < end,
    )
    done, total = (await session.execute(query)).one()
    return int(done), int(total)


async def appointments(session: AsyncSession, start: datetime, end: datetime) -> dict[str, int]:
    """Appointments booked in the period (first bookings: at first contact or not, and
    those that split a visit's work with a reason: docs/adr/0145), and those whose
    outcome fell in it (kept, missed by the landlord's side).

    Only those two sets of rows are read, each found in its index (ix_appointment_booked_at,
    ix_appointment_outcome_at): every counted appointment is in one of them, so the
    figures are those of a read of every appointment, which is what this was before."""
    first_booking = col(Appointment.rebooked_from_appointment_id).is_(None)
    booked_in = and_(col(Appointment.booked_at) >= start, col(Appointment.booked_at) < end)
    outcome_in = and_(col(Appointment.outcome_at) >= start, col(Appointment.outcome_at) < end)
    # sqlalchemy's own select: sqlmodel's is typed for at most four columns
    query = core_select(
        _count_if(and_(booked_in, first_booking)).label("booked"),
        _count_if(
            and_(booked_in, first_booking, col(Appointment.made_at_first_contact).is_(True))
        ).label("first_contact"),
        _count_if(and_(booked_in, first_booking, col(Appointment.split_reason).is_not(None))).label(
            "split"
        ),
        _count_if(and_(outcome_in, col(Appointment.status) == AppointmentStatus.KEPT)).label(
            "kept"
        ),
        _count_if(
            and_(
                outcome_in,
                col(Appointment.status) == AppointmentStatus.MISSED,
                col(Appointment.missed_by) == MissedBy.LANDLORD,
            )
        ).label("missed_by_landlord"),
    ).where(or_(booked_in, outcome_in))
    row = (await session.execute(query)).one()
    return {key: int(value) for key, value in row._mapping.items()}


async def appointments_without_outcome(
    session: AsyncSession, start: datetime, end: datetime, now: datetime
) -> int:
    """Appointments whose window started in the period and had ended by `now` with no
    outcome recorded (still booked). They are in neither side of appointments kept until
    their outcome is recorded, so a visit no one recorded, an operative's no-show most
    of all, would otherwise leave that measure untouched. Found by their window's start
    (ix_appointment_window_start_id), the period's rows only."""
    count = await session.scalar(
        select(func.count()).where(
            col(Appointment.window_start) >= start,
            col(Appointment.window_start) < end,
            col(Appointment.window_end) < now,
            col(Appointment.status) == AppointmentStatus.BOOKED,
        )
    )
    return int(count or 0)


async def recharges(session: AsyncSession, start: datetime, end: datetime) -> dict[str, int]:
    """Recharges raised in the period (count and pence), those paid in full in it
    (income's recharge-paid), those written off in it (a write-off leaving nothing
    owed: never paid, so not collected, docs/adr/0179), and those held for approval now.

    Held for approval is a figure of now, whatever the period: those recharges are
    found by their state (ix_recharge_awaiting_approval, which holds only them), the
    period's raised ones by ix_recharge_raised_at; nothing else is read."""
    raised_in = and_(col(Recharge.raised_at) >= start, col(Recharge.raised_at) < end)
    held = col(Recharge.status) == RechargeStatus.AWAITING_APPROVAL
    query = select(
        _count_if(raised_in).label("raised"),
        func.coalesce(func.sum(case((raised_in, Recharge.amount_pence), else_=0)), 0).label(
            "raised_pence"
        ),
        _count_if(held).label("awaiting_approval"),
    ).where(or_(raised_in, held))
    row = (await session.execute(query)).one()
    settled = (
        await session.execute(
            select(
                _count_if(col(RechargePayment.paid_in_full).is_(True)).label("collected"),
                _count_if(
                    and_(
                        col(RechargePayment.written_off).is_(True),
                        col(RechargePayment.outstanding_pence) == 0,
                    )
                ).label("written_off"),
            ).where(
                col(RechargePayment.paid_at) >= start,
                col(RechargePayment.paid_at) < end,
            )
        )
    ).one()
    return {
        **{key: int(value) for key, value in row._mapping.items()},
        **{key: int(value or 0) for key, value in settled._mapping.items()},
    }


async def awaab(
    session: AsyncSession, start: datetime, end: datetime
) -> tuple[int, dict[str, int], dict[str, int]]:
    """Open cases now, running clocks by milestone, and deadlines breached in the period
    by milestone (raised by the job, or stopped late by rules.met's conventions).

    A breach counts in the period of the deadline it breached (breached_due_at), not of
    the clock's due_at now: a revised summary (or a pause) moves due_at on after the
    breach, and a figure already published for the period the deadline passed in must
    not change, nor the breach count again where the new day falls (docs/adr/0092). One
    clock is one breach: a moved clock missing its new day as well is not counted again.
    A clock with no breached_due_at (none since migration 0024 gave every breached
    clock one) counts by due_at, as before. The period's deadlines are found in
    ix_awaab_clock_breached_deadline, on that very expression: before it, the only
    index condition was `stopped_at IS NOT NULL`, every clock ever stopped."""
    open_cases = await session.scalar(
        select(func.count()).where(AwaabCase.status == AwaabCaseStatus.OPEN)
    )
    running_query = (
        select(AwaabClock.milestone, func.count())
        .where(col(AwaabClock.stopped_at).is_(None))
        .group_by(AwaabClock.milestone)
    )
    running = {str(m): int(n) for m, n in (await session.execute(running_query)).all()}
    breached_deadline = func.coalesce(col(AwaabClock.breached_due_at), col(AwaabClock.due_at))
    breached_query = (
        select(AwaabClock.milestone, func.count())
        .where(breached_deadline >= start, breached_deadline < end)
        .where(
            (col(AwaabClock.breach_raised_at).is_not(None))
            | (
                col(AwaabClock.stopped_at).is_not(None)
                & awaab_late(col(AwaabClock.stopped_at))
                # withdrawn with its case, a duplicate: no step done late (ADR 0236)
                & ~col(AwaabClock.withdrawn)
            )
        )
        .group_by(AwaabClock.milestone)
    )
    breached = {str(m): int(n) for m, n in (await session.execute(breached_query)).all()}
    return int(open_cases or 0), running, breached
