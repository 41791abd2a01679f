"""Use cases for home visits. Never commits: the caller owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts.events.visits import (
    Caseload,
    CommunalIssueFound,
    CommunalIssueType,
    HazardIdentifiedV2,
    HazardSeverity,
    HazardType,
    ResidentDetail,
    ResidentDetailsConfirmed,
    TenancyConcernRaised,
    VisitCompleted,
    VisitDeclined,
    VisitFoundRepair,
    VisitKind,
    VisitNoAccess,
    VisitScheduled,
)
from hearth_kit.auth import Caller
from hearth_kit.db import ReadConnection
from hearth_kit.outbox import publish
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import Conflict, NotFound, Unprocessable
from hearth_kit.working_days import london_day, start_of_london_day
from visits.caseloads import service as caseloads
from visits.models import (
    CommunalIssue,
    CustomerAction,
    RoomInspected,
    TenancyRecord,
    Visit,
    VisitHazardFinding,
    VisitRepairFinding,
    VisitStatus,
    VisitTenancyConcern,
)
from visits.person_ids import kept_id
from visits.programme import repository as home_profiles
from visits.programme import rules as programme_rules
from visits.programme.service import ProgrammeService
from visits.reports import repository as drafts
from visits.reports.rules import AssembledReport, check_visited_at, earliest_visit
from visits.reports.schemas import RoomInventory
from visits.settings import VisitsSettings
from visits.visits import repository, rules
from visits.visits.repository import Findings
from visits.visits.schemas import (
    CommunalIssueFinding,
    CommunalIssuePublic,
    CustomerActionPromised,
    CustomerActionPublic,
    HazardFindingPublic,
    HouseholdDetails,
    RepairFindingPublic,
    RoomPublic,
    TenancyConcernPublic,
    VisitCreate,
    VisitPublic,
    VisitReport,
)


def to_public(visit: Visit, findings: Findings | None = None, *, caller: Caller) -> VisitPublic:
    """A visit as the API shows it to `caller`, with what it found (nothing, before its
    report); the officer's notes only to a caller who needs them (shown_to)."""
    findings = findings or Findings()
    return shown_to(
        VisitPublic.model_validate(
            {
                **visit.model_dump(),
                "repairs_found": findings.repairs,
                "hazards_found": findings.hazards,
                "tenancy_concerns": findings.tenancy_concerns,
                "rooms": findings.rooms,
                "inventory_recorded": bool(findings.rooms),
                "communal_issues": findings.communal_issues,
                "customer_actions": findings.customer_actions,
            }
        ),
        caller,
    )


def shown_to(visit: VisitPublic, caller: Caller) -> VisitPublic:
    """The visit as `caller` may see it. The officer's notes (the visit's own, and each
    tenancy concern's: safeguarding, support needs) are shown only to a caller holding
    the need-to-know scope visits:notes (DOMAIN.md: vulnerabilities are seen only by
    staff who need them); anyone else with visits:read, the contact centre among them,
    gets the concern codes with the notes withheld (null). Checked here, from the
    caller's own token, as well as by the scopes the gateway grants."""
    if rules.may_read_notes(caller.scopes):
        return visit
    return visit.model_copy(
        update={
            "notes": None,
            "tenancy_concerns": [
                concern.model_copy(update={"notes": None}) for concern in visit.tenancy_concerns
            ],
        }
    )


