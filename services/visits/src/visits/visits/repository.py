"""All SQL about home visits and their findings."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, cast

from sqlalchemy import (
    JSON,
    ColumnElement,
    CursorResult,
    Date,
    Integer,
    Row,
    Select,
    String,
    Uuid,
    and_,
    bindparam,
    exists,
    inspect,
    literal_column,
    null,
    or_,
    tuple_,
    type_coerce,
    union_all,
    update,
)
from sqlalchemy import (
    cast as sql_cast,
)
from sqlalchemy import select as core_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from hearth_contracts.events.visits import VisitKind
from hearth_kit.db import AwareDateTime, ReadConnection
from visits.models import (
    CommunalIssue,
    CustomerAction,
    RoomInspected,
    Visit,
    VisitHazardFinding,
    VisitRepairFinding,
    VisitStatus,
    VisitTenancyConcern,
)


@dataclass
class Findings:
    """What one visit found, loaded explicitly (no lazy loading under asyncio)."""

    repairs: list[VisitRepairFinding] = field(default_factory=list)
    hazards: list[VisitHazardFinding] = field(default_factory=list)
    tenancy_concerns: list[VisitTenancyConcern] = field(default_factory=list)
    rooms: list[RoomInspected] = field(default_factory=list)
    communal_issues: list[CommunalIssue] = field(default_factory=list)
    customer_actions: list[CustomerAction] = field(default_factory=list)


def inventory_recorded() -> ColumnElement[bool]:
    """The visit's report holds a room-by-room inventory: at least one room rated
    (ix_visit_room_visit_id). A full visit completed from a draft always has one (the
    draft requires a room); one completed by the one-shot report never does, since that
    report takes no rooms (ADR 0098)."""
    return exists().where(col(RoomInspected.visit_id) == col(Visit.id))


async def get(
    session: AsyncSession, visit_id: uuid.UUID, *, for_update: bool = False
) -> Visit | None:
    """One visit; `for_update` locks it as recording its report does (FOR NO KEY
    UPDATE, the lock of record_report's UPDATE) and takes the row as it is once locked
    (populate_existing)."""
    if not for_update:
        return await session.get(Visit, visit_id)
    query = (
        select(Visit)
        .where(col(Visit.id) == visit_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )
    return (await session.execute(query)).scalars().first()


async def rebooking_of(session: AsyncSession, visit_id: uuid.UUID) -> Visit | None:
    """The visit booked to replace `visit_id`, if there is one."""
    query = select(Visit).where(col(Visit.rebooked_from_visit_id) == visit_id)
    return (await session.execute(query)).scalars().first()


async def page(
    session: AsyncSession,
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
    uprn: str | None,
    status: VisitStatus | None,
) -> list[Visit]:
    """Visits latest-scheduled first; ties broken by id, so the order is stable."""
    query = (
        select(Visit).order_by(col(Visit.scheduled_for).desc(), col(Visit.id).desc()).limit(limit)
    )
    if after is not None:
        scheduled_for, visit_id = after
        query = query.where(
            or_(
                col(Visit.scheduled_for) < scheduled_for,
                and_(col(Visit.scheduled_for) == scheduled_for, col(Visit.id) < visit_id),
            )
        )
    if uprn is not None:
        query = query.where(col(Visit.uprn) == uprn)
    if status is not None:
        query = query.where(col(Visit.status) == status)
    return list((await session.execute(query)).scalars().all())


async def findings(
    session: AsyncSession, visit_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, Findings]:
    """The findings of each visit in `visit_ids` (three queries, whatever the count)."""
    found = {visit_id: Findings() for visit_id in visit_ids}
    if not visit_ids:
        return found
    repairs = await session.execute(
        select(VisitRepairFinding)
        .where(col(VisitRepairFinding.visit_id).in_(visit_ids))
        .order_by(col(VisitRepairFinding.visit_id), col(VisitRepairFinding.position))
    )
    for repair in repairs.scalars():
        found[repair.visit_id].repairs.append(repair)
    hazards = await session.execute(
        select(VisitHazardFinding)
        .where(col(VisitHazardFinding.visit_id).in_(visit_ids))
        .order_by(col(VisitHazardFinding.visit_id), col(VisitHazardFinding.position))
    )
    for hazard in hazards.scalars():
        found[hazard.visit_id].hazards.append(hazard)
    concerns = await session.execute(
        select(VisitTenancyConcern)
        .where(col(VisitTenancyConcern.visit_id).in_(visit_ids))
        .order_by(col(VisitTenancyConcern.visit_id), col(VisitTenancyConcern.position))
    )
    for concern in concerns.scalars():
        found[concern.visit_id].tenancy_concerns.append(concern)
    rooms = await session.execute(
        select(RoomInspected)
        .where(col(RoomInspected.visit_id).in_(visit_ids))
        .order_by(col(RoomInspected.visit_id), col(RoomInspected.position))
    )
    for room in rooms.scalars():
        found[room.visit_id].rooms.append(room)
    issues = await session.execute(
        select(CommunalIssue)
        .where(col(CommunalIssue.visit_id).in_(visit_ids))
        .order_by(col(CommunalIssue.visit_id), col(CommunalIssue.position))
    )
    for issue in issues.scalars():
        found[issue.visit_id].communal_issues.append(issue)
    actions = await session.execute(
        select(CustomerAction)
        .where(col(CustomerAction.visit_id).in_(visit_ids))
        .order_by(
            col(CustomerAction.visit_id), col(CustomerAction.promised_at), col(CustomerAction.id)
        )
    )
    for action in actions.scalars():
        found[action.visit_id].customer_actions.append(action)
    return found


_visit = inspect(Visit).local_table
VISIT_COLUMNS = (
    "id",
    "uprn",
    "kind",
    "channel",
    "status",
    "scheduled_for",
    "scheduled_end",
    "officer",
    "tenancy_id",
    "rebooked_from_visit_id",
    "attempt_number",
    "reported_at",
    "household_confirmed",
    "no_access_reason",
    "decline_reason",
    "notes",
    "stock_condition_survey",
    "paired_check_id",
    "visited_at",
    "resident_id",
    "household_size",
    "details_corrected",
    "vulnerability_consent",
    "inventory_added_at",
)
"""The visit's columns its public entry shows (schemas.VisitPublic)."""

REPAIR, HAZARD, CONCERN, ROOM, COMMUNAL_ISSUE, CUSTOMER_ACTION = range(1, 7)
"""Which finding a row of the page statement carries (`part`), in the order shown."""


def _text(value: Any) -> Any:
    """A text column of the findings' union, read as plain text whatever its column's
    type (each part's enum is validated by the response model)."""
    return type_coerce(value, String) if value is not None else sql_cast(null(), String)


def _finding(
    table: Any,
    part: int,
    pages: Any,
    *,
    texts: tuple[Any, ...],
    photos: Any = None,
    components: Any = None,
    due_on: Any = None,
    promised_at: Any = None,
    closed_at: Any = None,
    closed_at_visit_id: Any = None,
    lapsed_at: Any = None,
    position: bool = True,
) -> Select[Any]:
    """One kind of finding as a branch of the union: the same columns for every kind
    (NULL, typed, where a kind has none), only the findings of the page's visits."""
    padded = (*texts, *([None] * (4 - len(texts))))
    return core_select(
        literal_column(str(part), Integer).label("part"),
        table.c.visit_id.label("finding_visit_id"),
        (table.c.position if position else sql_cast(null(), Integer)).label("position"),
        table.c.id.label("finding_id"),
        *(_text(value).label(f"text_{n}") for n, value in enumerate(padded, 1)),
        (photos if photos is not None else sql_cast(null(), JSON)).label("photos"),
        (components if components is not None else sql_cast(null(), JSON)).label("components"),
        (due_on if due_on is not None else sql_cast(null(), Date)).label("due_on"),
        (promised_at if promised_at is not None else sql_cast(null(), AwareDateTime)).label(
            "promised_at"
        ),
        (closed_at if closed_at is not None else sql_cast(null(), AwareDateTime)).label(
            "closed_at"
        ),
        (closed_at_visit_id if closed_at_visit_id is not None else sql_cast(null(), Uuid)).label(
            "closed_at_visit_id"
        ),
        (lapsed_at if lapsed_at is not None else sql_cast(null(), AwareDateTime)).label(
            "lapsed_at"
        ),
    ).where(table.c.visit_id.in_(core_select(pages.c.id)))


@cache
def _page_statement(*, after: bool, uprn: bool, status: bool) -> Select[Any]:
    """A page of visits, latest scheduled first, with everything each found, in one
    round trip: the page (a CTE, so the limit counts visits) outer-joined to the union
    of its findings of every kind, one row per finding (`part` says which kind), or
    one row with no finding. Built once per combination of filters."""
    page = (
        core_select(*(_visit.c[name] for name in VISIT_COLUMNS))
        .order_by(_visit.c.scheduled_for.desc(), _visit.c.id.desc())
        .limit(bindparam("limit"))
    )
    if after:
        page = page.where(
            tuple_(_visit.c.scheduled_for, _visit.c.id)
            < tuple_(
                bindparam("after_scheduled_for", type_=_visit.c.scheduled_for.type),
                bindparam("after_id", type_=_visit.c.id.type),
            )
        )
    if uprn:
        page = page.where(_visit.c.uprn == bindparam("uprn"))
    if status:
        page = page.where(_visit.c.status == bindparam("status"))
    pages = page.cte("page")
    repair = inspect(VisitRepairFinding).local_table
    hazard = inspect(VisitHazardFinding).local_table
    concern = inspect(VisitTenancyConcern).local_table
    room = inspect(RoomInspected).local_table
    issue = inspect(CommunalIssue).local_table
    action = inspect(CustomerAction).local_table
    findings = union_all(
        _finding(
            repair,
            REPAIR,
            pages,
            texts=(repair.c.description, repair.c.location, repair.c.trade, repair.c.severity),
        ),
        _finding(
            hazard,
            HAZARD,
            pages,
            texts=(
                hazard.c.hazard_type,
                hazard.c.severity,
                hazard.c.location,
                hazard.c.description,
            ),
        ),
        _finding(concern, CONCERN, pages, texts=(concern.c.concern, concern.c.notes)),
        _finding(
            room,
            ROOM,
            pages,
            texts=(room.c.room, room.c.condition, room.c.notes),
            photos=room.c.photos,
            components=room.c.components,
        ),
        _finding(
            issue,
            COMMUNAL_ISSUE,
            pages,
            texts=(issue.c.issue, issue.c.location, issue.c.description),
        ),
        _finding(
            action,
            CUSTOMER_ACTION,
            pages,
            texts=(action.c.uprn, action.c.description),
            due_on=action.c.due_on,
            promised_at=action.c.promised_at,
            closed_at=action.c.closed_at,
            closed_at_visit_id=action.c.closed_at_visit_id,
            lapsed_at=action.c.lapsed_at,
            position=False,
        ),
    ).subquery("finding")
    return (
        core_select(
            *(pages.c[name] for name in VISIT_COLUMNS),
            *(findings.c[name] for name in FINDING_COLUMNS),
        )
        .select_from(pages.outerjoin(findings, findings.c.finding_visit_id == pages.c.id))
        .order_by(
            pages.c.scheduled_for.desc(),
            pages.c.id.desc(),
            findings.c.part,
            findings.c.position,
            findings.c.promised_at,
            findings.c.finding_id,
        )
    )


FINDING_COLUMNS = (
    "part",
    "finding_visit_id",
    "finding_id",
    "text_1",
    "text_2",
    "text_3",
    "text_4",
    "photos",
    "components",
    "due_on",
    "promised_at",
    "closed_at",
    "closed_at_visit_id",
    "lapsed_at",
)


async def page_rows(
    connection: ReadConnection,
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
    uprn: str | None,
    status: VisitStatus | None,
) -> list[Row[Any]]:
    """Visits latest-scheduled first (ties by id), one row per finding of any kind in
    the order the report gave them (VISIT_COLUMNS and FINDING_COLUMNS): one statement
    on a read connection, no ORM objects."""
    statement = _page_statement(
        after=after is not None, uprn=uprn is not None, status=status is not None
    )
    values: dict[str, Any] = {"limit": limit, "uprn": uprn, "status": status}
    if after is not None:
        values["after_scheduled_for"], values["after_id"] = after
    return list((await connection.execute(statement, values)).all())


def add(session: AsyncSession, visit: Visit) -> None:
    session.add(visit)


def add_findings(session: AsyncSession, findings: Findings) -> None:
    session.add_all(
        [
            *findings.repairs,
            *findings.hazards,
            *findings.tenancy_concerns,
            *findings.rooms,
            *findings.communal_issues,
            *findings.customer_actions,
        ]
    )


def still_owed(at: datetime | None = None) -> ColumnElement[bool]:
    """A customer action not lapsed (`at`: not lapsed by that moment; the household it
    was promised to left later)."""
    lapsed_at = col(CustomerAction.lapsed_at)
    return lapsed_at.is_(None) if at is None else or_(lapsed_at.is_(None), lapsed_at > at)


async def open_actions(
    session: AsyncSession, uprn: str, *, at: datetime | None = None
) -> list[CustomerAction]:
    """Customer actions promised at the home, not closed and not lapsed, oldest first.
    `at`: open at that moment (a visit then can still close one that lapsed after it: a
    report uploaded after the household left, of a visit made before)."""
    query = (
        select(CustomerAction)
        .where(
            col(CustomerAction.uprn) == uprn,
            col(CustomerAction.closed_at).is_(None),
            still_owed(at),
        )
        .order_by(col(CustomerAction.promised_at), col(CustomerAction.id))
    )
    return list((await session.execute(query)).scalars().all())


async def lapse_actions(
    session: AsyncSession,
    *,
    tenancy_id: uuid.UUID,
    uprn: str,
    lived_there_from: datetime | None,
    left_at: datetime,
) -> int:
    """Lapse the home's open customer actions promised to a household that has left
    (its tenancy `tenancy_id` ended or withdrawn): those promised at a visit with that
    tenancy, and those at a visit that named none made while it ran (from
    `lived_there_from`, its first London day, when known, until `left_at`). Each keeps
    `left_at` as when it lapsed. Only open ones not lapsed already: a redelivered or
    replayed event lapses nothing again and moves no date; a closed one stays closed.
    How many lapsed."""
    with_tenancy = core_select(col(Visit.id)).where(
        col(Visit.uprn) == uprn, col(Visit.tenancy_id) == tenancy_id
    )
    promised_to: ColumnElement[bool] = col(CustomerAction.visit_id).in_(with_tenancy)
    if lived_there_from is not None:
        naming_none = core_select(col(Visit.id)).where(
            col(Visit.uprn) == uprn, col(Visit.tenancy_id).is_(None)
        )
        promised_to = or_(
            promised_to,
            and_(
                col(CustomerAction.visit_id).in_(naming_none),
                col(CustomerAction.promised_at) >= lived_there_from,
                col(CustomerAction.promised_at) < left_at,
            ),
        )
    result = cast(
        CursorResult[Any],
        await session.execute(
            update(CustomerAction)
            .where(
                col(CustomerAction.uprn) == uprn,
                col(CustomerAction.closed_at).is_(None),
                col(CustomerAction.lapsed_at).is_(None),
                promised_to,
            )
            .values(lapsed_at=left_at, lapsed_with_tenancy_id=tenancy_id)
            .execution_options(synchronize_session=False)
        ),
    )
    return int(result.rowcount)


async def close_actions(
    session: AsyncSession,
    *,
    uprn: str,
    action_ids: Sequence[uuid.UUID],
    closed_at: datetime,
    visit_id: uuid.UUID,
) -> int:
    """Close the home's open actions among `action_ids`; how many were closed. One that
    lapsed after `closed_at` (the visit closing it was made before the household left)
    is closed, no longer lapsed: it was done."""
    if not action_ids:
        return 0
    result = cast(
        CursorResult[Any],
        await session.execute(
            update(CustomerAction)
            .where(
                col(CustomerAction.id).in_(action_ids),
                col(CustomerAction.uprn) == uprn,
                col(CustomerAction.closed_at).is_(None),
                still_owed(closed_at),
            )
            .values(
                closed_at=closed_at,
                closed_at_visit_id=visit_id,
                lapsed_at=None,
                lapsed_with_tenancy_id=None,
            )
            .execution_options(synchronize_session=False)
        ),
    )
    return int(result.rowcount)


async def completed_visits(session: AsyncSession, uprn: str) -> list[Visit]:
    """The home's completed visits, latest first (what the next visit's kind follows)."""
    query = (
        select(Visit)
        .where(col(Visit.uprn) == uprn, col(Visit.status) == VisitStatus.COMPLETED)
        .order_by(col(Visit.visited_at).desc())
    )
    return list((await session.execute(query)).scalars().all())


async def record_report(
    session: AsyncSession, visit: Visit, status: VisitStatus, **values: Any
) -> bool:
    """Move a still-scheduled visit to `status` with the report's values. False when
    another report got there first (the row is no longer scheduled)."""
    result = cast(
        CursorResult[Any],
        await session.execute(
            update(Visit)
            .where(col(Visit.id) == visit.id, col(Visit.status) == VisitStatus.SCHEDULED)
            .values(status=status, version=col(Visit.version) + 1, **values)
            .execution_options(synchronize_session=False)
        ),
    )
    if result.rowcount != 1:
        return False
    await session.refresh(visit)
    return True


async def name_tenancy(session: AsyncSession, visit: Visit, tenancy_id: uuid.UUID) -> None:
    """Name the tenancy of a visit in place of the one it names as read (none, or one
    that did not hold the home on its day: ADR 0210, 0228); its version moves on."""
    named = (
        col(Visit.tenancy_id).is_(None)
        if visit.tenancy_id is None
        else col(Visit.tenancy_id) == visit.tenancy_id
    )
    await session.execute(
        update(Visit)
        .where(col(Visit.id) == visit.id, named)
        .values(tenancy_id=tenancy_id, version=col(Visit.version) + 1)
        .execution_options(synchronize_session=False)
    )
    await session.refresh(visit)


async def pair_with_check(session: AsyncSession, visit_id: uuid.UUID, check_id: uuid.UUID) -> bool:
    """Name the check done on the same trip, on a booked full visit not paired yet.
    False when the visit is not one to pair (or already paired)."""
    result = cast(
        CursorResult[Any],
        await session.execute(
            update(Visit)
            .where(
                col(Visit.id) == visit_id,
                col(Visit.status) == VisitStatus.SCHEDULED,
                col(Visit.kind) == VisitKind.FULL,
                col(Visit.paired_check_id).is_(None),
            )
            .values(paired_check_id=check_id, version=col(Visit.version) + 1)
            .execution_options(synchronize_session=False)
        ),
    )
    return bool(result.rowcount == 1)


async def add_inventory(
    session: AsyncSession, visit: Visit, rooms: Sequence[RoomInspected], added_at: datetime
) -> None:
    """Keep a completed visit's room inventory, added after its report, and when."""
    session.add_all(rooms)
    await session.execute(
        update(Visit)
        .where(col(Visit.id) == visit.id)
        .values(inventory_added_at=added_at, version=col(Visit.version) + 1)
        .execution_options(synchronize_session=False)
    )
    await session.flush()
    await session.refresh(visit)
