"""All SQL about repair requests and the homes they are at."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Row,
    ScalarSelect,
    Select,
    and_,
    bindparam,
    exists,
    func,
    inspect,
    literal,
    not_,
    or_,
    union_all,
)
from sqlalchemy import select as core_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from hearth_contracts.events.repairs import RepairPriority
from hearth_kit.db import AwareDateTime, ReadConnection
from hearth_kit.projection import upsert_newer_many
from repairs.models import (
    CLOSED_WORK_ORDER,
    KnownHome,
    RepairRequest,
    RepairStatus,
    WorkOrder,
    WorkOrderStatus,
)
from repairs.work_orders import rules


async def get(
    session: AsyncSession, repair_id: uuid.UUID, *, for_update: bool = False
) -> RepairRequest | None:
    """One repair; `for_update` locks it against another change of the repair (FOR NO
    KEY UPDATE: a row that only refers to it, an appointment request say, is not held
    up; raising a work order takes this lock itself, so a completion and a raise take
    turns) and takes the row as it is once locked (populate_existing). In repairs' lock order
    a repair comes after its work orders (orders.service.WorkOrderService.complete)."""
    if not for_update:
        return await session.get(RepairRequest, repair_id)
    query = (
        select(RepairRequest)
        .where(RepairRequest.id == repair_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(query)).scalars().first()


async def by_finding(session: AsyncSession, finding_id: uuid.UUID) -> RepairRequest | None:
    query = select(RepairRequest).where(RepairRequest.finding_id == finding_id)
    return (await session.execute(query)).scalars().first()


async def by_safety_defect(session: AsyncSession, defect_id: uuid.UUID) -> RepairRequest | None:
    query = select(RepairRequest).where(RepairRequest.safety_defect_id == defect_id)
    return (await session.execute(query)).scalars().first()


async def count_overdue(
    session: AsyncSession, now: datetime, non_emergency_before: datetime
) -> dict[str, int]:
    """Open repairs overdue at `now` (rules.overdue, _overdue), by the priority each is
    counted at (rules.overdue_priority: an emergency made safe, overdue by its follow-on,
    as urgent work): an emergency not yet made safe past its target moment, any other
    whose target is before `non_emergency_before` (the start of now's London day:
    rules.overdue_if_target_before), an emergency made safe with a work order still open
    past its own target (docs/adr/0218)."""
    made_safe = _repair.c.made_safe_at.is_not(None).label("made_safe")
    query = (
        core_select(_repair.c.priority, made_safe, func.count())
        .where(
            _overdue(literal(now, AwareDateTime()), literal(non_emergency_before, AwareDateTime()))
        )
        .group_by(_repair.c.priority, made_safe)
    )
    counts: dict[str, int] = {}
    for priority, safe, n in (await session.execute(query)).all():
        counted = str(rules.overdue_priority(RepairPriority(priority), bool(safe)))
        counts[counted] = counts.get(counted, 0) + int(n)
    return counts


_repair = inspect(RepairRequest).local_table
_home = inspect(KnownHome).local_table
_order = inspect(WorkOrder).local_table
_asked = _order.alias("asked")
"""A completed work order, as the one whose completion asked for a follow-on."""
_follow_on = _order.alias("follow_on")
ENTRY_COLUMNS = (
    "id",
    "uprn",
    "description",
    "location",
    "trade",
    "priority",
    "status",
    "source",
    "complaint_id",
    "reported_at",
    "target_at",
    "visit_id",
    "appointment_request_id",
    "completed_at",
    "completed_on_time",
    "made_safe_at",
    "communal",
)
"""The repair's columns its public entry shows (schemas.RepairPublic)."""
ADDRESS_COLUMNS = ("address_line_1", "address_line_2", "town", "postcode")
"""The home's address columns (schemas.HomeAddress); NULL while the home is unknown."""
OPEN_EMERGENCY_WORK = "open_emergency_work_required_by"
OPEN_OTHER_WORK = "open_other_work_required_by"
FOLLOW_ON_NOT_RAISED = "follow_on_not_raised_required_by"
"""The earliest `required_by` of the repair's open work orders of emergency priority, and
of any other (_earliest_open_work), and the earliest due of its follow-ons asked for and
not raised (_earliest_follow_on_not_raised), for its `overdue` (rules.overdue's
`open_work`)."""


async def open_work(
    session: AsyncSession, repair_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, list[tuple[datetime, RepairPriority]]]:
    """Each repair's work orders still open, as `required_by` and priority, and its
    follow-ons asked for and not raised, as their due and urgent (rules.overdue's
    `open_work`): one statement for them all."""
    ids = set(repair_ids)
    found: dict[uuid.UUID, list[tuple[datetime, RepairPriority]]] = {i: [] for i in ids}
    if not ids:
        return found
    open_orders = core_select(_order.c.repair_id, _order.c.required_by, _order.c.priority).where(
        _order.c.repair_id.in_(ids), _order.c.status.not_in(CLOSED_WORK_ORDER)
    )
    not_raised = core_select(
        _asked.c.repair_id,
        _asked.c.follow_on_required_by,
        literal(rules.FOLLOW_ON_OF_AN_EMERGENCY.value),
    ).where(_asked.c.repair_id.in_(ids), _follow_on_not_raised())
    for repair_id, due, priority in (
        await session.execute(union_all(open_orders, not_raised))
    ).all():
        found[repair_id].append((due, RepairPriority(priority)))
    return found