class VisitService:
    def __init__(self, settings: VisitsSettings | None = None) -> None:
        self.settings = settings or VisitsSettings()
        self.programme = ProgrammeService(self.settings.programme, self.settings.intervals)

    async def schedule(self, session: AsyncSession, data: VisitCreate) -> Visit:
        """Book a visit with the household (publishes visit-scheduled). The kind, and
        whether it is the stock condition survey, default to what the programme says is
        next for the home (a full visit while an officer visit asked for a safety check's
        access is open, as the ranking shows); a full visit is paired with a gas safety
        check due near it (one trip). A rebooking after no access counts as the next attempt.
        The visit is with the tenancy of its London day (ADR 0096). A lite visit is
        booked only where the programme's next visit for that day is lite (offered every
        other year: rules.check_lite_offered, ADR 0131).

        `scheduled_for` is no more than 24 months ahead (rules.PLANNING_HORIZON_MONTHS),
        and in the past only as far back as a report may be dated (a visit booked after
        the fact records one already made: report_window_years); a rebooking is after
        the attempt that got no access (ADR 0076)."""
        now = datetime.now(UTC)
        starts = data.scheduled_for.astimezone(UTC)
        try:
            rules.check_planned_day(
                london_day(starts), london_day(now), "scheduled_for", "The visit's day"
            )
        except rules.RuleBroken as broken:
            raise Unprocessable(broken.message, field=broken.field) from broken
        window_years = self.settings.report_window_years
        if starts < earliest_visit(now, window_years):
            raise Unprocessable(
                f"scheduled_for is more than {window_years} years ago: a visit booked after "
                "the fact records one already made, and a report is dated no further back",
                field="scheduled_for",
            )
        intervals = self.settings.intervals
        visited = await home_profiles.visits_of(session, data.uprn)
        upcoming = programme_rules.next_visit(_history(visited), london_day(starts), intervals)
        asked_on = (await home_profiles.officer_visits_for_access(session, [data.uprn])).get(
            data.uprn
        )
        if programme_rules.officer_visit_open(asked_on, visited.last_full_visit):
            # as the programme ranks it: an officer goes in person for a check's access
            upcoming = programme_rules.with_officer_visit(upcoming)
        kind = data.kind or upcoming.kind
        # A full visit is the survey when one made then would be (none recorded, or the
        # last five years old), whichever kind the programme had next: booked full in a
        # year it offers a lite call, the officer is in the home all the same, as for an
        # officer visit for a check's access (with_officer_visit).
        survey = (
            upcoming.survey_due and kind is VisitKind.FULL
            if data.stock_condition_survey is None
            else data.stock_condition_survey
        )
        if survey and kind is not VisitKind.FULL:
            raise Unprocessable(
                "The stock condition survey is a full visit in the home",
                field="stock_condition_survey",
            )
        try:
            channel = rules.channel_for(kind, data.channel)
        except rules.RuleBroken as broken:
            chosen = "" if data.kind else f"No kind given: the programme's next visit is {kind}. "
            raise Unprocessable(chosen + broken.message, field=broken.field) from broken
        try:
            rules.check_lite_offered(kind, upcoming.kind)
        except rules.RuleBroken as broken:
            raise Unprocessable(broken.message, field=broken.field) from broken
        attempt_number = 1
        if data.rebooked_from_visit_id is not None:
            attempt_number = await self._next_attempt(session, data, starts)
        # the household the visit is with: the tenancy of its London day, never one
        # income has announced to start later (ADR 0096)
        tenancy = await home_profiles.tenancy_on(session, data.uprn, london_day(starts))
        paired = None
        if kind is VisitKind.FULL and data.pair_with_gas_check:
            day = london_day(starts)
            window = timedelta(days=intervals.gas_pairing_days)
            paired = await home_profiles.gas_check_to_pair(
                session, data.uprn, due_from=day - window, due_to=day + window
            )
        length = (
            rules.DEFAULT_LENGTH[kind]
            if data.duration_minutes is None
            else timedelta(minutes=data.duration_minutes)
        )
        visit = Visit(
            id=uuid.uuid4(),
            uprn=data.uprn,
            kind=kind,
            stock_condition_survey=survey,
            paired_check_id=paired.check_id if paired else None,
            channel=channel,
            status=VisitStatus.SCHEDULED,
            scheduled_for=starts,
            scheduled_end=starts + length,
            officer=data.officer,
            tenancy_id=tenancy.tenancy_id if tenancy else None,
            rebooked_from_visit_id=data.rebooked_from_visit_id,
            attempt_number=attempt_number,
            scheduled_at=now,
        )
        repository.add(session, visit)
        try:
            await session.flush()
        except IntegrityError as exc:  # a concurrent rebooking of the same visit won
            raise Conflict(
                f"Visit {data.rebooked_from_visit_id} was already rebooked",
                field="rebooked_from_visit_id",
            ) from exc
        await self._announce_scheduled(session, visit)
        return visit

    async def accept_combined_appointment(
        self, session: AsyncSession, *, visit_id: uuid.UUID, check_id: uuid.UUID
    ) -> bool:
        """Compliance offered to do a gas check in a booked full visit's slot: name the
        check on the visit and announce it again (visit-scheduled with paired_check_id),
        so one appointment covers both. A visit already paired, reported or lite is left
        as it is (so the same offer twice has one effect)."""
        if not await repository.pair_with_check(session, visit_id, check_id):
            return False
        visit = await self.get(session, visit_id)
        await session.refresh(visit)
        await self._announce_scheduled(session, visit)
        return True

    async def _announce_scheduled(self, session: AsyncSession, visit: Visit) -> None:
        await publish(
            session,
            VisitScheduled(
                visit_id=visit.id,
                uprn=visit.uprn,
                tenancy_id=visit.tenancy_id,
                kind=visit.kind,
                channel=visit.channel,
                stock_condition_survey=visit.stock_condition_survey,
                paired_check_id=visit.paired_check_id,
                scheduled_start=visit.scheduled_for,
                scheduled_end=visit.scheduled_end,
                rebooked_from_visit_id=visit.rebooked_from_visit_id,
                scheduled_at=visit.scheduled_at,
            ),
        )

    async def _with_the_tenancy_of_its_day(self, session: AsyncSession, visit: Visit) -> None:
        """A visit is with the tenancy of its London day (ADR 0096), looked up when it is
        booked. One booked before visits heard of that tenancy (income's tenancy-started
        still on its way) named none, and kept none: its concerns went on no caseload,
        its referral had nothing to move (ADR 0210) and resident-details-confirmed named
        no tenancy. One booked with a tenancy withdrawn since, or ended before the
        visit's day, named a household the officer did not meet (ADR 0228). Its report
        names the tenancy of its day as visits knows it now (tenancy_of_its_day); a
        visit whose tenancy held the home that day keeps it. The named tenancy is held
        (FOR SHARE) before its end is read, as the report later holds it for its
        caseload: a tenancy-ended handled at the same moment is waited for and seen, not
        found only once the report has kept the tenancy it ended."""
        tenancy = await tenancy_of_its_day(session, visit, lock=True)
        if tenancy is not None and tenancy.tenancy_id != visit.tenancy_id:
            await repository.name_tenancy(session, visit, tenancy.tenancy_id)

    async def after_the_attempt_it_follows(
        self, session: AsyncSession, visit: Visit, visited_at: datetime, field: str
    ) -> None:
        """A rebooking is made after the attempt that got no access: its report cannot
        say the officer was there before that attempt (ADR 0076). Its booking is held to
        the same (_next_attempt); the visit itself may still come early or late."""
        if visit.rebooked_from_visit_id is None:
            return
        earlier = await repository.get(session, visit.rebooked_from_visit_id)
        if (
            earlier is not None
            and earlier.visited_at is not None
            and visited_at <= earlier.visited_at
        ):
            raise Unprocessable(
                f"{field} is not after the attempt this visit rebooks (visit {earlier.id}, "
                f"tried at {earlier.visited_at.isoformat()})",
                field=field,
            )

    async def _next_attempt(
        self, session: AsyncSession, data: VisitCreate, starts: datetime
    ) -> int:
        assert data.rebooked_from_visit_id is not None
        earlier = await repository.get(session, data.rebooked_from_visit_id)
        if earlier is None or earlier.uprn != data.uprn:
            raise Unprocessable(
                f"No visit {data.rebooked_from_visit_id} at home {data.uprn}",
                field="rebooked_from_visit_id",
            )
        if not rules.can_rebook(earlier.status):
            raise Unprocessable(
                f"Only a visit that got no access is rebooked; {earlier.id} is {earlier.status}",
                field="rebooked_from_visit_id",
            )
        if earlier.visited_at is not None and starts <= earlier.visited_at:
            raise Unprocessable(
                "A rebooking after no access is for after the attempt that got none "
                f"(visit {earlier.id}, tried at {earlier.visited_at.isoformat()})",
                field="scheduled_for",
            )
        if await repository.rebooking_of(session, earlier.id) is not None:
            raise Conflict(
                f"Visit {earlier.id} was already rebooked", field="rebooked_from_visit_id"
            )
        return earlier.attempt_number + 1

    async def report(
        self, session: AsyncSession, visit_id: uuid.UUID, data: VisitReport
    ) -> tuple[Visit, Findings]:
        """Record what happened at a booked visit, with its findings, and announce it:
        visit-completed, one visit-found-repair per repair, one hazard-identified
        per hazard and one communal-issue-found per communal issue; or visit-no-access /
        visit-declined; and one tenancy-concern-raised per concern, each referred to the
        sustainable tenancy caseload (with its review date) or put on the tenancy's
        caseload entry for its officer to follow up; with the household's details
        (completed only, from a resident of the home, as a draft's),
        resident-details-confirmed with the visit's tenancy. Customer actions promised
        (completed only) are kept open for the next visit; earlier ones it closes are
        closed, and the concerns it records dealt with leave the tenancy's caseload entry
        (completed only; one not open is refused, nothing written: _closures_checked).
        Each as a draft's report does it, by the same rules (rules.check_referral,
        rules.check_action_due, _closures_checked) in one transaction. Every event
        carries visited_at (required: when the officer was there, not the upload), never
        in the future nor more than the report window ago: the clocks the findings start
        count from it.

        It takes no room inventory: a full visit completed here shows
        inventory_recorded false and, booked as the stock condition survey, is not the
        survey in the programme, which stays due (ADR 0098); the report in pieces
        records the rooms."""
        reported_at = datetime.now(UTC)
        visited_at = data.visited_at.astimezone(UTC)
        try:
            rules.check_report(data)
            check_visited_at(
                visited_at,
                reported_at,
                "visited_at",
                window_years=self.settings.report_window_years,
            )
            rules.check_report_days(data, london_day(reported_at))
        except rules.RuleBroken as broken:
            raise Unprocessable(broken.message, field=broken.field) from broken
        # a retired person id is the person kept (ADR 0208), read before the visit is
        # locked: merged_person, then the visit, as a merge takes them
        household = None if data.household is None else await as_kept(session, data.household)
        # the visit locked first, as a draft's submit takes it (the visit, then the
        # tenancy, then its caseload entry and concerns)
        visit = await repository.get(session, visit_id, for_update=True)
        if visit is None:
            raise NotFound(f"No visit {visit_id}")
        if not rules.can_be_reported(visit.status):
            raise Conflict(f"Visit {visit_id} was already reported: it is {visit.status}")
        await self._with_the_tenancy_of_its_day(session, visit)
        if await drafts.hazards_sent(session, visit.id):
            raise Conflict(
                f"Visit {visit_id}'s draft report sent a hazard to repairs when it was "
                "saved (an emergency or significant one): submit the draft "
                "(POST /v1/visits/{visit_id}/report/submit), whose report keeps the hazard "
                "under the id it was sent with (any Awaab's Law case repairs opened has it); "
                "a one-shot report would record "
                "it again as another hazard (ADR 0182, 0209, 0227)"
            )
        ended = False
        if visit.tenancy_id is not None and (data.tenancy_concerns or data.concerns_dealt_with):
            # the tenancy before its caseload's concerns are read or changed (_ended)
            ended = await caseloads.hold_tenancy(session, visit.tenancy_id)
        check_referrals_have_a_tenancy(
            visit,
            ended,
            referring=any(c.refer_to_sustainable_tenancy for c in data.tenancy_concerns),
            field="tenancy_concerns.refer_to_sustainable_tenancy",
        )
        await self.after_the_attempt_it_follows(session, visit, visited_at, "visited_at")
        if household is not None:
            await _confirmed_by_a_resident_of_the_home(
                session, visit, household, "household.resident_id"
            )
        closing = [closed.action_id for closed in data.actions_closed]
        dealt_with = [done.concern_id for done in data.concerns_dealt_with]
        await _closures_checked(
            session,
            visit,
            visited_at,
            closing,
            dealt_with,
            action_field="actions_closed.action_id",
            concern_field="concerns_dealt_with.concern_id",
        )
        recorded = await repository.record_report(
            session,
            visit,
            rules.STATUS_AFTER[data.outcome],
            reported_at=reported_at,
            visited_at=visited_at,
            household_confirmed=data.household_confirmed or household is not None,
            no_access_reason=data.no_access_reason,
            decline_reason=data.decline_reason,
            notes=data.notes,
            **_household_columns(household),
        )
        if not recorded:
            raise Conflict(f"Visit {visit_id} was already reported")
        await repository.close_actions(
            session, uprn=visit.uprn, action_ids=closing, closed_at=visited_at, visit_id=visit.id
        )
        findings = Findings(
            repairs=[
                VisitRepairFinding(id=uuid.uuid4(), visit_id=visit.id, position=n, **r.model_dump())
                for n, r in enumerate(data.repairs_found)
            ],
            hazards=[
                VisitHazardFinding(id=uuid.uuid4(), visit_id=visit.id, position=n, **h.model_dump())
                for n, h in enumerate(data.hazards_found)
            ],
            tenancy_concerns=[
                VisitTenancyConcern(
                    id=uuid.uuid4(), visit_id=visit.id, position=n, concern=c.concern, notes=c.notes
                )
                for n, c in enumerate(data.tenancy_concerns)
            ],
            communal_issues=_communal_issues(visit, data.communal_issues),
            customer_actions=_actions_promised(visit, data.customer_actions, visited_at),
        )
        repository.add_findings(session, findings)
        await session.flush()
        await _lapse_if_the_household_left(session, visit, findings)
        referrals = _referrals(findings.tenancy_concerns, data.tenancy_concerns)
        await self._announce(session, visit, findings, visited_at, referrals=referrals)
        if visit.tenancy_id is not None:
            await caseloads.deal_with_concerns(
                session,
                tenancy_id=visit.tenancy_id,
                concern_ids=dealt_with,
                at=visited_at,
                visit_id=visit.id,
            )
            await self._to_the_caseload(session, visit, findings, referrals, visited_at)
        if household is not None:
            await _announce_household(session, visit, household, visited_at)
        await self.programme.rescore(session, [visit.uprn], reported_at)
        return visit, findings

    async def complete_from_draft(
        self, session: AsyncSession, visit: Visit, report: AssembledReport, now: datetime
    ) -> tuple[Visit, Findings]:
        """Record a completed visit from its assembled draft and announce what it found:
        visit-completed, resident-details-confirmed, one visit-found-repair per repair
        (with its severity), one hazard-identified per hazard, one tenancy-concern-raised
        per concern; all dated visited_at. Customer actions promised are kept open for
        the next visit; those the draft closes are closed; a referral moves the tenancy
        to the sustainable tenancy caseload; a concern not referred is put on the
        tenancy's caseload entry, open until a later report records it dealt with
        (concern_dealt_with, refused unless open on this tenancy)."""
        if not rules.can_be_reported(visit.status):
            raise Conflict(f"Visit {visit.id} was already reported: it is {visit.status}")
        await self._with_the_tenancy_of_its_day(session, visit)
        ended = False
        if visit.tenancy_id is not None:
            # the tenancy before its caseload's concerns (caseloads._ended's lock order)
            ended = await caseloads.hold_tenancy(session, visit.tenancy_id)
        check_referrals_have_a_tenancy(
            visit,
            ended,
            referring=any(c.refer_to_sustainable_tenancy for c in report.tenancy_concerns),
            field="draft.tenancy_concern.refer_to_sustainable_tenancy",
        )
        visited_at = report.visit.visited_at.astimezone(UTC)
        await self.after_the_attempt_it_follows(
            session, visit, visited_at, "draft.visit.visited_at"
        )
        # saved before a merge retired it, the piece names the duplicate (ADR 0208)
        household = await as_kept(session, report.household)
        await _confirmed_by_a_resident_of_the_home(
            session, visit, household, "draft.household.resident_id"
        )
        closing = [closed.action_id for closed in report.actions_closed]
        dealt_with = [done.concern_id for done in report.concerns_dealt_with]
        await _closures_checked(
            session,
            visit,
            visited_at,
            closing,
            dealt_with,
            action_field="draft.action_closed.action_id",
            concern_field="draft.concern_dealt_with.concern_id",
        )
        recorded = await repository.record_report(
            session,
            visit,
            VisitStatus.COMPLETED,
            reported_at=now,
            visited_at=visited_at,
            household_confirmed=True,
            notes=report.visit.notes,
            **_household_columns(household),
        )
        if not recorded:
            raise Conflict(f"Visit {visit.id} was already reported")
        await repository.close_actions(
            session, uprn=visit.uprn, action_ids=closing, closed_at=visited_at, visit_id=visit.id
        )
        findings = Findings(
            repairs=[
                VisitRepairFinding(id=uuid.uuid4(), visit_id=visit.id, position=n, **r.model_dump())
                for n, r in enumerate(report.repairs)
            ],
            hazards=[
                VisitHazardFinding(
                    # a hazard sent when its piece was saved keeps the id it was sent
                    # with: repairs' case is found by it (ADR 0182)
                    id=sent or uuid.uuid4(),
                    visit_id=visit.id,
                    position=n,
                    hazard_type=h.hazard_type.value,
                    severity=h.severity,
                    location=h.location,
                    description=h.description,
                )
                for n, (h, sent) in enumerate(zip(report.hazards, report.hazards_sent, strict=True))
            ],
            tenancy_concerns=[
                VisitTenancyConcern(
                    id=uuid.uuid4(), visit_id=visit.id, position=n, concern=c.concern, notes=c.notes
                )
                for n, c in enumerate(report.tenancy_concerns)
            ],
            rooms=rooms_inspected(visit, report.rooms),
            communal_issues=_communal_issues(visit, report.communal_issues),
            customer_actions=_actions_promised(visit, report.actions_promised, visited_at),
        )
        repository.add_findings(session, findings)
        await session.flush()
        await _lapse_if_the_household_left(session, visit, findings)
        referrals = _referrals(findings.tenancy_concerns, report.tenancy_concerns)
        await self._announce(
            session,
            visit,
            findings,
            visited_at,
            referrals=referrals,
            sent_before={sent for sent in report.hazards_sent if sent is not None},
        )
        await _announce_household(session, visit, household, visited_at)
        if visit.tenancy_id is not None:
            await caseloads.deal_with_concerns(
                session,
                tenancy_id=visit.tenancy_id,
                concern_ids=dealt_with,
                at=visited_at,
                visit_id=visit.id,
            )
            await self._to_the_caseload(session, visit, findings, referrals, visited_at)
        await self.programme.rescore(session, [visit.uprn], now)
        return visit, findings

    async def _to_the_caseload(
        self,
        session: AsyncSession,
        visit: Visit,
        findings: Findings,
        referrals: dict[uuid.UUID, date],
        visited_at: datetime,
    ) -> None:
        """A report's concerns on the visit's tenancy's caseload (a draft's and the
        one-shot report's alike): each referred moves it to the sustainable tenancy
        caseload with its review date; the others stay open on its entry for its
        officer to follow up."""
        assert visit.tenancy_id is not None
        await caseloads.concerns_to_follow_up(
            session,
            tenancy_id=visit.tenancy_id,
            uprn=visit.uprn,
            concerns=[c for c in findings.tenancy_concerns if c.id not in referrals],
            raised_at=visited_at,
        )
        for concern_id, review_on in referrals.items():
            await caseloads.refer(
                session,
                self.settings.caseloads,
                tenancy_id=visit.tenancy_id,
                uprn=visit.uprn,
                review_on=review_on,
                concern_id=concern_id,
                at=visited_at,
            )

    async def _announce(
        self,
        session: AsyncSession,
        visit: Visit,
        findings: Findings,
        reported_at: datetime,
        referrals: dict[uuid.UUID, date] | None = None,
        sent_before: Collection[uuid.UUID] = (),
    ) -> None:
        """Publish what a report found (communal issues as their codes only); `reported_at`
        is the visit's visited_at. The hazards in `sent_before` were sent to repairs when
        their draft pieces were saved (ADR 0182): not sent again."""
        referrals = referrals or {}
        if visit.status is VisitStatus.COMPLETED:
            await publish(
                session,
                VisitCompleted(
                    visit_id=visit.id,
                    uprn=visit.uprn,
                    kind=visit.kind,
                    completed_at=reported_at,
                    repairs_found=len(findings.repairs),
                    hazards_found=len(findings.hazards),
                    tenancy_concerns_raised=len(findings.tenancy_concerns),
                ),
            )
            for repair in findings.repairs:
                await publish(
                    session,
                    VisitFoundRepair(
                        visit_id=visit.id,
                        finding_id=repair.id,
                        uprn=visit.uprn,
                        description=repair.description,
                        location=repair.location,
                        trade=repair.trade,
                        reported_at=reported_at,
                        repairs_found_on_visit=len(findings.repairs),
                        severity=repair.severity,
                        visited_at=reported_at,
                    ),
                )
            for hazard in findings.hazards:
                if hazard.id in sent_before:
                    continue  # sent to repairs when its draft piece was saved (ADR 0182)
                await announce_hazard(
                    session,
                    visit,
                    hazard_id=hazard.id,
                    hazard_type=HazardType(hazard.hazard_type),
                    severity=hazard.severity,
                    identified_at=reported_at,
                )
            for issue in findings.communal_issues:
                await publish(
                    session,
                    CommunalIssueFound(
                        issue_id=issue.id,
                        visit_id=visit.id,
                        uprn=visit.uprn,
                        issue=CommunalIssueType(issue.issue),
                        found_at=reported_at,
                    ),
                )
        elif visit.status is VisitStatus.NO_ACCESS:
            assert visit.no_access_reason is not None
            await publish(
                session,
                VisitNoAccess(
                    visit_id=visit.id,
                    uprn=visit.uprn,
                    kind=visit.kind,
                    attempted_at=reported_at,
                    reason=visit.no_access_reason,
                    attempt_number=visit.attempt_number,
                ),
            )
        elif visit.status is VisitStatus.DECLINED:
            assert visit.decline_reason is not None
            await publish(
                session,
                VisitDeclined(
                    visit_id=visit.id,
                    uprn=visit.uprn,
                    kind=visit.kind,
                    reason=visit.decline_reason,
                    declined_at=reported_at,
                ),
            )
        for concern in findings.tenancy_concerns:
            await publish(
                session,
                TenancyConcernRaised(
                    concern_id=concern.id,
                    uprn=visit.uprn,
                    tenancy_id=visit.tenancy_id,
                    visit_id=visit.id,
                    concern_type=concern.concern,
                    referred_to=Caseload.SUSTAINABLE_TENANCY if concern.id in referrals else None,
                    review_on=referrals.get(concern.id),
                    raised_at=reported_at,
                ),
            )

    async def get(self, session: AsyncSession, visit_id: uuid.UUID) -> Visit:
        visit = await repository.get(session, visit_id)
        if visit is None:
            raise NotFound(f"No visit {visit_id}")
        return visit

    async def get_with_findings(
        self, session: AsyncSession, visit_id: uuid.UUID
    ) -> tuple[Visit, Findings]:
        visit = await self.get(session, visit_id)
        return visit, (await repository.findings(session, [visit.id]))[visit.id]


