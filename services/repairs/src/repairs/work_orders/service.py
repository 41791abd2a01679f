"""Use cases for repair requests. Never commits: the caller owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts.events.repairs import RepairPriority, RepairReportedV3, RepairSourceV2
from hearth_contracts.events.visits import Trade
from hearth_kit.db import ReadConnection
from hearth_kit.outbox import publish
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import NotFound, Unprocessable
from hearth_kit.working_days import ENGLAND_AND_WALES, WorkingDayCalendar
from repairs.awaab.service import AwaabService
from repairs.models import KnownHome, RepairRequest, RepairStatus
from repairs.settings import DEFAULT_REPORT_WINDOW_YEARS, ResponseTargets
from repairs.work_orders import repository, rules
from repairs.work_orders.schemas import HomeAddress, RepairCreate, RepairPublic


def to_public(
    repair: RepairRequest,
    home: KnownHome | None = None,
    now: datetime | None = None,
    open_work: Sequence[tuple[datetime, RepairPriority]] = (),
) -> RepairPublic:
    """The repair as the API shows it; `open_work` its work orders still open (`required_by`
    and priority: repository.open_work), by which an emergency made safe is overdue."""
    now = now or datetime.now(UTC)
    return RepairPublic.model_validate(
        {
            **repair.model_dump(),
            "overdue": repair.status is RepairStatus.OPEN
            and rules.overdue(
                repair.target_at, repair.priority, now, repair.made_safe_at, open_work
            ),
            "address": HomeAddress.model_validate(home) if home is not None else None,
        }
    )


def public_of_row(row: Row[Any], now: datetime) -> RepairPublic:
    """The public entry from one row of repository.page_rows (the repair's columns, its
    home's address, NULL while unknown, and the earliest targets of its open work orders),
    without loading ORM objects."""
    fields = row._mapping
    # the earliest open work order's target of each rule (rules.completed_on_time), and
    # the earliest due of a follow-on asked for and not raised: the first of them
    # overdue, as every open one is read (rules.overdue's open_work)
    open_work = [
        (required_by, priority)
        for required_by, priority in (
            (fields[repository.OPEN_EMERGENCY_WORK], RepairPriority.EMERGENCY),
            (fields[repository.OPEN_OTHER_WORK], rules.FOLLOW_ON_OF_AN_EMERGENCY),
            (fields[repository.FOLLOW_ON_NOT_RAISED], rules.FOLLOW_ON_OF_AN_EMERGENCY),
        )
        if required_by is not None
    ]
    return RepairPublic(
        **{name: fields[name] for name in repository.ENTRY_COLUMNS},
        overdue=fields["status"] is RepairStatus.OPEN
        and rules.overdue(
            fields["target_at"], fields["priority"], now, fields["made_safe_at"], open_work
        ),
        address=None
        if fields["town"] is None
        else HomeAddress(**{name: fields[name] for name in repository.ADDRESS_COLUMNS}),
    )


async def page_of_repairs(
    connection: ReadConnection,
    page: PageParams,
    *,
    uprn: str | None,
    status: RepairStatus | None,
    appointment_request_id: uuid.UUID | None,
    overdue: bool | None = None,
) -> Page[RepairPublic]:
    """Repair requests in id order, each with its home's address, a page at a time:
    one statement on a read connection, rows straight into the public entry. A module
    function: it needs no configuration, so its route resolves no service dependency.
    `overdue` keeps only those overdue now (True) or only the others (False), by the
    rule each entry's `overdue` shows (rules.overdue)."""
    now = datetime.now(UTC)
    rows = await repository.page_rows(
        connection,
        uprn=uprn,
        status=status,
        appointment_request_id=appointment_request_id,
        overdue=overdue,
        now=now,
        non_emergency_overdue_before=rules.overdue_if_target_before(now),
        after=page.after_as(uuid.UUID),
        limit=page.fetch,
    )
    return Page.from_rows(
        [public_of_row(row, now) for row in rows],
        page.limit,
        cursor_of=lambda repair: (repair.id,),
    )


async def with_addresses(session: AsyncSession, repairs: list[RepairRequest]) -> list[RepairPublic]:
    """Repairs as the API shows them, each with its home's address where known."""
    homes = await repository.known_homes(session, {r.uprn for r in repairs})
    work = await repository.open_work(session, (r.id for r in repairs if r.made_safe_at))
    return [to_public(r, homes.get(r.uprn), open_work=work.get(r.id, ())) for r in repairs]


class RepairService:
    """Repair requests measured against the landlord's response targets, counted in the
    working days of `calendar` (bank holidays and the landlord's closure days)."""

    def __init__(
        self,
        targets: ResponseTargets | None = None,
        calendar: WorkingDayCalendar = ENGLAND_AND_WALES,
        report_window_years: int = DEFAULT_REPORT_WINDOW_YEARS,
        awaab: AwaabService | None = None,
    ) -> None:
        self.targets = targets or ResponseTargets()
        self.calendar = calendar
        self.report_window_years = report_window_years
        self.awaab = awaab

    def target_for(self, reported_at: datetime, priority: RepairPriority) -> datetime:
        return rules.target_completion(
            reported_at,
            priority,
            calendar=self.calendar,
            emergency_hours=self.targets.emergency_hours,
            urgent_working_days=self.targets.urgent_working_days,
            routine_working_days=self.targets.routine_working_days,
            planned_days=self.targets.planned_days,
        )

    async def report(
        self,
        session: AsyncSession,
        *,
        uprn: str,
        description: str,
        location: str,
        trade: Trade,
        priority: RepairPriority,
        source: RepairSourceV2,
        reported_at: datetime,
        visit_id: uuid.UUID | None = None,
        complaint_id: uuid.UUID | None = None,
        finding_id: uuid.UUID | None = None,
        appointment_request_id: uuid.UUID | None = None,
        safety_defect_id: uuid.UUID | None = None,
        remedy_by: datetime | None = None,
    ) -> RepairRequest:
        """Raise a repair request with its target date and announce it (repair-reported).
        A safety defect's `remedy_by`, when given, brings the target forward to it if it
        is earlier than the priority's target.

        Every repair is raised here, whatever its source, so this is where it is decided
        whether it is communal (a repair to a block's communal areas, kept for
        repair-completed to say so): its UPRN is some home's block in repairs' copy of
        the asset register. The UPRN says where the work is; no source gives a flag that
        could contradict it (docs/adr/0044)."""
        repair = RepairRequest(
            uprn=uprn,
            description=description,
            location=location,
            trade=trade,
            priority=priority,
            source=source,
            reported_at=reported_at,
            target_at=rules.target_with_remedy_by(
                self.target_for(reported_at, priority), remedy_by
            ),
            visit_id=visit_id,
            finding_id=finding_id,
            appointment_request_id=appointment_request_id,
            safety_defect_id=safety_defect_id,
            complaint_id=complaint_id,
            communal=await repository.is_a_block(session, uprn),
            created_at=datetime.now(UTC),
        )
        repository.add(session, repair)
        await session.flush()
        await publish(
            session,
            RepairReportedV3(  # no description or location: free text (docs/adr/0048)
                repair_id=repair.id,
                uprn=repair.uprn,
                trade=repair.trade,
                priority=repair.priority,
                source=repair.source,
                reported_at=repair.reported_at,
                target_at=repair.target_at,
                appointment_request_id=repair.appointment_request_id,
                visit_id=repair.visit_id,
                complaint_id=repair.complaint_id,
            ),
        )
        return repair

    async def report_from_contact(self, session: AsyncSession, data: RepairCreate) -> RepairPublic:
        """A repair reported by a resident or on their behalf, as the API shows it: the
        priority given, or the one its triage answers call for; the clock starts when it
        was reported (never in the future, nor more than `report_window_years` ago). A
        complaint's id goes only with a complaint
        as the source. Damp and mould reported so opens an Awaab's Law case, its
        investigation clock from the report (AwaabService.open_for_reported_damp;
        docs/adr/0156)."""
        now = datetime.now(UTC)
        if data.reported_at is not None and data.reported_at > now:
            raise Unprocessable("reported_at is in the future", field="reported_at")
        if data.reported_at is not None and data.reported_at < rules.earliest_report(
            now, self.report_window_years
        ):
            raise Unprocessable(
                f"reported_at is more than {self.report_window_years} years ago",
                field="reported_at",
            )
        if data.complaint_id is not None and data.source is not RepairSourceV2.COMPLAINT:
            raise Unprocessable(
                "complaint_id goes only with source complaint", field="complaint_id"
            )
        if data.priority is not None and data.triage is None:
            priority = data.priority
        elif data.triage is not None and data.priority is None:
            priority = rules.triage(data.triage)
        else:
            raise Unprocessable("Give either priority or triage answers", field="priority")
        repair = await self.report(
            session,
            uprn=data.uprn,
            description=data.description,
            location=data.location,
            trade=data.trade,
            priority=priority,
            source=data.source,
            reported_at=data.reported_at or now,
            complaint_id=data.complaint_id,
        )
        if self.awaab is not None:
            await self.awaab.open_for_reported_damp(
                session,
                uprn=repair.uprn,
                trade=repair.trade,
                source=repair.source,
                reported_at=repair.reported_at,
                complaint_id=repair.complaint_id,
            )
        (public,) = await with_addresses(session, [repair])
        return public

    async def get(self, session: AsyncSession, repair_id: uuid.UUID) -> RepairPublic:
        repair = await repository.get(session, repair_id)
        if repair is None:
            raise NotFound(f"No repair {repair_id}")
        (public,) = await with_addresses(session, [repair])
        return public