def _follow_on_not_raised() -> ColumnElement[bool]:
    """`_asked` completed asking for a follow-on with a due of its own (an emergency made
    safe: `follow_on_required_by`, docs/adr/0235), and no work order not cancelled is
    that follow-on (`follow_on_of`): it is still to raise, and is judged as the work order
    raised now would be, by that due, as urgent work."""
    return and_(
        _asked.c.follow_on_required_by.is_not(None),
        ~exists().where(
            _follow_on.c.follow_on_of == _asked.c.id,
            _follow_on.c.status != WorkOrderStatus.CANCELLED,
        ),
    )


def _open_work_past_its_target(
    now: ColumnElement[datetime], non_emergency_before: ColumnElement[datetime]
) -> ColumnElement[bool]:
    """The repair has a work order still open past its own `required_by` at `now`
    (rules.overdue's `open_work`): an emergency's after that moment, any other's when it
    is before `non_emergency_before`, as its completion would be judged late; or a
    follow-on asked for and not raised past its due (_follow_on_not_raised, urgent)."""
    return or_(
        exists().where(
            _order.c.repair_id == _repair.c.id,
            _order.c.status.not_in(CLOSED_WORK_ORDER),
            or_(
                and_(_order.c.priority == RepairPriority.EMERGENCY, _order.c.required_by < now),
                and_(
                    _order.c.priority != RepairPriority.EMERGENCY,
                    _order.c.required_by < non_emergency_before,
                ),
            ),
        ),
        exists().where(
            _asked.c.repair_id == _repair.c.id,
            _follow_on_not_raised(),
            _asked.c.follow_on_required_by < non_emergency_before,
        ),
    )


def _overdue(
    now: ColumnElement[datetime], non_emergency_before: ColumnElement[datetime]
) -> ColumnElement[bool]:
    """Open and past its target at `now` (rules.overdue): an emergency not yet made safe
    after its target moment, any other priority when its target is before
    `non_emergency_before` (rules.overdue_if_target_before), an emergency made safe
    while a work order of it, its follow-on, is open past its own target (docs/adr/0218)."""
    return and_(
        _repair.c.status == RepairStatus.OPEN,
        or_(
            and_(
                _repair.c.priority == RepairPriority.EMERGENCY,
                _repair.c.made_safe_at.is_(None),
                _repair.c.target_at < now,
            ),
            and_(
                _repair.c.priority == RepairPriority.EMERGENCY,
                _repair.c.made_safe_at.is_not(None),
                _open_work_past_its_target(now, non_emergency_before),
            ),
            and_(
                _repair.c.priority != RepairPriority.EMERGENCY,
                _repair.c.target_at < non_emergency_before,
            ),
        ),
    )


def _overdue_now() -> ColumnElement[bool]:
    """_overdue at the bound `now` and `non_emergency_overdue_before`, for page_rows."""
    return _overdue(
        bindparam("now", type_=AwareDateTime()),
        bindparam("non_emergency_overdue_before", type_=AwareDateTime()),
    )


def _earliest_open_work(emergency: bool) -> ScalarSelect[datetime]:
    """The earliest `required_by` of the repair's work orders still open, of emergency
    priority or of any other (rules.overdue's `open_work`, judged by their priority's
    rule: the earliest of each is the first overdue); NULL when there are none."""
    priority = (
        _order.c.priority == RepairPriority.EMERGENCY
        if emergency
        else _order.c.priority != RepairPriority.EMERGENCY
    )
    return (
        core_select(func.min(_order.c.required_by))
        .where(
            _order.c.repair_id == _repair.c.id,
            _order.c.status.not_in(CLOSED_WORK_ORDER),
            priority,
        )
        .scalar_subquery()
    )


def _earliest_follow_on_not_raised() -> ScalarSelect[datetime]:
    """The earliest due of the repair's follow-ons asked for and not raised
    (_follow_on_not_raised); NULL when there are none."""
    return (
        core_select(func.min(_asked.c.follow_on_required_by))
        .where(_asked.c.repair_id == _repair.c.id, _follow_on_not_raised())
        .scalar_subquery()
    )