async def tenancy_of_its_day(
    session: AsyncSession, visit: Visit, *, lock: bool = False
) -> TenancyRecord | None:
    """The household `visit` is with, as visits knows it now: the tenancy it names when
    that held the home on the visit's London day (ADR 0096: booked, it is with that
    household, ended since or not), else the tenancy that did (tenancy_on: a visit
    booked naming none before its tenancy-started came, ADR 0210; one whose tenancy was
    withdrawn after the booking, or ended before the visit's day, ADR 0228), else the
    one it names (nothing better is known). The briefing and the report both read it;
    `lock` holds the named tenancy (FOR SHARE: the report's, lock order the visit then
    the tenancy) and reads it as it is once held."""
    day = london_day(visit.scheduled_for)
    named = (
        await home_profiles.tenancy(session, visit.tenancy_id, lock=lock)
        if visit.tenancy_id is not None
        else None
    )
    if named is not None and rules.held_the_home_on(named.start_date, named.ended_on, day):
        return named
    return await home_profiles.tenancy_on(session, visit.uprn, day) or named


async def announce_hazard(
    session: AsyncSession,
    visit: Visit,
    *,
    hazard_id: uuid.UUID,
    hazard_type: HazardType,
    severity: HazardSeverity,
    identified_at: datetime,
) -> None:
    """hazard-identified for a hazard found on `visit`, its clock `identified_at` (the
    visit's visited_at): from the report, or from its draft piece when an emergency or
    significant hazard's is saved (ADR 0182, 0209, 0227). Codes only
    (docs/adr/0071)."""
    await publish(
        session,
        HazardIdentifiedV2(
            hazard_id=hazard_id,
            uprn=visit.uprn,
            visit_id=visit.id,
            hazard_type=hazard_type,
            severity=severity,
            identified_at=identified_at,
        ),
    )


