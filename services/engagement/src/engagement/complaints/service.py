"""Use cases for complaints on the Complaint Handling Code's clocks, and service
requests recorded apart. Never commits: the caller owns the transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from engagement import metrics
from engagement.complaints import repository, rules
from engagement.complaints.schemas import (
    ComplaintAcknowledge,
    ComplaintCreate,
    ComplaintEscalate,
    ComplaintExtend,
    ComplaintPublic,
    ComplaintRespond,
    ComplaintStagePublic,
    NextDeadline,
    ServiceRequestCreate,
    ServiceRequestPublic,
)
from engagement.messages.service import MessageService
from engagement.messages.templates import long_date, stage_name
from engagement.models import Complaint, ComplaintStageRecord, ComplaintStatus, ServiceRequest
from engagement.residents import repository as residents
from engagement.residents.named import resident_named
from engagement.residents.service import require_of_the_home
from hearth_contracts.events.engagement import (
    ComplaintDeadline,
    ComplaintDeadlineBreached,
    ComplaintEscalated,
    ComplaintReceived,
    ComplaintStage,
)
from hearth_kit.auth import Caller
from hearth_kit.outbox import publish
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import Conflict, NotFound, ProblemError, Unprocessable
from hearth_kit.working_days import WorkingDayCalendar, london_day

BREACH_BATCH = 500
DEFAULT_REPORT_WINDOW_YEARS = 10


class Stage1Handler(ProblemError):
    """A stage 2 action by one of stage 1's people: who acknowledged or answered it, or
    the handler named for it (the Code: a different person handles stage 2,
    docs/adr/0206). 403: the request is well formed, this caller may not make it."""

    status, title, slug = 403, "Forbidden", "stage-2-by-stage-1-handler"


STAGE_1_HANDLER_RESPONSE: dict[int | str, dict[str, Any]] = {
    403: {
        "description": "Stage 2 by a person who acknowledged or answered stage 1, or "
        "was named its handler (problem details, type .../stage-2-by-stage-1-handler)"
    }
}
"""The 403 the stage 2 actions document (the endpoints' `responses`)."""


def person(caller: Caller) -> str:
    """Who the caller is, as kept on a stage (the token's subject, as long as the
    column holds)."""
    return caller.subject[:200]


def refuse_future(moment: datetime, now: datetime, field: str) -> None:
    """A clock starts when the thing happened, which cannot be later than now."""
    if moment > now:
        raise Unprocessable(f"{field} is in the future", field=field)


def stage_public(record: ComplaintStageRecord) -> ComplaintStagePublic:
    answered = (
        rules.answered_in_time(record.responded_at, record.respond_by)
        if record.responded_at is not None and record.respond_by is not None
        else None
    )
    return ComplaintStagePublic(
        stage=record.stage,
        requested_at=record.requested_at,
        acknowledge_by=record.acknowledge_by,
        acknowledged_at=record.acknowledged_at,
        acknowledged_by=record.acknowledged_by,
        handler=record.handler,
        respond_by=record.respond_by,
        code_respond_by=record.code_respond_by,
        extended=record.extension_agreed_at is not None,
        extension_reason=record.extension_reason,
        responded_at=record.responded_at,
        responded_by=record.responded_by,
        answered_in_time=answered,
    )


def next_deadline(record: ComplaintStageRecord, now: datetime) -> NextDeadline | None:
    if record.acknowledged_at is None:
        return NextDeadline(
            stage=record.stage,
            deadline=ComplaintDeadline.ACKNOWLEDGE,
            due_on=record.acknowledge_by,
            overdue=rules.has_passed(record.acknowledge_by, now),
        )
    if record.responded_at is None and record.respond_by is not None:
        return NextDeadline(
            stage=record.stage,
            deadline=ComplaintDeadline.RESPOND,
            due_on=record.respond_by,
            overdue=rules.has_passed(record.respond_by, now),
        )
    return None


def to_public(
    complaint: Complaint, stages: list[ComplaintStageRecord], now: datetime
) -> ComplaintPublic:
    current = next((s for s in stages if s.stage == complaint.stage), None)
    return ComplaintPublic(
        id=complaint.id,
        uprn=complaint.uprn,
        resident_id=complaint.resident_id,
        category=complaint.category,
        medium=complaint.medium,
        summary=complaint.summary,
        repair_id=complaint.repair_id,
        received_at=complaint.received_at,
        stage=complaint.stage,
        status=complaint.status,
        root_cause=complaint.root_cause,
        learning=complaint.learning,
        remedy=complaint.remedy,
        compensation_pence=complaint.compensation_pence,
        stages=[stage_public(s) for s in stages],
        next_deadline=next_deadline(current, now) if current is not None else None,
    )


@dataclass(frozen=True)
class DeadlineLaterThanTheCode:
    """An open stage whose stored deadline is later than the one the Code's working days
    give from the same start: recorded before docs/adr/0041 with the landlord's closure
    days skipped. `stored` and `code` are the acknowledgement's date, or the answer's
    date the Code set (`code_respond_by`); `stored` moves to `code`, never later. An
    agreed extension (`extended_to`, the stage's `respond_by`) is never moved: it is
    only checked against the stage's limit counted from `code` (`extension_limit`)."""

    complaint_id: uuid.UUID
    stage: ComplaintStage
    deadline: ComplaintDeadline
    stored: date
    code: date
    overdue: bool
    """The moved deadline's day is already over: the breach job raises it (not for an
    extension, whose date in force stays)."""
    breach_raised: bool
    """This deadline's breach was raised already, on the stored date: not raised again."""
    extended_to: date | None = None
    extension_limit: date | None = None

    @property
    def moves(self) -> bool:
        return self.code < self.stored

    @property
    def beyond_the_limit(self) -> bool:
        return (
            self.extended_to is not None
            and self.extension_limit is not None
            and self.extended_to > self.extension_limit
        )


def later_than_the_code(
    record: ComplaintStageRecord,
    timescale: rules.StageTimescale,
    calendar: WorkingDayCalendar,
    now: datetime,
) -> DeadlineLaterThanTheCode | None:
    """How an open stage's stored deadline stands against the Code's, recomputed from
    the same start (receipt or escalation request; the acknowledgement) in `calendar`:
    None when it is no later and no agreed extension is beyond its limit, and for a
    stage superseded by the next before its answer fell due (no answer owed)."""
    if record.responded_at is not None or record.superseded_at is not None:
        return None
    if record.acknowledged_at is None:
        code = rules.acknowledge_by(record.requested_at, timescale, calendar)
        if record.acknowledge_by <= code:
            return None
        return DeadlineLaterThanTheCode(
            complaint_id=record.complaint_id,
            stage=record.stage,
            deadline=ComplaintDeadline.ACKNOWLEDGE,
            stored=record.acknowledge_by,
            code=code,
            overdue=rules.has_passed(code, now),
            breach_raised=record.acknowledge_breach_raised_at is not None,
        )
    if record.code_respond_by is None or record.respond_by is None:
        return None
    code = min(
        record.code_respond_by, rules.respond_by(record.acknowledged_at, timescale, calendar)
    )
    breach_raised = record.respond_breach_raised_at is not None
    if record.extension_agreed_at is None:
        if record.respond_by <= code and record.code_respond_by <= code:
            return None
        return DeadlineLaterThanTheCode(
            complaint_id=record.complaint_id,
            stage=record.stage,
            deadline=ComplaintDeadline.RESPOND,
            stored=record.respond_by,
            code=code,
            overdue=rules.has_passed(code, now),
            breach_raised=breach_raised,
        )
    limit = rules.latest_extension(code, timescale, calendar)
    if record.code_respond_by <= code and record.respond_by <= limit:
        return None
    return DeadlineLaterThanTheCode(
        complaint_id=record.complaint_id,
        stage=record.stage,
        deadline=ComplaintDeadline.RESPOND,
        stored=record.code_respond_by,
        code=code,
        overdue=False,
        breach_raised=breach_raised,
        extended_to=record.respond_by,
        extension_limit=limit,
    )


class ComplaintService:
    def __init__(
        self,
        timescales: dict[ComplaintStage, rules.StageTimescale],
        calendar: WorkingDayCalendar,
        messages: MessageService | None = None,
        report_window_years: int = DEFAULT_REPORT_WINDOW_YEARS,
    ) -> None:
        self.timescales = timescales
        self.calendar = calendar
        self.messages = messages
        self.report_window_years = report_window_years

    async def receive(self, session: AsyncSession, data: ComplaintCreate) -> ComplaintPublic:
        """Record a complaint at stage 1; its acknowledgement is due 5 working days
        from the day it was received (publishes complaint-received). received_at is
        neither in the future nor more than `report_window_years` ago; a resident named
        lives at the complaint's home."""
        now = datetime.now(UTC)
        refuse_future(data.received_at, now, "received_at")
        if data.received_at < rules.earliest_receipt(now, self.report_window_years):
            raise Unprocessable(
                f"received_at is more than {self.report_window_years} years ago",
                field="received_at",
            )
        await require_of_the_home(session, data.resident_id, data.uprn)
        complaint = Complaint(
            id=uuid.uuid4(),
            uprn=data.uprn,
            resident_id=data.resident_id,
            category=data.category,
            medium=data.medium,
            summary=data.summary,
            repair_id=data.repair_id,
            received_at=data.received_at,
            stage=ComplaintStage.STAGE_1,
            status=ComplaintStatus.OPEN,
        )
        stage = ComplaintStageRecord(
            complaint_id=complaint.id,
            stage=ComplaintStage.STAGE_1,
            requested_at=data.received_at,
            acknowledge_by=rules.acknowledge_by(
                data.received_at, self.timescales[ComplaintStage.STAGE_1], self.calendar
            ),
        )
        repository.add(session, complaint)
        repository.add(session, stage)
        await session.flush()
        await publish(
            session,
            ComplaintReceived(
                complaint_id=complaint.id,
                uprn=complaint.uprn,
                resident_id=complaint.resident_id,
                category=complaint.category,
                medium=complaint.medium,
                repair_id=complaint.repair_id,
                received_at=complaint.received_at,
                acknowledge_by=stage.acknowledge_by,
            ),
        )
        return to_public(complaint, [stage], now)

    async def get(self, session: AsyncSession, complaint_id: uuid.UUID) -> ComplaintPublic:
        complaint = await self._complaint(session, complaint_id, for_update=False)
        stages = await repository.stages_of(session, [complaint.id])
        return to_public(complaint, stages[complaint.id], datetime.now(UTC))

    async def acknowledge(
        self,
        session: AsyncSession,
        complaint_id: uuid.UUID,
        data: ComplaintAcknowledge,
        caller: Caller,
    ) -> ComplaintPublic:
        """Acknowledge the current stage: the answer is due 10 (stage 1) or 20 (stage 2)
        working days from the acknowledgement. Stage 2 is handled by someone other than
        stage 1's handler: neither the `handler` named for stage 1 nor the caller who
        acknowledged or answered it. The caller is recorded (`acknowledged_by`)."""
        now = datetime.now(UTC)
        refuse_future(data.acknowledged_at, now, "acknowledged_at")
        complaint, stages = await self._with_stages(session, complaint_id)
        current = stages[-1]
        if current.acknowledged_at is not None:
            raise Conflict(
                f"Complaint {complaint_id} {current.stage.value} is already acknowledged",
                field="stage",
            )
        if data.acknowledged_at < current.requested_at:
            raise Unprocessable(
                "acknowledged_at is before the stage was requested", field="acknowledged_at"
            )
        if current.stage == ComplaintStage.STAGE_2:
            self._not_stage_1_handler(stages[0], data.handler)
            self._not_stage_1_caller(stages[0], caller)
        timescale = self.timescales[current.stage]
        current.acknowledged_at = data.acknowledged_at
        current.acknowledged_by = person(caller)
        current.handler = data.handler
        current.code_respond_by = rules.respond_by(data.acknowledged_at, timescale, self.calendar)
        current.respond_by = current.code_respond_by
        if rules.has_passed(current.acknowledge_by, data.acknowledged_at):
            await self._raise_breach(
                session, complaint.uprn, current, ComplaintDeadline.ACKNOWLEDGE, now
            )
        await self._acknowledgement_letter(session, complaint, current, now)
        await session.flush()
        return to_public(complaint, stages, now)

    async def _acknowledgement_letter(
        self,
        session: AsyncSession,
        complaint: Complaint,
        stage: ComplaintStageRecord,
        now: datetime,
    ) -> None:
        """Tell the resident it is acknowledged and when the answer is due (through the
        message pipeline, in their language and format)."""
        if self.messages is None or complaint.resident_id is None or stage.respond_by is None:
            return
        resident = await residents.get(session, complaint.resident_id)
        if resident is None:
            return
        await self.messages.queue(
            session,
            resident,
            "complaint_acknowledged",
            uuid.uuid5(complaint.id, stage.stage.value),
            {
                "stage": stage_name(stage.stage.value),
                "handler": "Our complaints team",
                "respond_by": long_date(stage.respond_by),
                "complaint_id": str(complaint.id),
            },
            now,
        )

    async def extend(
        self,
        session: AsyncSession,
        complaint_id: uuid.UUID,
        data: ComplaintExtend,
        caller: Caller,
    ) -> ComplaintPublic:
        """Put the current stage's answer back, with a reason and a new date agreed
        with the resident after the acknowledgement and before the deadline, recorded
        before the deadline has passed, within the stage's limit."""
        now = datetime.now(UTC)
        agreed_at = data.agreed_at or now
        refuse_future(agreed_at, now, "agreed_at")
        complaint, stages = await self._with_stages(session, complaint_id)
        current = stages[-1]
        if (
            current.respond_by is None
            or current.code_respond_by is None
            or current.acknowledged_at is None
        ):
            raise Conflict(
                f"Complaint {complaint_id} {current.stage.value} is not acknowledged", field="stage"
            )
        if current.responded_at is not None:
            raise Conflict(
                f"Complaint {complaint_id} {current.stage.value} is already answered",
                field="status",
            )
        if current.stage == ComplaintStage.STAGE_2:
            self._not_stage_1_caller(stages[0], caller)
        try:
            rules.check_extension(
                current_respond_by=current.respond_by,
                code_respond_by=current.code_respond_by,
                new_respond_by=data.new_respond_by,
                agreed_at=agreed_at,
                acknowledged_at=current.acknowledged_at,
                now=now,
                breach_raised=current.respond_breach_raised_at is not None,
                timescale=self.timescales[current.stage],
                calendar=self.calendar,
            )
        except rules.ExtensionRefused as refused:
            raise Unprocessable(str(refused), field=refused.field) from None
        current.respond_by = data.new_respond_by
        current.extension_reason = data.reason
        current.extension_agreed_at = agreed_at
        await self._extension_letter(session, complaint, current, now)
        await session.flush()
        return to_public(complaint, stages, now)

    async def _extension_letter(
        self,
        session: AsyncSession,
        complaint: Complaint,
        stage: ComplaintStageRecord,
        now: datetime,
    ) -> None:
        """Tell the complainant the new date in writing (DOMAIN: a new date told to the
        resident before the deadline), through the message pipeline in their channel,
        language and format; one message per new date. The reason is staff's own words,
        kept on the stage, not put in the letter (it may not be in the resident's
        language)."""
        if self.messages is None or complaint.resident_id is None or stage.respond_by is None:
            return
        resident = await residents.get(session, complaint.resident_id)
        if resident is None:
            return
        await self.messages.queue(
            session,
            resident,
            "complaint_extended",
            uuid.uuid5(complaint.id, f"{stage.stage.value}-extended-{stage.respond_by}"),
            {
                "stage": stage_name(stage.stage.value),
                "respond_by": long_date(stage.respond_by),
                "complaint_id": str(complaint.id),
            },
            now,
        )

    async def respond(
        self,
        session: AsyncSession,
        complaint_id: uuid.UUID,
        data: ComplaintRespond,
        caller: Caller,
    ) -> ComplaintPublic:
        """Answer the current stage, recording root cause, learning, remedy and
        compensation, and the caller (`responded_by`); the complaint is closed (a stage
        1 answer may be escalated). Stage 2 is not answered by stage 1's person."""
        now = datetime.now(UTC)
        refuse_future(data.responded_at, now, "responded_at")
        complaint, stages = await self._with_stages(session, complaint_id)
        current = stages[-1]
        if current.acknowledged_at is None or current.respond_by is None:
            raise Conflict(
                f"Complaint {complaint_id} {current.stage.value} is not acknowledged", field="stage"
            )
        if current.responded_at is not None:
            raise Conflict(
                f"Complaint {complaint_id} {current.stage.value} is already answered",
                field="status",
            )
        if data.responded_at < current.acknowledged_at:
            raise Unprocessable("responded_at is before the acknowledgement", field="responded_at")
        if current.stage == ComplaintStage.STAGE_2:
            self._not_stage_1_caller(stages[0], caller)
        current.responded_at = data.responded_at
        current.responded_by = person(caller)
        complaint.status = ComplaintStatus.CLOSED
        for name in ("root_cause", "learning", "remedy"):
            value = getattr(data, name)
            if value is not None:
                setattr(complaint, name, value)
        complaint.compensation_pence += data.compensation_pence
        if rules.has_passed(current.respond_by, data.responded_at):
            await self._raise_breach(
                session, complaint.uprn, current, ComplaintDeadline.RESPOND, now
            )
        await session.flush()
        return to_public(complaint, stages, now)

    async def escalate(
        self, session: AsyncSession, complaint_id: uuid.UUID, data: ComplaintEscalate
    ) -> ComplaintPublic:
        """Escalate to stage 2 at the resident's request: acknowledged within 5 working
        days of the request, by someone other than stage 1's handler (publishes
        complaint-escalated). Judged when the resident asked (`requested_at`): stage 1
        answered or late then. A request made while stage 1's acknowledgement was late
        stands though stage 1 was acknowledged (late) before it was recorded, which puts
        stage 1 in time again for its answer: the resident's right to ask was theirs
        when they asked, and stage 2's clock runs from then (docs/adr/0205). A 409 only
        when stage 1 could be escalated neither then nor now. Stage 1's answer, not due
        yet when the resident asked, is owed no more (`superseded_at`): the breach job
        raises none for it."""
        now = datetime.now(UTC)
        refuse_future(data.requested_at, now, "requested_at")
        complaint, stages = await self._with_stages(session, complaint_id)
        if complaint.stage == ComplaintStage.STAGE_2:
            raise Conflict(f"Complaint {complaint_id} is already at stage 2", field="stage")
        first = stages[0]

        def escalatable_at(moment: datetime) -> bool:
            return rules.stage_1_escalatable_at(
                acknowledge_by=first.acknowledge_by,
                acknowledged_at=first.acknowledged_at,
                respond_by=first.respond_by,
                responded_at=first.responded_at,
                moment=moment,
            )

        asked_when_escalatable = escalatable_at(data.requested_at)
        if not asked_when_escalatable and not escalatable_at(now):
            raise Conflict(
                f"Complaint {complaint_id} stage 1 is neither answered nor past its deadline",
                field="stage",
            )
        if data.requested_at < complaint.received_at:
            raise Unprocessable("requested_at is before the complaint", field="requested_at")
        if not asked_when_escalatable:
            raise Unprocessable(
                "requested_at is before stage 1 was answered, while stage 1 was still "
                "within its deadline",
                field="requested_at",
            )
        if data.handler is not None:
            self._not_stage_1_handler(first, data.handler)
        second = ComplaintStageRecord(
            complaint_id=complaint.id,
            stage=ComplaintStage.STAGE_2,
            requested_at=data.requested_at,
            acknowledge_by=rules.acknowledge_by(
                data.requested_at, self.timescales[ComplaintStage.STAGE_2], self.calendar
            ),
            handler=data.handler,
        )
        if (
            first.responded_at is None
            and first.respond_by is not None
            and not rules.has_passed(first.respond_by, data.requested_at)
        ):
            first.superseded_at = data.requested_at
        complaint.stage = ComplaintStage.STAGE_2
        complaint.status = ComplaintStatus.OPEN
        repository.add(session, second)
        await session.flush()
        stages.append(second)
        await publish(
            session,
            ComplaintEscalated(
                complaint_id=complaint.id,
                uprn=complaint.uprn,
                category=complaint.category,
                requested_at=second.requested_at,
                acknowledge_by=second.acknowledge_by,
            ),
        )
        return to_public(complaint, stages, now)

    async def page(
        self,
        session: AsyncSession,
        page: PageParams,
        *,
        resident_id: uuid.UUID | None,
        uprn: str | None,
        status: ComplaintStatus | None,
    ) -> Page[ComplaintPublic]:
        """Complaints in the order received, with their stages and next deadline. A
        resident merged into another (ADR 0124) has none left under their id: a 422
        naming the resident kept, not an empty page (ADR 0138)."""
        if resident_id is not None:
            await resident_named(session, resident_id, field="resident_id", location="query")
        complaints = await repository.page(
            session,
            after=page.after_as(datetime, uuid.UUID),
            limit=page.fetch,
            resident_id=resident_id,
            uprn=uprn,
            status=status,
        )
        stages = await repository.stages_of(session, [c.id for c in complaints])
        now = datetime.now(UTC)
        return Page.from_rows(
            [to_public(c, stages[c.id], now) for c in complaints],
            page.limit,
            cursor_of=lambda complaint: (complaint.received_at, complaint.id),
        )

    async def record_service_request(
        self, session: AsyncSession, data: ServiceRequestCreate
    ) -> ServiceRequestPublic:
        """A service request is recorded, apart from complaints and on no Code clock.
        received_at is held to the window a complaint's is (never in the future, nor more
        than `report_window_years` ago): a request that old is a typing slip. A resident
        named is of the request's home, as a complaint's (require_of_the_home)."""
        now = datetime.now(UTC)
        refuse_future(data.received_at, now, "received_at")
        if data.received_at < rules.earliest_receipt(now, self.report_window_years):
            raise Unprocessable(
                f"received_at is more than {self.report_window_years} years ago",
                field="received_at",
            )
        await require_of_the_home(session, data.resident_id, data.uprn)
        request = ServiceRequest(id=uuid.uuid4(), **data.model_dump())
        repository.add(session, request)
        await session.flush()
        return ServiceRequestPublic.model_validate(request)

    @staticmethod
    async def service_request(session: AsyncSession, request_id: uuid.UUID) -> ServiceRequestPublic:
        """One service request as recorded: what `POST /v1/service-requests` answered
        and its Location names, read with the list's scope (complaints:read,
        docs/adr/0177). A 404 for an id never recorded."""
        request = await repository.service_request(session, request_id)
        if request is None:
            raise NotFound(f"No service request {request_id}")
        return ServiceRequestPublic.model_validate(request)

    async def service_requests(
        self,
        session: AsyncSession,
        page: PageParams,
        *,
        uprn: str | None,
        resident_id: uuid.UUID | None,
    ) -> Page[ServiceRequestPublic]:
        """Service requests in the order received; a merged resident's id is a 422
        naming the resident kept, as for complaints (ADR 0138)."""
        if resident_id is not None:
            await resident_named(session, resident_id, field="resident_id", location="query")
        rows = await repository.service_requests_page(
            session,
            after=page.after_as(datetime, uuid.UUID),
            limit=page.fetch,
            uprn=uprn,
            resident_id=resident_id,
        )
        return Page.from_rows(
            [ServiceRequestPublic.model_validate(r) for r in rows],
            page.limit,
            cursor_of=lambda request: (request.received_at, request.id),
        )

    async def deadlines_later_than_the_code(
        self,
        session: AsyncSession,
        now: datetime,
        *,
        after: tuple[uuid.UUID, ComplaintStage] | None,
        limit: int,
    ) -> tuple[list[DeadlineLaterThanTheCode], tuple[uuid.UUID, ComplaintStage] | None]:
        """One batch of open stages (`limit` read, in (complaint, stage) order after
        `after`), each whose stored deadline is later than the Code's, or whose agreed
        extension is beyond its limit; and where the next batch starts (None when no
        stage was left to read). Reads only: nothing is locked or changed."""
        stages = await repository.open_stages(session, after=after, limit=limit)
        found = [
            finding
            for stage in stages
            if (
                finding := later_than_the_code(
                    stage, self.timescales[stage.stage], self.calendar, now
                )
            )
            is not None
        ]
        cursor = (stages[-1].complaint_id, stages[-1].stage) if stages else None
        return found, cursor

    async def bring_deadlines_forward(
        self, session: AsyncSession, complaint_id: uuid.UUID, now: datetime
    ) -> list[DeadlineLaterThanTheCode]:
        """Move one complaint's stored deadlines that are later than the Code's earlier,
        to the Code's dates, under the locks every change to a complaint takes (the
        complaint, then its stages: the breach job skips stages held), judged again on
        the locked rows (a stage acknowledged or answered since it was listed is left
        as it now stands). Never later; an agreed extension's date stays (only
        `code_respond_by`, its limit's start, moves). Publishes nothing and writes no
        letter (docs/adr/0041, amendment): a deadline now passed is raised by the breach
        job as any overdue stage is. What was found is returned, moved or not."""
        _complaint, stages = await self._with_stages(session, complaint_id)
        found: list[DeadlineLaterThanTheCode] = []
        for stage in stages:
            finding = later_than_the_code(stage, self.timescales[stage.stage], self.calendar, now)
            if finding is None:
                continue
            found.append(finding)
            if finding.deadline == ComplaintDeadline.ACKNOWLEDGE:
                stage.acknowledge_by = min(stage.acknowledge_by, finding.code)
                continue
            if stage.code_respond_by is not None:
                stage.code_respond_by = min(stage.code_respond_by, finding.code)
            if stage.extension_agreed_at is None and stage.respond_by is not None:
                stage.respond_by = min(stage.respond_by, finding.code)
        await session.flush()
        return found

    async def _complaint(
        self, session: AsyncSession, complaint_id: uuid.UUID, *, for_update: bool
    ) -> Complaint:
        complaint = await repository.get(session, complaint_id, for_update=for_update)
        if complaint is None:
            raise NotFound(f"No complaint {complaint_id}")
        return complaint

    async def _with_stages(
        self, session: AsyncSession, complaint_id: uuid.UUID
    ) -> tuple[Complaint, list[ComplaintStageRecord]]:
        """The complaint and its stages, all locked: the breach job locks stage rows
        (skipping those held), so a late acknowledgement or answer and the job never
        both raise a stage's breach."""
        complaint = await self._complaint(session, complaint_id, for_update=True)
        stages = (await repository.stages_of(session, [complaint.id], for_update=True))[
            complaint.id
        ]
        return complaint, stages

    @staticmethod
    def _not_stage_1_handler(stage_1: ComplaintStageRecord, handler: str) -> None:
        """Stage 2's handler is none of stage 1's people: the handler named for it, nor
        whoever acknowledged or answered it. `handler` is a member of staff's id, as the
        token's subject recorded on stage 1 is (docs/adr/0206), compared whatever its
        case and spacing."""
        stage_1_people = (stage_1.handler, stage_1.acknowledged_by, stage_1.responded_by)
        if any(p is not None and rules.same_person(p, handler) for p in stage_1_people):
            raise Unprocessable(
                "Stage 2 is handled by a different person than stage 1", field="handler"
            )

    @staticmethod
    def _not_stage_1_caller(stage_1: ComplaintStageRecord, caller: Caller) -> None:
        """The caller is none of stage 1's people: not who acknowledged or answered it
        (the token's subject, recorded then), nor the handler named for it (a staff id,
        as the subject is: docs/adr/0206), who may not have recorded its steps
        themselves."""
        stage_1_people = (stage_1.handler, stage_1.acknowledged_by, stage_1.responded_by)
        if any(p is not None and rules.same_person(p, person(caller)) for p in stage_1_people):
            raise Stage1Handler(
                "Stage 2 is handled by a different person than stage 1, and this caller "
                "handled, acknowledged or answered stage 1",
                reason="stage_1_handler",
            )

    @staticmethod
    async def _raise_breach(
        session: AsyncSession,
        uprn: str,
        stage: ComplaintStageRecord,
        deadline: ComplaintDeadline,
        now: datetime,
    ) -> None:
        """Publish complaint-deadline-breached for one stage's deadline and stamp it, so
        it is raised once (the job and a late acknowledgement or answer share this)."""
        if deadline == ComplaintDeadline.ACKNOWLEDGE:
            if stage.acknowledge_breach_raised_at is not None:
                return
            stage.acknowledge_breach_raised_at = now
            due_on = stage.acknowledge_by
        else:
            if stage.respond_breach_raised_at is not None or stage.respond_by is None:
                return
            stage.respond_breach_raised_at = now
            due_on = stage.respond_by
        await publish(
            session,
            ComplaintDeadlineBreached(
                complaint_id=stage.complaint_id,
                uprn=uprn,
                stage=stage.stage,
                deadline=deadline,
                due_on=due_on,
                extended=deadline == ComplaintDeadline.RESPOND
                and stage.extension_agreed_at is not None,
                breached_at=now,
            ),
        )
        metrics.COMPLAINT_DEADLINES_BREACHED.labels(stage.stage.value, deadline.value).inc()

    async def raise_breaches(self, session: AsyncSession, now: datetime) -> int:
        """The scheduled job's batch: every deadline whose London day is over with the
        stage neither acknowledged nor answered raises complaint-deadline-breached,
        once (rows locked FOR UPDATE SKIP LOCKED, stamped in the same transaction)."""
        today = london_day(now)
        late_acknowledgements = await repository.unacknowledged_past(session, today, BREACH_BATCH)
        late_answers = await repository.unanswered_past(
            session, today, BREACH_BATCH - len(late_acknowledgements)
        )
        homes = await repository.homes_of(
            session, [s.complaint_id for s in (*late_acknowledgements, *late_answers)]
        )
        for stage in late_acknowledgements:
            await self._raise_breach(
                session, homes[stage.complaint_id], stage, ComplaintDeadline.ACKNOWLEDGE, now
            )
        for stage in late_answers:
            await self._raise_breach(
                session, homes[stage.complaint_id], stage, ComplaintDeadline.RESPOND, now
            )
        await session.flush()
        return len(late_acknowledgements) + len(late_answers)
