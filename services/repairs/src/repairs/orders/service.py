"""Work orders: raised from a repair for one contractor with Schedule of Rates lines;
the contractor's status updates and completion. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts.events.repairs import (
    RepairCompletedV2,
    RepairPriority,
    WorkOrderLineV2,
    WorkOrderRaisedV2,
)
from hearth_contracts.events.visits import Trade
from hearth_kit.outbox import publish
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import Conflict, NotFound, Unprocessable
from hearth_kit.working_days import WorkingDayCalendar
from repairs.appointments import repository as appointment_repository
from repairs.appointments.rules import completion_keeps, window_covers
from repairs.appointments.service import (
    end_as_no_access,
    move_to_contractors_window,
    settle_requests,
)
from repairs.metrics import WORK_ORDERS_COMPLETED
from repairs.models import (
    CLOSED_WORK_ORDER,
    Appointment,
    AppointmentRequestStatus,
    AppointmentStatus,
    RepairRequest,
    RepairStatus,
    WorkOrder,
    WorkOrderStatus,
    WorkOrderStatusUpdate,
)
from repairs.orders import repository
from repairs.orders.schemas import (
    Completion,
    ContractorAppointment,
    ContractorStatus,
    ContractorWorkOrder,
    FollowOnLink,
    LinePublic,
    StatusHistory,
    StatusUpdate,
    StatusUpdatePublic,
    VariationApproval,
    WorkOrderCancel,
    WorkOrderCreate,
    WorkOrderPublic,
)
from repairs.recharges import service as recharges
from repairs.settings import RepairsSettings
from repairs.sor import repository as sor_items
from repairs.sor import rules as sor_rules
from repairs.webhooks import service as webhooks
from repairs.work_orders import repository as repair_requests
from repairs.work_orders.rules import (
    completed_on_time,
    measured_at,
    target_completion,
    work_after_make_safe,
    work_class,
)


def to_public(order: WorkOrder) -> WorkOrderPublic:
    return WorkOrderPublic.model_validate(
        {
            **order.model_dump(),
            "lines": [LinePublic.model_validate(line) for line in order.lines],
        }
    )


async def as_its_contractor_reads(
    session: AsyncSession, orders: list[WorkOrder]
) -> list[WorkOrderPublic]:
    """The work orders as their own contractor may read them: `follow_on_of` only when
    the work order it names is that contractor's too (docs/adr/0191). A follow-on can go
    to another contractor than the work that asked for it (the first could not finish,
    the trade changed hands); the other's work order id is no business of this one's
    (contractor isolation: another firm's work, its price and household behind it), and
    a contractor that fetched it would get a 404 anyway. Staff's reads keep it."""
    theirs = await repository.contractors_of(
        session, {o.follow_on_of for o in orders if o.follow_on_of is not None}
    )
    return [
        to_public(order).model_copy(
            update={
                "follow_on_of": order.follow_on_of
                if order.follow_on_of is not None
                and theirs.get(order.follow_on_of) == order.contractor_id
                else None
            }
        )
        for order in orders
    ]


async def to_contractor(session: AsyncSession, order: WorkOrder) -> WorkOrderPublic:
    """One work order as its contractor reads it (as_its_contractor_reads): the answer
    to the contractor's own status update or completion, and the raise-repair message."""
    [public] = await as_its_contractor_reads(session, [order])
    return public


async def to_contractors(
    session: AsyncSession, orders: list[WorkOrder]
) -> list[ContractorWorkOrder]:
    """The work orders as their contractor reads them (as_its_contractor_reads), each
    with its latest appointment (the caller has already kept to the contractor's own
    work orders)."""
    appointments = await repository.latest_appointments(session, orders)
    publics = await as_its_contractor_reads(session, orders)
    return [
        ContractorWorkOrder.model_validate(
            {
                **public.model_dump(),
                "appointment": (
                    ContractorAppointment.model_validate(appointments[order.id])
                    if order.id in appointments
                    else None
                ),
            }
        )
        for order, public in zip(orders, publics, strict=True)
    ]


def _not_found(work_order_id: uuid.UUID) -> NotFound:
    return NotFound(f"No work order {work_order_id}")


def appointment_window(data: StatusUpdate) -> tuple[datetime, datetime] | None:
    """The appointment window a status update carries: both ends or neither, only with
    appointment_made, the end after the start (422 naming the field at fault)."""
    start, end = data.appointment_start, data.appointment_end
    if start is None and end is None:
        return None
    if data.status is not ContractorStatus.APPOINTMENT_MADE:
        field = "appointment_start" if start is not None else "appointment_end"
        raise Unprocessable(f"{field} goes only with appointment_made", field=field)
    if start is None:
        raise Unprocessable("appointment_end needs appointment_start", field="appointment_start")
    if end is None:
        raise Unprocessable("appointment_start needs appointment_end", field="appointment_end")
    if end <= start:
        raise Unprocessable(
            "appointment_end is not after appointment_start", field="appointment_end"
        )
    return start, end


def refuse_resident_asked_without_a_window(data: StatusUpdate) -> None:
    """`resident_asked` says who asked for a move, so it goes only with the window moved
    to (422 naming it): sent alone it would be dropped, and the sender would think the
    household's request recorded."""
    if data.resident_asked and data.appointment_start is None:
        raise Unprocessable(
            "resident_asked goes only with appointment_made and its window",
            field="resident_asked",
        )


def raised_second(order: WorkOrder) -> datetime:
    """The whole second the work order was raised in: the earliest a contractor's time
    may be. Contractors' systems send times to the second (docs/contractors.md's own
    `$(date -u +%FT%TZ)` does); the order was raised some microseconds into a second,
    and a time written as that second was refused as before the raising."""
    return order.raised_at.replace(microsecond=0)


def unanswered_follow_on(orders: Sequence[WorkOrder]) -> WorkOrder | None:
    """A completed work order of a repair's `orders` that asked for a follow-on not yet
    done, if any. A follow-on is done by the completion of a work order
    raised as it (`follow_on_of` naming the one that asked: docs/adr/0147). Any later
    completion did it before, and work raised alongside, before the follow-on was asked
    for, completed the repair with the follow-on never raised; a follow-on asked for
    before the link existed (`follow_on_before_links`, migration 0031) keeps that rule,
    as nothing said which later work order was it."""
    completed = [o for o in orders if o.status is WorkOrderStatus.COMPLETED]
    followed_on = {o.follow_on_of for o in completed if o.follow_on_of is not None}
    for order in completed:
        if not order.follow_on_required or order.id in followed_on:
            continue
        if order.follow_on_before_links and any(
            other.completed_at is not None
            and order.completed_at is not None
            and other.completed_at > order.completed_at
            for other in completed
        ):
            continue
        return order
    return None


async def follow_on_asked_by(
    session: AsyncSession, repair: RepairRequest, work_order_id: uuid.UUID
) -> WorkOrder:
    """The work order whose asked-for follow-on a new work order of `repair` is raised
    as (`follow_on_of`): of the same repair, completed with a follow-on asked for, and
    not followed on already by a work order not cancelled (a cancelled one was raised in
    error, and the follow-on is still to raise). 422 naming `follow_on_of` otherwise.
    The caller holds the repair's lock, which every raising of its work orders takes
    first, so two follow-ons of one work order cannot both pass."""
    orders = await repository.of_repair(session, repair.id)
    asked = next((o for o in orders if o.id == work_order_id), None)
    if asked is None:
        raise Unprocessable(
            f"No work order {work_order_id} of repair {repair.id}", field="follow_on_of"
        )
    if asked.status is not WorkOrderStatus.COMPLETED or not asked.follow_on_required:
        raise Unprocessable(
            f"Work order {work_order_id} did not complete asking for a follow-on",
            field="follow_on_of",
        )
    raised = next(
        (
            o
            for o in orders
            if o.follow_on_of == asked.id and o.status is not WorkOrderStatus.CANCELLED
        ),
        None,
    )
    if raised is not None:
        raise Unprocessable(
            f"Work order {work_order_id}'s follow-on is raised already ({raised.id})",
            field="follow_on_of",
        )
    return asked


def follows_on_from(orders: Sequence[WorkOrder], start: uuid.UUID, looking_for: uuid.UUID) -> bool:
    """Whether the chain of follow-ons from `start` (the work order it follows on from,
    and that one's, and so on, through `follow_on_of`) reaches `looking_for`. Linking
    `looking_for` as the follow-on of `start` would then make a loop: each waiting for
    the other's completion, the repair held open for good. A chain of a repair's own work
    orders, each visited once, so a loop already stored cannot hang it."""
    by_id = {o.id: o for o in orders}
    seen: set[uuid.UUID] = set()
    at: uuid.UUID | None = start
    while at is not None and at not in seen:
        if at == looking_for:
            return True
        seen.add(at)
        order = by_id.get(at)
        at = order.follow_on_of if order is not None else None
    return False


async def complete_repair_if_done(session: AsyncSession, repair: RepairRequest) -> bool:
    """Complete the repair (repair-completed) if its work is done: every work order of it
    closed (completed, or cancelled by staff), at least one completed, and every
    follow-on asked for done by the completion of the work order raised as it
    (docs/adr/0141, 0147). A repair was completed by the first of its work orders to
    complete without a follow-on, while others raised alongside were open: it counted
    in RP02 and was surveyed before its work was done. Called, under the repair's lock
    (taken after the work order's), by a completion with no follow-on needed and by a
    cancellation.

    It completes when its last work was done: the latest completion's `completed_at`
    (not the moment a stray work order was cancelled, which did no work), judged for
    RP02 as before (an emergency at the moment it was made safe). Right first time if no
    work order of it needed a follow-on. Returns whether it completed it."""
    if repair.status is not RepairStatus.OPEN:
        return False
    orders = await repository.of_repair(session, repair.id)
    if any(o.status not in CLOSED_WORK_ORDER for o in orders):
        return False
    completed = [
        o for o in orders if o.status is WorkOrderStatus.COMPLETED and o.completed_at is not None
    ]
    if not completed or unanswered_follow_on(completed) is not None:
        return False
    last = max(completed, key=lambda o: (o.completed_at or o.status_changed_at, o.raised_at))
    completed_at = last.completed_at or last.status_changed_at
    repair_on_time = completed_on_time(
        measured_at(repair.priority, completed_at, repair.made_safe_at),
        repair.target_at,
        repair.priority,
    )
    repair.status = RepairStatus.COMPLETED
    repair.completed_at = completed_at
    repair.completed_on_time = repair_on_time
    if not repair.communal:
        # The asset register may have named the UPRN a block only after the repair was
        # reported (the block's homes registered later, or their events behind this
        # one): a repair to a block's communal areas asks the whole block for feedback
        # (DOMAIN.md), and repair-completed is what tells engagement to. A home's UPRN is
        # never a block's (docs/adr/0106), so once a block, always one.
        repair.communal = await repair_requests.is_a_block(session, repair.uprn)
    if repair.communal:
        # A recharge held on it waits for a decision with one answer: no household
        # lives at a block (recharges.service).
        await recharges.decline_held_at_blocks(session, [repair.uprn])
    await publish(
        session,
        RepairCompletedV2(
            repair_id=repair.id,
            uprn=repair.uprn,
            trade=repair.trade,
            priority=repair.priority,
            source=repair.source,
            contractor_id=last.contractor_id,
            reported_at=repair.reported_at,
            target_at=repair.target_at,
            completed_at=completed_at,
            completed_on_time=repair_on_time,
            right_first_time=not any(o.follow_on_required for o in completed),
            follow_on_required=False,
            variation=any(o.variation_pence for o in completed),
            communal=repair.communal,
            visit_id=repair.visit_id,
            safety_defect_id=repair.safety_defect_id,
            complaint_id=repair.complaint_id,
        ),
    )
    await session.flush()
    return True


class WorkOrderService:
    """Work orders under the landlord's contractor settings and approver limit."""

    def __init__(self, settings: RepairsSettings) -> None:
        self.settings = settings
        # the repairs calendar, as the repair's own targets count in (RepairService)
        self.calendar = WorkingDayCalendar(settings.closure_days)

    def _priority_and_target(
        self, repair: RepairRequest, asked: WorkOrder | None
    ) -> tuple[RepairPriority, datetime]:
        """The priority and required completion a new work order of `repair` carries: the
        repair's, except for work raised on an emergency already made safe (its follow-on,
        docs/adr/0218). That work is urgent, its target counted from when it was found:
        the completion that asked for it (`follow_on_of`), or, raised without the link,
        when the repair was made safe. The repair's 24-hour target was to make safe
        (docs/adr/0038) and had usually passed when the follow-on was raised: sent as
        the follow-on's, the contractor was told the work was late before it began, and
        its completion was counted late whenever it was done."""
        priority = work_after_make_safe(repair.priority, repair.made_safe_at)
        if priority is None or repair.made_safe_at is None:
            return repair.priority, repair.target_at
        found = repair.made_safe_at
        if asked is not None and asked.completed_at is not None:
            found = asked.completed_at
        targets = self.settings.response_targets
        return priority, target_completion(
            found,
            priority,
            calendar=self.calendar,
            emergency_hours=targets.emergency_hours,
            urgent_working_days=targets.urgent_working_days,
            routine_working_days=targets.routine_working_days,
            planned_days=targets.planned_days,
        )

    def _follow_on_due(self, repair: RepairRequest, asked: WorkOrder) -> datetime | None:
        """When the follow-on `asked`'s completion asked for is due, where it has a target
        of its own: on an emergency made safe, the target it is raised with
        (_priority_and_target, docs/adr/0218). Kept on `asked`, so the repair is overdue
        after it while that follow-on is not raised, or raised and cancelled, as it is
        while one raised is open past it (docs/adr/0235). None on any other repair, whose
        own target, still open, says when it is overdue."""
        if work_after_make_safe(repair.priority, repair.made_safe_at) is None:
            return None
        return self._priority_and_target(repair, asked)[1]

    def contractor_for(self, trade: str) -> str | None:
        for contractor_id, contractor in self.settings.contractors.items():
            if trade in contractor.trades:
                return contractor_id
        return None

    async def raise_order(self, session: AsyncSession, data: WorkOrderCreate) -> WorkOrderPublic:
        """Triage a repair into a work order (publishes work-order-raised and queues the
        contractor's webhook message in the same transaction)."""
        # The repair locked (FOR NO KEY UPDATE) as a completion locks it: read unlocked,
        # a repair its last work order's completion was completing read open, and a
        # work order was raised (and sent to the contractor) for a completed repair.
        # Nothing else is locked here before it (the new work order refers to it).
        repair = await repair_requests.get(session, data.repair_id, for_update=True)
        if repair is None:
            raise Unprocessable(f"No repair {data.repair_id}", field="repair_id")
        if repair.status is not RepairStatus.OPEN:
            raise Unprocessable(f"Repair {repair.id} is not open", field="repair_id")
        asked = (
            await follow_on_asked_by(session, repair, data.follow_on_of)
            if data.follow_on_of is not None
            else None
        )
        priority, required_by = self._priority_and_target(repair, asked)
        contractor_id = data.contractor_id or self.contractor_for(repair.trade)
        contractor = self.settings.contractors.get(contractor_id or "")
        if contractor_id is None or contractor is None:
            raise Unprocessable("No such contractor for this work", field="contractor_id")
        if repair.trade not in contractor.trades:
            raise Unprocessable(
                f"Contractor {contractor_id} does not do {repair.trade.value} work",
                field="contractor_id",
            )
        items = await sor_items.by_codes(session, {line.sor_code.upper() for line in data.lines})
        lines: list[dict[str, object]] = []
        for n, line in enumerate(data.lines):
            item = items.get(line.sor_code.upper())
            if item is None:
                raise Unprocessable(f"Unknown SOR code at line {n}", field=f"lines.{n}.sor_code")
            if item.trade not in contractor.trades:
                # Each work element has its trade (HACT), and the contractor is sent
                # every element: one it does not do would go to an operative not
                # qualified for it (an electrical socket to a plumber), checked only for
                # the repair's trade before.
                raise Unprocessable(
                    f"Contractor {contractor_id} does not do {item.trade.value} work "
                    f"(SOR item {item.code} at line {n})",
                    field=f"lines.{n}.sor_code",
                )
            if item.whole_units and not sor_rules.whole(line.quantity):
                raise Unprocessable(
                    f"SOR item {item.code} is ordered in whole units ({item.unit})",
                    field=f"lines.{n}.quantity",
                )
            if any(earlier >= n for earlier in line.depends_on):
                # Only lines before it: the order of `lines` is then an order the work
                # can be done in, and no two lines can wait for each other.
                raise Unprocessable(
                    f"Line {n} can depend only on lines before it", field=f"lines.{n}.depends_on"
                )
            lines.append(
                {
                    "sor_code": item.code,
                    "description": item.description,
                    "trade": item.trade.value,
                    # kept as text: a decimal read back exactly, never through a float
                    "quantity": str(line.quantity),
                    "unit_price_pence": item.unit_price_pence,
                    "line_pence": sor_rules.line_pence(item.unit_price_pence, line.quantity),
                    "depends_on": sorted(set(line.depends_on)),
                }
            )
        now = datetime.now(UTC)
        order = WorkOrder(
            repair_id=repair.id,
            uprn=repair.uprn,
            contractor_id=contractor_id,
            priority=priority,
            work_class=work_class(priority),
            description=repair.description,
            location=repair.location,
            trade=repair.trade,
            lines=lines,
            ordered_pence=sum(int(str(line["line_pence"])) for line in lines),
            alerts=[alert.value for alert in data.alerts],
            access_information=data.access_information,
            reported_at=repair.reported_at,
            required_by=required_by,
            status_changed_at=now,
            raised_at=now,
            follow_on_of=data.follow_on_of,
        )
        repository.add(session, order)
        await session.flush()
        envelope = await publish(
            session,
            WorkOrderRaisedV2(
                work_order_id=order.id,
                repair_id=order.repair_id,
                uprn=order.uprn,
                contractor_id=order.contractor_id,
                priority=order.priority,
                required_by=order.required_by,
                lines=[
                    WorkOrderLineV2(
                        sor_code=str(line["sor_code"]),
                        trade=Trade(str(line["trade"])),
                        quantity=Decimal(str(line["quantity"])),
                    )
                    for line in lines
                ],
                alerts=data.alerts,
                reported_at=order.reported_at,
                raised_at=now,
            ),
        )
        webhooks.queue(
            session,
            self.settings,
            event_id=envelope.id,
            event_type="raise-repair",
            contractor_id=contractor_id,
            work_order_id=order.id,
            body=(await to_contractor(session, order)).model_dump(mode="json"),
            now=now,
        )
        return to_public(order)

    async def get(
        self, session: AsyncSession, work_order_id: uuid.UUID, contractor_id: str | None = None
    ) -> WorkOrderPublic:
        order = await repository.get(session, work_order_id, contractor_id=contractor_id)
        if order is None:
            raise _not_found(work_order_id)
        return to_public(order)

    async def contractors(
        self, session: AsyncSession, work_order_id: uuid.UUID, contractor_id: str
    ) -> ContractorWorkOrder:
        """One of the contractor's work orders, with its appointment (another
        contractor's is not found)."""
        order = await repository.get(session, work_order_id, contractor_id=contractor_id)
        if order is None:
            raise _not_found(work_order_id)
        [public] = await to_contractors(session, [order])
        return public

    async def contractors_page(
        self,
        session: AsyncSession,
        page: PageParams,
        *,
        status: WorkOrderStatus | None,
        contractor_id: str,
    ) -> Page[ContractorWorkOrder]:
        """The contractor's own work orders in id order, each with its appointment."""
        orders = await repository.page(
            session,
            uprn=None,
            status=status,
            contractor_id=contractor_id,
            after=page.after_as(uuid.UUID),
            limit=page.fetch,
        )
        return Page.from_rows(
            await to_contractors(session, orders), page.limit, cursor_of=lambda o: (o.id,)
        )

    async def status_history(
        self,
        session: AsyncSession,
        work_order_id: uuid.UUID,
        page: PageParams,
        contractor_id: str | None = None,
    ) -> StatusHistory:
        """A page of the work order's status updates in `at` order (a contractor's own
        only). A work order told of every step, retried and late, keeps growing its
        list: paged like every other list, not answered whole. The cursor carries the
        last update's `at`, `received_at` and id (its sort key); the id is not shown."""
        order = await repository.get(session, work_order_id, contractor_id=contractor_id)
        if order is None:
            raise _not_found(work_order_id)
        updates = await repository.status_updates(
            session,
            order.id,
            after=page.after_as(datetime, datetime, uuid.UUID),
            limit=page.fetch,
        )
        rows = Page.from_rows(updates, page.limit, cursor_of=lambda u: (u.at, u.received_at, u.id))
        return StatusHistory(
            items=[StatusUpdatePublic.model_validate(u, from_attributes=True) for u in rows.items],
            next_cursor=rows.next_cursor,
        )

    async def page(
        self,
        session: AsyncSession,
        page: PageParams,
        *,
        uprn: str | None,
        status: WorkOrderStatus | None,
        contractor_id: str | None = None,
    ) -> Page[WorkOrderPublic]:
        """Work orders in id order (a contractor's own only, when one is given)."""
        orders = await repository.page(
            session,
            uprn=uprn,
            status=status,
            contractor_id=contractor_id,
            after=page.after_as(uuid.UUID),
            limit=page.fetch,
        )
        return Page.from_rows(
            [to_public(o) for o in orders], page.limit, cursor_of=lambda o: (o.id,)
        )

    async def _own_open(
        self, session: AsyncSession, work_order_id: uuid.UUID, contractor_id: str
    ) -> WorkOrder:
        order = await repository.get(
            session, work_order_id, contractor_id=contractor_id, for_update=True
        )
        if order is None:
            raise _not_found(work_order_id)
        if order.status in CLOSED_WORK_ORDER:
            raise Conflict(f"Work order {work_order_id} is {order.status}", field="status")
        return order

    async def update_status(
        self,
        session: AsyncSession,
        work_order_id: uuid.UUID,
        contractor_id: str,
        data: StatusUpdate,
    ) -> WorkOrderPublic:
        """A contractor's job status update on its own work order. `at` is when it
        happened: not in the future, not before the work order was raised. An
        appointment_made that carries the appointment's window (appointment_start and
        appointment_end) moves the work order's booked appointment to it, or books one
        (appointments.service.move_to_contractors_window).

        Updates arrive out of order (contractors send from queues and retry; two calls
        overtake each other), and each is a fact at its `at`. So every update is kept
        (WorkOrderStatusUpdate), and the work order's status is the latest by `at` (of
        two at the same moment, the later to arrive): a late one (older than the status)
        is kept and answered with the work order as it is, its status not moved back.
        What it says still counts: a no-access visit is a visit, and a variation amount
        or appointment window stands unless a later update of the same kind was kept (a
        window not either when staff booked, rebooked or cancelled after it: their word
        with the household is the newer, docs/adr/0068). A
        completed work order's status never moves: an update from before its completion
        is kept (200), one after it is a 409 `status` (docs/adr/0054). The very same
        update sent again (another Idempotency-Key, the same work order, status, `at`
        and what it carries) is answered as it is and not kept twice.

        One visit, one record (docs/adr/0057): a no_access at a moment the window of
        the work order's booked appointment covers ends that appointment as no access,
        as staff's outcome does (appointments.service.end_as_no_access: the visit of
        each of its work orders); one an appointment already ended as no access covers
        (staff recorded it first) counts nothing more; any other is a visit of its own.

        Lock order, the same everywhere in repairs: appointments, then work orders, then
        their repairs, then slots (advisory locks), then appointment requests. So the
        home's booked appointments are locked here before the work order (for a window
        or a no_access), as staff's cancel, rebook and outcome lock the appointment
        before its work orders; taken the other way round a contractor's move and a
        cancel of the same appointment could deadlock. Two updates of one work order
        wait for each other on its row, so the second reads the status the first left
        and is judged against it."""
        now = datetime.now(UTC)
        at = data.at or now
        if at > now:
            raise Unprocessable("at is in the future", field="at")
        window = appointment_window(data)
        refuse_resident_asked_without_a_window(data)
        no_access = data.status is ContractorStatus.NO_ACCESS
        booked: Appointment | None = None
        visit: Appointment | None = None
        visit_orders: list[WorkOrder] = []
        if window is not None or no_access:
            # Lock order: the home's booked appointments before the work order, as
            # staff's cancel, rebook and outcome lock the appointment before its work
            # orders; the other way round the two could deadlock. A work order's home
            # never changes, so it is read unlocked to find them.
            unlocked = await repository.get(session, work_order_id, contractor_id=contractor_id)
            if unlocked is None:
                raise _not_found(work_order_id)
            booked = await appointment_repository.booked_covering(
                session, unlocked.id, unlocked.uprn
            )
        if (
            no_access
            and booked is not None
            and window_covers(booked.window_start, booked.window_end, at)
        ):
            # The visit is the appointment's (docs/adr/0057): its work orders locked
            # in id order, as staff's no-access outcome locks them (this one among them).
            visit = booked
            visit_orders = await repository.many(
                session, [uuid.UUID(i) for i in visit.work_order_ids]
            )
        order = await repository.get(
            session, work_order_id, contractor_id=contractor_id, for_update=True
        )
        if order is None:
            raise _not_found(work_order_id)
        if order.status is WorkOrderStatus.CANCELLED:
            # Staff called it off before its work started (docs/adr/0141): nothing the
            # contractor says moves it, and it was sent cancel-repair.
            raise Conflict(f"Work order {work_order_id} is {order.status}", field="status")
        completed = order.status is WorkOrderStatus.COMPLETED
        if completed and at > order.status_changed_at:
            raise Conflict(f"Work order {work_order_id} is {order.status}", field="status")
        if at < raised_second(order):
            raise Unprocessable("at is before the work order was raised", field="at")
        if window is not None and window[0] < raised_second(order):
            raise Unprocessable(
                "appointment_start is before the work order was raised",
                field="appointment_start",
            )
        status = WorkOrderStatus(data.status.value)
        if data.status is ContractorStatus.VARIATION_REQUESTED:
            if data.variation_pence is None:
                raise Unprocessable("A variation request needs its amount", field="variation_pence")
        elif data.variation_pence is not None:
            raise Unprocessable(
                "variation_pence goes only with variation_requested", field="variation_pence"
            )
        update = WorkOrderStatusUpdate(
            work_order_id=order.id,
            status=status,
            at=at,
            received_at=now,
            variation_pence=data.variation_pence,
            appointment_start=window[0] if window else None,
            appointment_end=window[1] if window else None,
        )
        if await repository.kept_already(session, update):
            # The same update sent again under another Idempotency-Key: a replay, not
            # a second fact (a no_access twice is one visit).
            return await to_contractor(session, order)
        # Judged before this update is kept: a later one of the same kind is newer news.
        superseded = await repository.a_later_update(
            session, order.id, status, at, with_window=window is not None
        )
        if window is not None and not superseded:
            # Staff's booking, rebooking or cancelling after the contractor arranged this
            # window is the household's newer word: the late window moves nothing
            # (docs/adr/0068).
            superseded = await appointment_repository.staff_said_later(
                session, order.id, order.uprn, at
            )
        if no_access:
            # One visit, one record (docs/adr/0057): in the window of its booked
            # appointment it ends that appointment as no access, the visit of each of
            # its work orders; else it is a visit of its own, unless an appointment
            # ended as no access (by staff's outcome) already covers it. Judged before
            # this update is kept, so it does not find itself.
            if visit is not None and not completed:
                await end_as_no_access(session, visit, visit_orders, at=at, now=now)
            elif (
                await appointment_repository.no_access_covering(session, order.id, order.uprn, at)
                is None
            ):
                order.no_access_visits += 1
        repository.add_status_update(session, update)
        # Judged to the second, the resolution contractors send times in (the status
        # may have been set some microseconds into a second by a staff booking or the
        # raising): the same second is the same moment, and the later to arrive wins.
        latest = not completed and at >= order.status_changed_at.replace(microsecond=0)
        if window is not None and not completed and not superseded:
            await move_to_contractors_window(
                session,
                self.settings,
                order,
                booked,
                window,
                now,
                at,
                resident_asked=data.resident_asked,
            )
        if data.variation_pence is not None and not superseded:
            order.variation_requested_pence = data.variation_pence
        if latest:
            order.status = status
            order.status_changed_at = at
        await session.flush()
        return await to_contractor(session, order)

    async def cancel(
        self,
        session: AsyncSession,
        work_order_id: uuid.UUID,
        cancelled_by: str,
        data: WorkOrderCancel,
    ) -> WorkOrderPublic:
        """Staff cancel a work order raised in error (a duplicate, not needed, the wrong
        contractor): closed without work, so it no longer holds its repair open
        (docs/adr/0141). If the repair's other work orders are all closed and their work
        done, the repair is completed now, as of its last completion
        (complete_repair_if_done: repair-completed). The contractor is sent cancel-repair
        (the work order as it reads it, status cancelled), under an id of its own: no
        event is published, as no other service reads work orders.

        Refused (409 naming status) once it is closed (completed, cancelled), once the
        contractor said its work started (operative on the way, in progress, a variation
        asked: what was done is the contractor's to complete, follow-on or not), and while
        an appointment is booked for it: cancel that first (POST
        /v1/appointments/{id}/cancel, reason work_not_needed), which tells the household
        and frees the slot, so the operative is not sent and the household not left
        waiting in.

        Lock order, as a completion's: the home's booked appointment (read, to refuse),
        the work order, then its repair; under the work order's lock the booked
        appointments are read again, unlocked (a booking that held the work order
        committed meanwhile)."""
        now = datetime.now(UTC)
        unlocked = await repository.get(session, work_order_id)
        if unlocked is None:
            raise _not_found(work_order_id)
        booked = await appointment_repository.booked_covering(session, unlocked.id, unlocked.uprn)
        order = await repository.get(session, work_order_id, for_update=True)
        if order is None:
            raise _not_found(work_order_id)
        if order.status in CLOSED_WORK_ORDER:
            raise Conflict(f"Work order {work_order_id} is {order.status}", field="status")
        started = await repository.work_started(session, order.id)
        if started is not None:
            raise Conflict(
                f"Work order {work_order_id}'s work started ({started.astimezone(UTC)}, the "
                "contractor said): it is completed by the contractor, not cancelled",
                field="status",
            )
        # What was read before the lock may be out of date: a booking holding the work
        # order's lock (it locks its work orders, then writes the appointment) committed
        # while this waited for it. Read again under the lock.
        booked = booked or await repository.booked_now(session, order.id, order.uprn)
        if booked is not None:
            raise Conflict(
                f"Work order {work_order_id} has a booked appointment ({booked.id}): cancel "
                f"it first (POST /v1/appointments/{booked.id}/cancel, reason "
                "work_not_needed), then the work order",
                field="status",
            )
        order.status = WorkOrderStatus.CANCELLED
        order.status_changed_at = now
        order.cancelled_at = now
        order.cancelled_by = cancelled_by[:200] or None
        order.cancellation_reason = data.reason
        await session.flush()
        [message] = await to_contractors(session, [order])
        webhooks.queue(
            session,
            self.settings,
            event_id=uuid.uuid4(),
            event_type="cancel-repair",
            contractor_id=order.contractor_id,
            work_order_id=order.id,
            body=message.model_dump(mode="json"),
            now=now,
        )
        repair = await repair_requests.get(session, order.repair_id, for_update=True)
        assert repair is not None  # a work order's repair is a foreign key
        if await complete_repair_if_done(session, repair):
            await settle_requests(
                session, [repair.id], repair.uprn, (AppointmentRequestStatus.PENDING,)
            )
        await session.flush()
        return to_public(order)

    async def link_follow_on(
        self, session: AsyncSession, work_order_id: uuid.UUID, data: FollowOnLink
    ) -> WorkOrderPublic:
        """Staff link a work order raised without `follow_on_of` to the completion that
        asked for it (docs/adr/0154): its completion then does that follow-on, and the
        repair completes with it (docs/adr/0147). Raised unlinked, it was other work, and
        the repair stayed open until staff cancelled it and raised it again, which sent
        the contractor cancel-repair and raise-repair for the same job and lost its
        appointment, status updates and variation.

        Refused as raising with the link is (422 `follow_on_of`: no work order of this
        repair, not completed asking for a follow-on, followed on already by a work
        order not cancelled), and also when it names this work order, when the work
        order it names is itself (through its own links) a follow-on of this one, and
        when this one was raised before that completion: raised alongside, it was
        ordered as other work, not as the follow-on (the hole 0147 closed). Refused 409
        `status` once this work order is completed or cancelled (its completion was
        judged as other work, and a link made afterwards would say after the fact that
        it did work nobody asked the contractor for), and 422 `follow_on_of` once it is
        linked to another. The same link sent again is answered as it is.

        Lock order, as a completion's: the work order, then its repair (every raising of
        a work order of the repair takes that first, so a follow-on raised at the same
        time for the same completion waits, and one of the two is refused). No event (no
        other service reads work orders) and no message to the contractor: the link is
        in its read of the work order (`GET /v1/contractor/work-orders/{id}`)."""
        order = await repository.get(session, work_order_id, for_update=True)
        if order is None:
            raise _not_found(work_order_id)
        if order.follow_on_of == data.follow_on_of:
            return to_public(order)
        if order.status in CLOSED_WORK_ORDER:
            raise Conflict(
                f"Work order {work_order_id} is {order.status}: it can no longer be linked "
                "as a follow-on",
                field="status",
            )
        if order.follow_on_of is not None:
            raise Unprocessable(
                f"Work order {work_order_id} is the follow-on of {order.follow_on_of} already",
                field="follow_on_of",
            )
        if data.follow_on_of == order.id:
            raise Unprocessable(
                "A work order cannot be the follow-on of itself", field="follow_on_of"
            )
        repair = await repair_requests.get(session, order.repair_id, for_update=True)
        assert repair is not None  # a work order's repair is a foreign key
        orders = await repository.of_repair(session, repair.id)
        if follows_on_from(orders, data.follow_on_of, order.id):
            raise Unprocessable(
                f"Work order {data.follow_on_of} is itself a follow-on of {work_order_id}",
                field="follow_on_of",
            )
        asked = await follow_on_asked_by(session, repair, data.follow_on_of)
        if asked.completed_at is not None and order.raised_at < asked.completed_at:
            raise Unprocessable(
                f"Work order {work_order_id} was raised before work order {asked.id} asked "
                "for a follow-on: it is other work",
                field="follow_on_of",
            )
        order.follow_on_of = asked.id
        await session.flush()
        return to_public(order)

    async def approve_variation(
        self,
        session: AsyncSession,
        work_order_id: uuid.UUID,
        approver: str,
        data: VariationApproval,
    ) -> WorkOrderPublic:
        """A manager approves a variation, within the approver's limit."""
        order = await repository.get(session, work_order_id, for_update=True)
        if order is None:
            raise _not_found(work_order_id)
        if order.status in CLOSED_WORK_ORDER:
            raise Conflict(f"Work order {work_order_id} is {order.status}", field="status")
        if data.amount_pence > self.settings.variation_approver_limit_pence:
            raise Unprocessable("Above the approver's limit for variations", field="amount_pence")
        order.variation_approved_pence = data.amount_pence
        order.variation_approved_by = approver[:200]
        await session.flush()
        return to_public(order)

    async def complete(
        self,
        session: AsyncSession,
        work_order_id: uuid.UUID,
        contractor_id: str,
        data: Completion,
    ) -> WorkOrderPublic:
        """Work order complete: on time or late against its own target (the repair's, or
        a follow-on's of an emergency made safe: docs/adr/0218), right first
        time unless a follow-on is needed; the repair is completed (repair-completed)
        unless a follow-on is needed or another work order of it is still open (raised
        alongside, not yet done: docs/adr/0141; complete_repair_if_done). An emergency's
        earliest completed work order made it safe (`made_safe_at`): its RP02 on time is
        judged at that moment, not when the follow-on finished.

        Completed on its booked appointment's day, once the window had started
        (appointments.rules.completion_keeps), the appointment is kept at the completion
        (docs/adr/0107): the visit happened, whether or not staff record it."""
        now = datetime.now(UTC)
        if data.completed_at > now:
            raise Unprocessable("completed_at is in the future", field="completed_at")
        # Lock order: the home's booked appointments before the work order, as a status
        # update and staff's cancel, rebook and outcome take them: the completion may
        # end its appointment as kept. A work order's home never changes, so it is read
        # unlocked to find them.
        unlocked = await repository.get(session, work_order_id, contractor_id=contractor_id)
        if unlocked is None:
            raise _not_found(work_order_id)
        booked = await appointment_repository.booked_covering(session, unlocked.id, unlocked.uprn)
        order = await self._own_open(session, work_order_id, contractor_id)
        if data.completed_at < raised_second(order):
            raise Unprocessable(
                "completed_at is before the work order was raised", field="completed_at"
            )
        appointment = await repository.booked_appointment_of(session, order.id, order.uprn)
        if appointment is not None and data.completed_at < appointment.window_start:
            raise Unprocessable("completed_at is before the appointment", field="completed_at")
        if data.variation_pence and data.variation_pence > (order.variation_approved_pence or 0):
            raise Unprocessable("Variation above what was approved", field="variation_pence")
        # Lock order: the work order (above), then its repair. Another work order of
        # the same repair completed at the same moment waits here and then reads the
        # repair (completed or not) and its completed work orders as that one left
        # them; read unlocked, both completed the repair, both published
        # repair-completed and both were right first time.
        repair = await repair_requests.get(session, order.repair_id, for_update=True)
        assert repair is not None  # a work order's repair is a foreign key
        earlier = await repository.completed_for_repair(session, repair.id)
        # Against the work order's own target: the repair's, or a follow-on's of an
        # emergency made safe (docs/adr/0218). RP02 judges the repair, below.
        on_time = completed_on_time(data.completed_at, order.required_by, order.priority)
        order.status = WorkOrderStatus.COMPLETED
        order.status_changed_at = data.completed_at
        order.completed_at = data.completed_at
        order.completed_on_time = on_time
        order.follow_on_required = data.follow_on_required
        order.right_first_time = not data.follow_on_required and earlier == 0
        order.variation_pence = data.variation_pence
        order.photo_references = list(data.photo_references)
        if booked is not None and completion_keeps(booked.window_start, data.completed_at):
            # The operative came and did the work: the appointment was kept, at the
            # completion, as staff's outcome kept records it (nothing published, nothing
            # sent to the contractor: docs/adr/0069). Left booked, it counted in neither
            # side of appointments kept, the visit the measure is for.
            booked.status = AppointmentStatus.KEPT
            booked.outcome_at = data.completed_at
        WORK_ORDERS_COMPLETED.labels(on_time=str(on_time).lower()).inc()
        if repair.priority is RepairPriority.EMERGENCY and repair.status is RepairStatus.OPEN:
            # An emergency's target is to make safe within 24 hours: its earliest work
            # order completed made it safe, whatever follow-on work is left.
            repair.made_safe_at = min(repair.made_safe_at or data.completed_at, data.completed_at)
        if data.follow_on_required:
            order.follow_on_required_by = self._follow_on_due(repair, order)
        await session.flush()
        if not data.follow_on_required:
            await complete_repair_if_done(session, repair)
        await session.flush()
        if repair.status is RepairStatus.COMPLETED:
            # a visit's request whose repairs were all done without an appointment is
            # cancelled (nothing left to book); one whose last unbooked repair is done
            # is booked
            await settle_requests(
                session, [repair.id], repair.uprn, (AppointmentRequestStatus.PENDING,)
            )
        return await to_contractor(session, order)