async def _lapse_if_the_household_left(
    session: AsyncSession, visit: Visit, findings: Findings
) -> None:
    """The actions a report promises to a household that has left since the visit (its
    tenancy ended or withdrawn before the report was uploaded) lapse at once, as
    tenancy-ended lapsed the others: open, they were owed to nobody living there. The
    tenancy is held (FOR SHARE) before its end is read, so a tenancy-ended handled at the
    same time waits for this report and then lapses them itself."""
    if visit.tenancy_id is None or not findings.customer_actions:
        return
    tenancy = await home_profiles.tenancy(session, visit.tenancy_id, lock=True)
    if tenancy is None or tenancy.ended_on is None:
        return
    await repository.lapse_actions(
        session,
        tenancy_id=visit.tenancy_id,
        uprn=visit.uprn,
        lived_there_from=None
        if tenancy.start_date is None
        else start_of_london_day(tenancy.start_date),
        left_at=start_of_london_day(tenancy.ended_on + timedelta(days=1)),
    )
    for action in findings.customer_actions:  # the report answers them as they now are
        await session.refresh(action)


async def _closures_checked(
    session: AsyncSession,
    visit: Visit,
    visited_at: datetime,
    closing: Sequence[uuid.UUID],
    dealt_with: Sequence[uuid.UUID],
    *,
    action_field: str,
    concern_field: str,
) -> None:
    """The earlier actions a report closes are open at the home by its visited_at, and
    the concerns it records dealt with are open on the visit's tenancy (held by the
    caller first): either report's (a draft's action_closed and concern_dealt_with
    pieces, the one-shot report's actions_closed and concerns_dealt_with), checked before
    anything is written, a 422 naming the report's own field."""
    if closing:
        open_actions = {
            action.id: action
            for action in await repository.open_actions(session, visit.uprn, at=visited_at)
        }
        for action_id in closing:
            if action_id not in open_actions:
                raise Unprocessable(
                    f"No open customer action {action_id} at home {visit.uprn}",
                    field=action_field,
                )
            # Reports upload out of order (an officer offline): a visit made before the
            # one that promised the action cannot have closed it (closed_at, this
            # visit's visited_at, would fall before its promised_at).
            if visited_at < open_actions[action_id].promised_at:
                raise Unprocessable(
                    f"Customer action {action_id} was promised at a later visit than this "
                    "one (visited_at): it cannot be closed before it was promised",
                    field=action_field,
                )
    if dealt_with:
        still_open = (
            {c.concern_id: c for c in await caseloads.open_concerns(session, visit.tenancy_id)}
            if visit.tenancy_id is not None
            else {}
        )
        for concern_id in dealt_with:
            if concern_id not in still_open:
                raise Unprocessable(
                    f"No open tenancy concern {concern_id} on this visit's tenancy",
                    field=concern_field,
                )
            # as an action: not dealt with at a visit made before it was raised
            if visited_at < still_open[concern_id].raised_at:
                raise Unprocessable(
                    f"Tenancy concern {concern_id} was raised at a later visit than this "
                    "one (visited_at): it cannot be dealt with before it was raised",
                    field=concern_field,
                )