@cache
def _page_statement(
    *,
    after: bool,
    uprn: bool,
    status: bool,
    appointment_request_id: bool,
    overdue: bool | None = None,
) -> Select[Any]:
    """A page of repairs in id order, each with its home's address (outer join: one
    round trip), for one combination of filters; built once per combination, so its
    cache key and compiled SQL are reused by every call."""
    query = (
        core_select(
            *(_repair.c[name] for name in ENTRY_COLUMNS),
            *(_home.c[name] for name in ADDRESS_COLUMNS),
            _earliest_open_work(emergency=True).label(OPEN_EMERGENCY_WORK),
            _earliest_open_work(emergency=False).label(OPEN_OTHER_WORK),
            _earliest_follow_on_not_raised().label(FOLLOW_ON_NOT_RAISED),
        )
        .select_from(_repair.outerjoin(_home, _home.c.uprn == _repair.c.uprn))
        .order_by(_repair.c.id)
        .limit(bindparam("limit"))
    )
    if uprn:
        query = query.where(_repair.c.uprn == bindparam("uprn"))
    if status:
        query = query.where(_repair.c.status == bindparam("status"))
    if appointment_request_id:
        query = query.where(_repair.c.appointment_request_id == bindparam("appointment_request_id"))
    if overdue is not None:
        query = query.where(_overdue_now() if overdue else not_(_overdue_now()))
    if after:
        query = query.where(_repair.c.id > bindparam("after"))
    return query


async def page_rows(
    connection: ReadConnection,
    *,
    uprn: str | None,
    status: RepairStatus | None,
    appointment_request_id: uuid.UUID | None = None,
    overdue: bool | None = None,
    now: datetime | None = None,
    non_emergency_overdue_before: datetime | None = None,
    after: uuid.UUID | None,
    limit: int,
) -> list[Row[Any]]:
    """Repairs in id order as rows of ENTRY_COLUMNS and ADDRESS_COLUMNS: one statement
    on a read connection, no ORM objects. With `overdue`, `now` and
    `non_emergency_overdue_before` say when a repair is overdue (_overdue_now)."""
    if overdue is not None and (now is None or non_emergency_overdue_before is None):
        raise ValueError("the overdue filter needs now and non_emergency_overdue_before")
    statement = _page_statement(
        after=after is not None,
        uprn=uprn is not None,
        status=status is not None,
        appointment_request_id=appointment_request_id is not None,
        overdue=overdue,
    )
    values = {
        "uprn": uprn,
        "status": status,
        "appointment_request_id": appointment_request_id,
        "now": now,
        "non_emergency_overdue_before": non_emergency_overdue_before,
        "after": after,
        "limit": limit,
    }
    return list((await connection.execute(statement, values)).all())


def add(session: AsyncSession, repair: RepairRequest) -> None:
    session.add(repair)


async def known_homes(session: AsyncSession, uprns: set[str]) -> dict[str, KnownHome]:
    """The homes (from the asset register's events) among `uprns`, by UPRN."""
    if not uprns:
        return {}
    query = select(KnownHome).where(col(KnownHome.uprn).in_(uprns))
    return {home.uprn: home for home in (await session.execute(query)).scalars().all()}


async def is_a_block(session: AsyncSession, uprn: str) -> bool:
    """Whether the asset register gives `uprn` as some home's block, as repairs' copy
    has it now (ix_home_block_id)."""
    query = core_select(exists().where(_home.c.block_id == uprn))
    return bool(await session.scalar(query))


@dataclass(frozen=True, slots=True)
class RegisterEntry:
    """The asset register's address of a home, and the block it is in, as of a moment
    (the event's own time)."""

    uprn: str
    address_line_1: str
    address_line_2: str | None
    town: str
    postcode: str
    block_id: str | None
    as_of: datetime


async def save_homes(session: AsyncSession, entries: Iterable[RegisterEntry]) -> None:
    """Keep the asset register's address and block of each home, in the order given,
    unless a later one is already kept: one statement for them all. The entry is the
    register's whole one, so a null block_id is no block (a house), not "unchanged"."""
    await upsert_newer_many(
        session,
        KnownHome,
        key=["uprn"],
        rows=[
            {
                "uprn": entry.uprn,
                "address_line_1": entry.address_line_1,
                "address_line_2": entry.address_line_2,
                "town": entry.town,
                "postcode": entry.postcode,
                "block_id": entry.block_id,
                "as_of": entry.as_of,
            }
            for entry in entries
        ],
        version="as_of",
    )


HOME_OPEN_REPAIRS = _page_statement(
    after=False, uprn=True, status=True, appointment_request_id=False
)
"""A home's first page of repairs of one status: the very statement the list route runs
for `GET /v1/repairs?uprn=&status=` without a cursor (the same object, so the same
order and columns, compiled and prepared once), for the home's repairs read."""


async def home_open_repairs(connection: ReadConnection, uprn: str, limit: int) -> list[Row[Any]]:
    """Up to `limit` of the home's open repairs in id order (rows as page_rows gives)."""
    values = {"uprn": uprn, "status": RepairStatus.OPEN, "limit": limit}
    return list((await connection.execute(HOME_OPEN_REPAIRS, values)).all())
