"""Awaab's Law cases: opened from a hazard found on a visit, a contact or a complaint;
each clock with its start, pauses and reasons, stop and evidence; breaches raised by
a scheduled job even when no request arrives. Never commits."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts.events.repairs import (
    AwaabMilestone,
    AwarenessSource,
    DampMouldCaseOpened,
    HazardDeadlineBreached,
    RepairSourceV2,
)
from hearth_contracts.events.visits import HazardSeverity, HazardType, Trade
from hearth_kit.logs import get_logger
from hearth_kit.outbox import publish
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import Conflict, NotFound, Unprocessable
from hearth_kit.working_days import WorkingDayCalendar, london_day
from repairs.awaab import repository, rules
from repairs.awaab.schemas import (
    AwaabCaseCreate,
    AwaabCasePublic,
    CaseDuplicate,
    ClockPause,
    ClockPublic,
    ClockResume,
    ClockStop,
    RevisedSummary,
)
from repairs.metrics import AWAAB_CLOCKS_BREACHED
from repairs.models import AwaabCase, AwaabCaseHazard, AwaabCaseStatus, AwaabClock
from repairs.settings import DEFAULT_REPORT_WINDOW_YEARS, AwaabTargets
from repairs.work_orders.rules import earliest_report

BATCH = 500

log = get_logger(__name__)

_AWARE_BY_REPORT = {
    RepairSourceV2.CONTACT_CENTRE: AwarenessSource.CONTACT_CENTRE,
    RepairSourceV2.ONLINE: AwarenessSource.ONLINE,
    RepairSourceV2.COMPLAINT: AwarenessSource.COMPLAINT,
}
"""How the landlord became aware of damp reported as a repair, by the repair's source:
the resident told it. A home visit's or a safety check's repair is not here: their
hazard events open the case (docs/adr/0156)."""


def hazard_code(hazard_type: str) -> HazardType:
    """The contracts' hazard code for a case's hazard type as reported (a code, or any
    text naming damp or mould, as rules.under_awaabs_law reads it; else other)."""
    kind = hazard_type.strip().lower()
    if kind in HazardType.__members__.values():
        return HazardType(kind)
    return HazardType.DAMP_AND_MOULD if "damp" in kind or "mould" in kind else HazardType.OTHER


def clock_to_public(clock: AwaabClock) -> ClockPublic:
    met = (
        None
        if clock.stopped_at is None or clock.withdrawn
        else rules.met(clock.milestone, clock.stopped_at, clock.due_at)
    )
    return ClockPublic.model_validate(
        {
            **clock.model_dump(),
            "met": met,
            "breached": clock.breach_raised_at is not None or met is False,
        }
    )


def to_public(
    case: AwaabCase, clocks: list[AwaabClock], hazards: Sequence[AwaabCaseHazard] = ()
) -> AwaabCasePublic:
    return AwaabCasePublic.model_validate(
        {
            **case.model_dump(),
            "clocks": [clock_to_public(c) for c in clocks],
            "hazards_recorded": [h.model_dump() for h in hazards],
        }
    )


class AwaabService:
    def __init__(
        self,
        targets: AwaabTargets,
        calendar: WorkingDayCalendar,
        report_window_years: int = DEFAULT_REPORT_WINDOW_YEARS,
    ) -> None:
        self.targets = targets
        self.calendar = calendar
        self.report_window_years = report_window_years

    def _start_clock(
        self,
        session: AsyncSession,
        case: AwaabCase,
        milestone: AwaabMilestone,
        at: datetime,
        finish_by: date | None = None,
    ) -> AwaabClock:
        clock = AwaabClock(
            case_id=case.id,
            uprn=case.uprn,
            milestone=milestone,
            started_at=at,
            due_at=rules.due_at(
                milestone, at, targets=self.targets, calendar=self.calendar, finish_by=finish_by
            ),
            finish_work_by=finish_by,
        )
        repository.add(session, clock)
        return clock

    async def open_case(
        self,
        session: AsyncSession,
        *,
        uprn: str,
        severity: HazardSeverity,
        source: AwarenessSource,
        became_aware_at: datetime,
        hazard_id: uuid.UUID | None = None,
        complaint_id: uuid.UUID | None = None,
        hazard_type: str | None = None,
    ) -> tuple[AwaabCase, list[AwaabClock]]:
        """Open a case and start its first clock from when the landlord became aware
        (damp-mould-case-opened, naming the hazard's kind so a consumer counts only damp
        and mould as damp history: a significant case is damp and mould, the only
        significant hazard under the law; an emergency one is the kind it was reported
        as, or unsaid when the caller did not give it)."""
        now = datetime.now(UTC)
        kind = (
            hazard_code(hazard_type)
            if hazard_type is not None
            else HazardType.DAMP_AND_MOULD
            if severity is HazardSeverity.SIGNIFICANT
            else None
        )
        case = AwaabCase(
            uprn=uprn,
            severity=severity,
            source=source,
            hazard_id=hazard_id,
            complaint_id=complaint_id,
            became_aware_at=became_aware_at,
            opened_at=now,
        )
        repository.add(session, case)
        await session.flush()
        clock = self._start_clock(session, case, rules.first_milestone(severity), became_aware_at)
        await session.flush()
        await publish(
            session,
            DampMouldCaseOpened(
                case_id=case.id,
                uprn=uprn,
                severity=severity,
                source=source,
                hazard_id=hazard_id,
                hazard_type=kind,
                became_aware_at=became_aware_at,
                investigate_by=clock.due_at,
                opened_at=now,
            ),
        )
        return case, [clock]

    async def open_for_reported_damp(
        self,
        session: AsyncSession,
        *,
        uprn: str,
        trade: Trade,
        source: RepairSourceV2,
        reported_at: datetime,
        complaint_id: uuid.UUID | None,
    ) -> AwaabCase | None:
        """A damp and mould repair a resident reports (contact centre, online, or in a
        complaint) is the landlord becoming aware of a potential significant hazard
        (DOMAIN.md: investigate within 10 working days of becoming aware): a case opens
        with its investigation clock from the report's `reported_at`, as a complaint about
        damp and mould opens one (a manager stops it with hazard_found false if the
        investigation finds none, docs/adr/0108). Only a complaint's case or one a
        manager opened by hand started that clock before: the commonest way a landlord
        hears of damp, a repair reported, started none (docs/adr/0156).

        None opened for other trades; for a report from before the law was in force
        (rules.IN_FORCE: a repair entered late, its `reported_at` back then, would
        otherwise open a clock breached at once); for a repair from a home visit or a safety check
        (their hazard events open the case: handlers.open_awaab_case_for); at a home with
        an open significant case whose clock began by `reported_at` (the same damp, already
        being dealt with: repository.open_damp_case_at, the home held meanwhile; a
        complaint the report came in is named on that case when it names none,
        docs/adr/0192); or for a complaint that has its case (case_of_complaint: a case
        opened here names the complaint, so engagement's complaint-received then opens no
        second one)."""
        awareness = _AWARE_BY_REPORT.get(source)
        if trade is not Trade.DAMP_AND_MOULD or awareness is None:
            return None
        if rules.before_the_law(reported_at):
            # Entered late for a report from before the law (the report window reaches
            # back years): a manager decides whether a case is owed, as before.
            return None
        if complaint_id is not None and await self.case_of_complaint(session, complaint_id):
            return None
        open_already = await repository.open_damp_case_at(session, uprn, aware_at=reported_at)
        if open_already is not None:
            if complaint_id is not None and open_already.complaint_id is None:
                # The complaint's damp is the case's: named on it, as complaint-received
                # names it (docs/adr/0192), so the complaint has its one case.
                open_already.complaint_id = complaint_id
                await session.flush()
            return None
        case, _clocks = await self.open_case(
            session,
            uprn=uprn,
            severity=HazardSeverity.SIGNIFICANT,
            source=awareness,
            became_aware_at=reported_at,
            complaint_id=complaint_id,
            hazard_type=HazardType.DAMP_AND_MOULD.value,
        )
        log.info("awaab case opened from a repair report", case_id=str(case.id), source=awareness)
        return case

    @staticmethod
    async def case_of_complaint(session: AsyncSession, complaint_id: uuid.UUID) -> AwaabCase | None:
        """The complaint's case, if one was opened (open or closed), looked for while
        holding the complaint's turn to the end of the transaction (repository.
        hold_complaint). Engagement's complaint-received and POST /v1/awaab-cases both
        look here before opening one, so whichever comes second, even at the same
        moment, finds the first's case: a complaint has one case, one set of clocks."""
        await repository.hold_complaint(session, complaint_id)
        return await repository.by_complaint(session, complaint_id)

    async def report(self, session: AsyncSession, data: AwaabCaseCreate) -> AwaabCasePublic:
        """A hazard reported by a contact or complaint (became_aware_at never in the
        future, nor more than `report_window_years` ago, nor before the law was in
        force: rules.before_the_law, docs/adr/0190). A complaint has one case: a case
        already opened for `complaint_id` (engagement's complaint-received opens it by
        itself, or an earlier request did; open or closed) is a 409 naming it, nothing
        opened; a second case would run a second set of clocks for the same hazard and
        count its breaches twice in the figures. Looked for with the complaint held
        (case_of_complaint), as the handler does, so the two meeting cannot both open
        one.

        A home's damp has one case (docs/adr/0217): significant damp and mould at a home
        with an open significant case that takes it (repository.open_damp_case_at, the
        home held: not one whose investigation found none, nor one that began after
        `became_aware_at`) is a 409 naming that case, nothing opened, whether or not the
        request names a complaint; the damp repairs, complaints and hazards that reach
        repairs by themselves go on that case the same way (docs/adr/0192, 0193). An
        emergency is still opened: its make-safe duty is not the open case's."""
        now = datetime.now(UTC)
        if data.became_aware_at > now:
            raise Unprocessable("became_aware_at is in the future", field="became_aware_at")
        if data.became_aware_at < earliest_report(now, self.report_window_years):
            raise Unprocessable(
                f"became_aware_at is more than {self.report_window_years} years ago",
                field="became_aware_at",
            )
        if rules.before_the_law(data.became_aware_at):
            # Not the law's case: its clocks would be breached as they started, for a
            # duty that did not exist then (docs/adr/0190).
            raise Unprocessable(
                f"became_aware_at is before Awaab's Law came into force ({rules.IN_FORCE_DAY})",
                field="became_aware_at",
            )
        if not rules.under_awaabs_law(data.severity, data.hazard_type):
            raise Unprocessable(
                "Only emergency hazards and significant damp and mould are Awaab's Law cases",
                field="severity",
            )
        if data.complaint_id is not None:
            existing = await self.case_of_complaint(session, data.complaint_id)
            if existing is not None:
                raise Conflict(
                    f"The complaint already has Awaab's Law case {existing.id}",
                    field="complaint_id",
                )
        if data.severity is HazardSeverity.SIGNIFICANT:
            # Lock order as the handlers: the complaint (above), then the home.
            open_already = await repository.open_damp_case_at(
                session, data.uprn, aware_at=data.became_aware_at
            )
            if open_already is not None:
                raise Conflict(
                    f"The home's damp has open Awaab's Law case {open_already.id}, whose "
                    "clocks run from when the landlord first became aware of it: record "
                    "this as evidence on that case",
                    field="uprn",
                )
        case, clocks = await self.open_case(
            session,
            uprn=data.uprn,
            severity=data.severity,
            source=data.source,
            became_aware_at=data.became_aware_at,
            complaint_id=data.complaint_id,
            hazard_type=data.hazard_type,
        )
        return to_public(case, clocks)

    async def get(self, session: AsyncSession, case_id: uuid.UUID) -> AwaabCasePublic:
        case = await repository.get(session, case_id)
        if case is None:
            raise NotFound(f"No Awaab's Law case {case_id}")
        clocks = await repository.clocks_of(session, [case.id])
        hazards = await repository.hazards_recorded_on(session, [case.id])
        return to_public(case, clocks[case.id], hazards[case.id])

    async def page(
        self,
        session: AsyncSession,
        page: PageParams,
        *,
        uprn: str | None,
        status: AwaabCaseStatus | None,
    ) -> Page[AwaabCasePublic]:
        cases = await repository.page(
            session, uprn=uprn, status=status, after=page.after_as(uuid.UUID), limit=page.fetch
        )
        clocks = await repository.clocks_of(session, [c.id for c in cases])
        hazards = await repository.hazards_recorded_on(session, [c.id for c in cases])
        return Page.from_rows(
            [to_public(c, clocks[c.id], hazards[c.id]) for c in cases],
            page.limit,
            cursor_of=lambda c: (c.id,),
        )

    async def _running(
        self, session: AsyncSession, case_id: uuid.UUID, milestone: AwaabMilestone
    ) -> tuple[AwaabCase, AwaabClock]:
        case = await repository.get(session, case_id, for_update=True)
        if case is None:
            raise NotFound(f"No Awaab's Law case {case_id}")
        clock = await repository.clock(session, case_id, milestone)
        if clock is None:
            raise NotFound(f"Case {case_id} has no {milestone} clock running")
        if clock.stopped_at is not None:
            raise Conflict(f"The {milestone} clock is already stopped", field="milestone")
        return case, clock

    @staticmethod
    def _moment(
        at: datetime | None,
        now: datetime,
        earliest: datetime,
        too_early: str = "at is before the clock started",
    ) -> datetime:
        moment = at or now
        if moment > now:
            raise Unprocessable("at is in the future", field="at")
        if moment < earliest:
            raise Unprocessable(too_early, field="at")
        return moment

    def _after_record(self, clock: AwaabClock, at: datetime | None, now: datetime) -> datetime:
        """A pause's or stop's moment: not in the future, and not before the clock
        started, the end of its last pause or the start of the pause it is in (overlapping
        pauses would move the deadline twice for the same hours)."""
        return self._moment(
            at,
            now,
            rules.last_recorded(
                clock.started_at, clock.pauses, clock.paused_at, clock.revised_summaries
            ),
            "at is before the clock started, its last pause ended or its day was last moved",
        )

    async def _breach_if_late(
        self,
        session: AsyncSession,
        clock: AwaabClock,
        severity: HazardSeverity,
        at: datetime,
        now: datetime,
    ) -> None:
        """Raise hazard-deadline-breached (once) when the clock's deadline had passed at
        `at` (rules.met's conventions, as the job's repository.late), before anything
        recorded at `at` moves due_at on: a pause, the stop of a paused clock, a revised
        summary. The job raises a breach only on its next pass and skips a clock paused
        in time, and resuming (or the stop, or a new day) moves due_at on: raised after
        that, the breach would name the moved deadline and count in its period, not the
        one missed (docs/adr/0010, 0092)."""
        if clock.breach_raised_at is None and not rules.met(clock.milestone, at, clock.due_at):
            await self._raise_breach(session, clock, severity, now)

    async def pause(
        self, session: AsyncSession, case_id: uuid.UUID, milestone: AwaabMilestone, data: ClockPause
    ) -> AwaabCasePublic:
        """Pause a clock, with the reason (its deadline moves on when it resumes). A
        pause from or after the clock's first late moment is recorded (the record of why
        the work stopped), but it cannot excuse a deadline already missed: the breach of
        that deadline is raised first, once (docs/adr/0010, amended 2026-12-01)."""
        now = datetime.now(UTC)
        case, clock = await self._running(session, case_id, milestone)
        if clock.paused_at is not None:
            raise Conflict("The clock is already paused", field="milestone")
        at = self._after_record(clock, data.at, now)
        await self._breach_if_late(session, clock, case.severity, at, now)
        clock.paused_at = at
        clock.pauses = [*clock.pauses, {"reason": data.reason, "from": at.isoformat()}]
        await session.flush()
        return await self.get(session, case_id)

    async def resume(
        self,
        session: AsyncSession,
        case_id: uuid.UUID,
        milestone: AwaabMilestone,
        data: ClockResume,
    ) -> AwaabCasePublic:
        """Resume a paused clock: its deadline moves on by the time paused. A pause begun
        after the deadline (recorded before the pause raised the breach itself) raises
        it first, once, so the move cannot hide it."""
        now = datetime.now(UTC)
        case, clock = await self._running(session, case_id, milestone)
        if clock.paused_at is None:
            raise Conflict("The clock is not paused", field="milestone")
        at = self._moment(data.at, now, clock.paused_at)
        await self._breach_if_late(session, clock, case.severity, clock.paused_at, now)
        clock.due_at = rules.resumed_due(clock.due_at, clock.paused_at, at)
        clock.pauses = [*clock.pauses[:-1], {**clock.pauses[-1], "to": at.isoformat()}]
        clock.paused_at = None
        await session.flush()
        return await self.get(session, case_id)

    async def stop(
        self, session: AsyncSession, case_id: uuid.UUID, milestone: AwaabMilestone, data: ClockStop
    ) -> AwaabCasePublic:
        """The step was done, with evidence. The investigation starts the clocks that
        count from it: the written summary's always, the safety work's and the further
        work's only when it found the hazard (`hazard_found`, true when left out;
        docs/adr/0108); the written summary, when it sets the last day to finish the work
        (`finish_work_by`), starts the complete_work clock; the case closes when no clock
        is left running. Done too late (rules.met), with no breach raised yet, the stop
        raises hazard-deadline-breached itself (once)."""
        now = datetime.now(UTC)
        if data.finish_work_by is not None and milestone is not AwaabMilestone.WRITTEN_SUMMARY:
            raise Unprocessable(
                "finish_work_by goes only with the written summary", field="finish_work_by"
            )
        if data.hazard_found is not None and milestone is not AwaabMilestone.INVESTIGATE:
            raise Unprocessable(
                "hazard_found goes only with the investigation", field="hazard_found"
            )
        case, clock = await self._running(session, case_id, milestone)
        at = self._after_record(clock, data.at, now)
        if data.finish_work_by is not None and data.finish_work_by < london_day(at):
            raise Unprocessable(
                "finish_work_by is before the written summary", field="finish_work_by"
            )
        clock.stopped_at = at
        clock.evidence = list(data.evidence)
        if clock.paused_at is not None:
            # A pause begun after the deadline (recorded before the pause raised the
            # breach itself) missed it: raised before the stop moves due_at on.
            await self._breach_if_late(session, clock, case.severity, clock.paused_at, now)
            clock.due_at = rules.resumed_due(clock.due_at, clock.paused_at, at)
            clock.paused_at = None
            # The stop ends the pause, and the record says when, as a resume does: the
            # pause moved due_at on by its length, which is kept with it.
            clock.pauses = [*clock.pauses[:-1], {**clock.pauses[-1], "to": at.isoformat()}]
        # Stopped late before the breach job's next pass saw it: raise the breach here,
        # once (the clock row is locked, and the job never picks a stopped clock or one
        # whose breach_raised_at is set).
        await self._breach_if_late(session, clock, case.severity, at, now)
        if milestone is AwaabMilestone.INVESTIGATE:
            for follow_on in rules.clocks_after_investigation(data.hazard_found is not False):
                self._start_clock(session, case, follow_on, at)
        if data.finish_work_by is not None:
            self._start_clock(
                session, case, AwaabMilestone.COMPLETE_WORK, at, finish_by=data.finish_work_by
            )
        await session.flush()
        clocks = (await repository.clocks_of(session, [case.id]))[case.id]
        if all(c.stopped_at is not None for c in clocks):
            case.status = AwaabCaseStatus.CLOSED
            await session.flush()
        hazards = (await repository.hazards_recorded_on(session, [case.id]))[case.id]
        return to_public(case, clocks, hazards)

    async def close_as_duplicate(
        self, session: AsyncSession, case_id: uuid.UUID, data: CaseDuplicate
    ) -> AwaabCasePublic:
        """Mark an open case the same damp as another at the home whose clocks began
        first (`duplicate_of`): its status becomes duplicate, its running clocks stop
        withdrawn (neither met nor late: the kept case's clocks measure the landlord's
        duty for this damp; a breach already raised stays, as published figures do, ADR
        0092), a pause running ends with them, and the hazards recorded on it go to the
        kept case, whose evidence they are. Refused: the case not open (409); the kept
        case not found, itself, at another home, of another severity, a duplicate, or
        begun after this one (422 `duplicate_of`). Takes the home before either case,
        as every writer of a home's damp does, then both cases in id order."""
        now = datetime.now(UTC)
        seen = await repository.get(session, case_id)
        if seen is None:
            raise NotFound(f"No Awaab's Law case {case_id}")
        await repository.hold_home(session, seen.uprn)
        locked = {
            each: await repository.get(session, each, for_update=True)
            for each in sorted((case_id, data.duplicate_of))
        }
        case, kept = locked[case_id], locked[data.duplicate_of]
        assert case is not None  # cases are never deleted
        if case.status is not AwaabCaseStatus.OPEN:
            raise Conflict(f"The case is {case.status}: only an open case is closed as a duplicate")
        refused = rules.why_not_kept(case, kept)
        if refused is not None:
            raise Unprocessable(refused, field="duplicate_of")
        assert kept is not None  # why_not_kept refuses a case not found
        clocks = (await repository.clocks_of(session, [case.id]))[case.id]
        for clock in clocks:
            if clock.stopped_at is not None:
                continue
            clock.stopped_at = now
            clock.withdrawn = True
            if clock.paused_at is not None:
                clock.pauses = [*clock.pauses[:-1], {**clock.pauses[-1], "to": now.isoformat()}]
                clock.paused_at = None
        await repository.move_hazards(session, case.id, kept.id)
        case.status = AwaabCaseStatus.DUPLICATE
        case.duplicate_of = kept.id
        await session.flush()
        return await self.get(session, case_id)

    async def revise_summary(
        self,
        session: AsyncSession,
        case_id: uuid.UUID,
        data: RevisedSummary,
        recorded_by: str,
    ) -> AwaabCasePublic:
        """A revised written summary sets or moves the last day to finish the work
        (docs/adr/0092). With no complete_work clock (the summary was stopped without
        the day) it starts one from the revised summary's moment; a running one is
        re-dued to the start of the London day after the new day, and the day and
        deadline it replaced are kept with who recorded the move and when. A breach is
        never undone: one raised stays raised, and when the earlier deadline had passed
        before the revised summary was given (no breach raised yet) the move raises it
        (hazard-deadline-breached, once) before the day moves. Refused: a closed case, a
        duplicate, a written summary not yet stopped, a complete_work clock stopped or
        paused (409); a future moment or one before the summary or the clock's last
        record (422 `at`); a day before the revised summary's London day (422
        `finish_work_by`)."""
        now = datetime.now(UTC)
        finish = AwaabMilestone.COMPLETE_WORK
        case = await repository.get(session, case_id, for_update=True)
        if case is None:
            raise NotFound(f"No Awaab's Law case {case_id}")
        if case.status is AwaabCaseStatus.CLOSED:
            raise Conflict("The case is closed: every clock has stopped")
        if case.status is AwaabCaseStatus.DUPLICATE:
            raise Conflict(
                f"The case is the same damp as case {case.duplicate_of}: its summary is that one's"
            )
        summary = await repository.clock(session, case_id, AwaabMilestone.WRITTEN_SUMMARY)
        if summary is None or summary.stopped_at is None:
            raise Conflict(
                "The written summary clock is not stopped: a first summary sets the day "
                "when it is stopped (finish_work_by); a revised one comes after it"
            )
        clock = await repository.clock(session, case_id, finish)
        if clock is not None and clock.stopped_at is not None:
            raise Conflict("The complete_work clock is already stopped: the work was finished")
        if clock is not None and clock.paused_at is not None:
            raise Conflict(
                "The complete_work clock is paused: resume it before a revised summary "
                "moves the day (its pauses so far are then behind the new day)"
            )
        earliest = summary.stopped_at
        if clock is not None:
            earliest = max(
                earliest,
                rules.last_recorded(clock.started_at, clock.pauses, None, clock.revised_summaries),
            )
        at = self._moment(
            data.at,
            now,
            earliest,
            "at is before the written summary, or before the complete_work clock's "
            "last start, pause or revised summary",
        )
        if data.finish_work_by < london_day(at):
            raise Unprocessable(
                "finish_work_by is before the revised summary", field="finish_work_by"
            )
        record: dict[str, object] = {
            "at": at.isoformat(),
            "finish_work_by": data.finish_work_by.isoformat(),
            "evidence": list(data.evidence),
            "recorded_by": recorded_by,
            "recorded_at": now.isoformat(),
        }
        if clock is None:
            clock = self._start_clock(session, case, finish, at, finish_by=data.finish_work_by)
            clock.revised_summaries = [record]
        else:
            # The day set before had passed when the revised summary was given: the
            # breach happened, and moving the day cannot take it back.
            await self._breach_if_late(session, clock, case.severity, at, now)
            record["earlier_finish_work_by"] = (
                clock.finish_work_by.isoformat() if clock.finish_work_by is not None else None
            )
            record["earlier_due_at"] = clock.due_at.isoformat()
            clock.finish_work_by = data.finish_work_by
            clock.due_at = rules.due_at(
                finish,
                at,
                targets=self.targets,
                calendar=self.calendar,
                finish_by=data.finish_work_by,
            )
            clock.revised_summaries = [*clock.revised_summaries, record]
        await session.flush()
        return await self.get(session, case_id)

    async def raise_breaches(self, session: AsyncSession, now: datetime) -> int:
        """The scheduled job's batch: each clock that ran out gets hazard-deadline-breached
        once (the row is locked, the event published and the clock stamped in one
        transaction)."""
        clocks = await repository.run_out(session, now, BATCH)
        cases = await repository.severities(session, {c.case_id for c in clocks})
        for clock in clocks:
            await self._raise_breach(session, clock, cases[clock.case_id].severity, now)
        await session.flush()
        return len(clocks)

    @staticmethod
    async def _raise_breach(
        session: AsyncSession, clock: AwaabClock, severity: HazardSeverity, now: datetime
    ) -> None:
        """Publish hazard-deadline-breached for a locked clock and stamp it raised, in
        the caller's transaction (the job's batch, the late stop, or a revised summary
        given after the day passed), keeping the deadline it breached: the due_at the
        event names. A revised summary or a pause may move due_at later; the breach
        stays where it happened, and the figures count it in that deadline's period
        (docs/adr/0092)."""
        await publish(
            session,
            HazardDeadlineBreached(
                case_id=clock.case_id,
                uprn=clock.uprn,
                milestone=clock.milestone,
                severity=severity,
                clock_started_at=clock.started_at,
                due_at=clock.due_at,
                breached_at=now,
            ),
        )
        clock.breach_raised_at = now
        clock.breached_due_at = clock.due_at
        AWAAB_CLOCKS_BREACHED.labels(milestone=clock.milestone.value).inc()