def rooms_inspected(visit: Visit, inventory: Sequence[RoomInventory]) -> list[RoomInspected]:
    """A room inventory (a draft's, or one added late to a completed visit) as the visit
    records it, in the order given."""
    return [
        RoomInspected(
            id=uuid.uuid4(),
            visit_id=visit.id,
            position=n,
            room=room.room.value,
            condition=room.condition.value,
            photos=list(room.photos),
            notes=room.notes,
            components=[component.model_dump(mode="json") for component in room.components or ()],
        )
        for n, room in enumerate(inventory)
    ]


def _communal_issues(visit: Visit, found: Sequence[CommunalIssueFinding]) -> list[CommunalIssue]:
    """A report's communal issues (a draft's or the one-shot's) as the visit records them,
    in the order given."""
    return [
        CommunalIssue(
            id=uuid.uuid4(),
            visit_id=visit.id,
            position=n,
            issue=issue.issue.value,
            location=issue.location,
            description=issue.description,
        )
        for n, issue in enumerate(found)
    ]


def _actions_promised(
    visit: Visit, promised: Sequence[CustomerActionPromised], visited_at: datetime
) -> list[CustomerAction]:
    """A report's customer actions (a draft's or the one-shot's), open at the home and
    promised at the visit's visited_at."""
    return [
        CustomerAction(
            id=uuid.uuid4(),
            uprn=visit.uprn,
            visit_id=visit.id,
            description=action.description,
            due_on=action.due_on,
            promised_at=visited_at,
        )
        for action in promised
    ]


class _ConcernAsFound(Protocol):
    """A concern as a report gives it (a draft's TenancyConcernFinding, the one-shot's
    TenancyConcernFound)."""

    @property
    def refer_to_sustainable_tenancy(self) -> bool: ...

    @property
    def review_on(self) -> date | None: ...


def _referrals(
    concerns: Sequence[VisitTenancyConcern], found: Sequence[_ConcernAsFound]
) -> dict[uuid.UUID, date]:
    """The concerns referred to the sustainable tenancy caseload, with their review
    dates: `found` are the report's concerns (a draft's or the one-shot's) in the order
    `concerns` recorded them."""
    return {
        concern.id: as_found.review_on
        for concern, as_found in zip(concerns, found, strict=True)
        if as_found.refer_to_sustainable_tenancy and as_found.review_on is not None
    }


def check_referrals_have_a_tenancy(
    visit: Visit, ended: bool, *, referring: bool, field: str
) -> None:
    """A referral moves the visit's tenancy to the sustainable tenancy caseload, with its
    review date (DOMAIN.md: referred there and back with a review date). A visit that
    names no tenancy (none known at the home on its day), or whose tenancy has ended,
    has none to move: the report was taken, tenancy-concern-raised announced the
    referral with its review date, and no caseload held it, so no officer had the case
    and no review ever fell due. Refused instead, naming the referral, before anything
    is written; the concern may still be raised without it (ADR 0210)."""
    if not referring:
        return
    if visit.tenancy_id is None:
        raise Unprocessable(
            "A referral to the sustainable tenancy caseload moves the visit's tenancy, and "
            "this visit names none (no tenancy was known at the home on its day): raise "
            "the concern without referring it, and refer the tenancy directly once it is "
            "known (POST /v1/caseloads/tenancies/{tenancy_id}/referral)",
            field=field,
        )
    if ended:
        raise Unprocessable(
            "A referral to the sustainable tenancy caseload moves the visit's tenancy, and "
            "it has ended: there is no household on a caseload to refer. Raise the concern "
            "without referring it",
            field=field,
        )


async def as_kept(session: AsyncSession, household: HouseholdDetails) -> HouseholdDetails:
    """The household's details as confirmed by the person kept, when the resident they
    name is an id a merge visits handled retired (merged_person, ADR 0172). Every write
    of a request naming a person id maps it so (ADR 0208): the visit's `resident_id`, a
    draft's household piece and resident-details-confirmed name the person kept, never
    an id no profile, tenancy or later merge in visits will find again. An id visits has
    not seen retired is as sent."""
    kept = await kept_id(session, household.resident_id)
    if kept == household.resident_id:
        return household
    return household.model_copy(update={"resident_id": kept})


async def _confirmed_by_a_resident_of_the_home(
    session: AsyncSession, visit: Visit, household: HouseholdDetails, field: str
) -> None:
    """The household's details are confirmed with a resident of the home visited, by
    either report (a draft's household piece, the one-shot report's `household`):
    engagement applies them (household size, so living alone) to whichever resident the
    id names, whatever the home. A resident visits does not know yet (engagement's event
    still to come) is taken. Where the resident lives stays out of the problem."""
    confirmed_by = await home_profiles.resident(session, household.resident_id)
    if confirmed_by is not None and confirmed_by.uprn != visit.uprn:
        raise Unprocessable(
            f"Resident {household.resident_id} is not a resident of home {visit.uprn}: "
            "the household's details are confirmed with one of its residents (the "
            "briefing lists them)",
            field=field,
        )


def _household_columns(household: HouseholdDetails | None) -> dict[str, Any]:
    """The visit's columns for the household's details (none given: left null)."""
    if household is None:
        return {}
    return {
        "resident_id": household.resident_id,
        "household_size": household.household_size,
        "details_corrected": [str(detail) for detail in household.corrected],
        "vulnerability_consent": household.vulnerability_consent,
    }


async def _announce_household(
    session: AsyncSession, visit: Visit, household: HouseholdDetails, visited_at: datetime
) -> None:
    """resident-details-confirmed, with the visit's tenancy (the household of the visit's
    day, ADR 0096) and dated visited_at, whichever report recorded the details."""
    await publish(
        session,
        ResidentDetailsConfirmed(
            visit_id=visit.id,
            uprn=visit.uprn,
            resident_id=household.resident_id,
            tenancy_id=visit.tenancy_id,
            household_size=household.household_size,
            corrected=[ResidentDetail(detail) for detail in household.corrected],
            vulnerability_consent=household.vulnerability_consent,
            confirmed_at=visited_at,
        ),
    )


async def page_of_visits(
    connection: ReadConnection,
    page: PageParams,
    *,
    uprn: str | None,
    status: VisitStatus | None,
    caller: Caller,
) -> Page[VisitPublic]:
    """Visits, latest scheduled first, with what each found, a page at a time: one
    statement on a read connection, rows straight into the public entries (the
    officer's notes only to a caller who needs them: shown_to). A module function: it
    needs no configuration, so its route resolves no service dependency."""
    rows = await repository.page_rows(
        connection,
        after=page.after_as(datetime, uuid.UUID),
        limit=page.fetch,
        uprn=uprn,
        status=status,
    )
    return Page.from_rows(
        [shown_to(visit, caller) for visit in publics_of_rows(rows)],
        page.limit,
        cursor_of=lambda visit: (visit.scheduled_for, visit.id),
    )


def publics_of_rows(rows: Sequence[Row[Any]]) -> list[VisitPublic]:
    """Public entries from repository.page_rows' rows: each visit's columns, repeated
    on one row per finding (its kind in `part`), or on one row with no finding."""
    visits: dict[uuid.UUID, dict[str, Any]] = {}
    for row in rows:
        fields = row._mapping
        visit = visits.get(row.id)
        if visit is None:
            visit = visits[row.id] = {
                **{name: fields[name] for name in repository.VISIT_COLUMNS},
                "repairs_found": [],
                "hazards_found": [],
                "tenancy_concerns": [],
                "rooms": [],
                "communal_issues": [],
                "customer_actions": [],
            }
        part = row.part
        if part is None:
            continue
        if part == repository.REPAIR:
            visit["repairs_found"].append(
                RepairFindingPublic(
                    id=row.finding_id,
                    description=row.text_1,
                    location=row.text_2,
                    trade=row.text_3,
                    severity=row.text_4,
                )
            )
        elif part == repository.HAZARD:
            visit["hazards_found"].append(
                HazardFindingPublic(
                    id=row.finding_id,
                    hazard_type=row.text_1,
                    severity=row.text_2,
                    location=row.text_3,
                    description=row.text_4,
                )
            )
        elif part == repository.CONCERN:
            visit["tenancy_concerns"].append(
                TenancyConcernPublic(id=row.finding_id, concern=row.text_1, notes=row.text_2)
            )
        elif part == repository.ROOM:
            visit["rooms"].append(
                RoomPublic(
                    room=row.text_1,
                    condition=row.text_2,
                    notes=row.text_3,
                    photos=row.photos,
                    components=row.components or [],
                )
            )
        elif part == repository.COMMUNAL_ISSUE:
            visit["communal_issues"].append(
                CommunalIssuePublic(
                    id=row.finding_id,
                    issue=row.text_1,
                    location=row.text_2,
                    description=row.text_3,
                )
            )
        else:
            visit["customer_actions"].append(
                CustomerActionPublic(
                    id=row.finding_id,
                    uprn=row.text_1,
                    visit_id=row.finding_visit_id,
                    description=row.text_2,
                    due_on=row.due_on,
                    promised_at=row.promised_at,
                    closed_at=row.closed_at,
                    closed_at_visit_id=row.closed_at_visit_id,
                    lapsed_at=row.lapsed_at,
                )
            )
    return [
        VisitPublic(**visit, inventory_recorded=bool(visit["rooms"])) for visit in visits.values()
    ]


def _history(visits: home_profiles.LastVisits) -> programme_rules.VisitHistory:
    return programme_rules.VisitHistory(
        visits.last_visit, visits.last_full_visit, visits.last_stock_condition_survey
    )
