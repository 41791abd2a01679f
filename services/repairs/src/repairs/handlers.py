"""Reactions to other services' events, one function each. Each runs inside the
consumer's transaction (with the inbox record) and never commits; the SQL is in the
repositories. The home projection takes a run of property-registered or
property-updated events at a time (`on_batch`); raising a repair found on a visit, or
recording a communal issue noticed on one, creates things and stays one event at a
time."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import (
    HazardFoundAtCheck,
    PropertyRegistered,
    PropertyUpdated,
    RequiredAlarmMissing,
    SafetyDefectFound,
)
from hearth_contracts.events.engagement import (
    ComplaintCategory,
    ComplaintReceived,
    ResidentMerged,
    VulnerabilityRecorded,
    VulnerabilityRecordedV2,
)
from hearth_contracts.events.income import (
    RechargePaid,
    RechargeSettledBy,
    TenancyEnded,
    TenancyStarted,
    TenancyStartedV2,
    TenancyWithdrawn,
)
from hearth_contracts.events.repairs import AwarenessSource, RepairSourceV2
from hearth_contracts.events.visits import (
    CommunalIssueFound,
    HazardIdentified,
    HazardIdentifiedV2,
    HazardSeverity,
    VisitFoundRepair,
)
from hearth_kit.consumer import EventHandlers
from hearth_kit.logs import get_logger
from hearth_kit.working_days import ENGLAND_AND_WALES
from repairs.appointments.service import appointment_request_service
from repairs.awaab import repository as awaab_cases
from repairs.awaab import rules as awaab_rules
from repairs.awaab.service import AwaabService
from repairs.communal_issues import service as communal_issues
from repairs.metrics import EVENT_TIMES_IN_THE_FUTURE
from repairs.models import AwaabCaseHazard, RepairRequest
from repairs.person_ids import kept_ids, merge_person
from repairs.recharges import repository as recharges
from repairs.recharges import service as held_recharges
from repairs.recharges.repository import (
    PaymentOnRecharge,
    TenancyEnd,
    TenancyStart,
    VulnerabilityFlag,
)
from repairs.settings import AwaabTargets
from repairs.work_orders import repository as repairs
from repairs.work_orders.repository import RegisterEntry
from repairs.work_orders.rules import priority_of_finding
from repairs.work_orders.service import RepairService

log = get_logger(__name__)


def address_of(home: PropertyRegistered | PropertyUpdated, *, as_of: datetime) -> RegisterEntry:
    """The address an operative needs, and the block the home is in (a communal issue
    reported from it is listed with its block), from the asset register's entry for a
    home, as of the event's own time (its registration or its update)."""
    return RegisterEntry(
        uprn=home.uprn,
        address_line_1=home.address_line_1,
        address_line_2=home.address_line_2,
        town=home.town,
        postcode=home.postcode,
        block_id=home.block_id,
        as_of=as_of,
    )


def clock_start(moment: datetime, envelope: Envelope[Any], now: datetime | None = None) -> datetime:
    """The moment a clock starts from, given the time another service's event carries
    (when the officer saw the repair, the engineer found the defect, the complaint was
    received): that time, unless it is in the future when the event is handled.

    A start in the future is refused at the API (DOMAIN.md), but a consumer cannot
    answer 422, and dead-lettering would leave an unsafe appliance's repair or an Awaab's
    Law case unraised until someone replayed it. The fact happened before its event was
    published, so the clock starts then instead (`envelope.time`, or now when that is in
    the future too): never later than the landlord knew, so no deadline is longer than
    it should be (docs/api/repairs.md, "Times in other services' events"). Counted and
    logged with the event's id and type only (no personal data), so the producer's clock
    or bug can be found."""
    now = now or datetime.now(UTC)
    if moment <= now:
        return moment
    EVENT_TIMES_IN_THE_FUTURE.labels(event_type=envelope.type).inc()
    log.warning(
        "event time in the future: clock started when the event was published",
        event_id=str(envelope.id),
        event_type=envelope.type,
        seconds_ahead=int((moment - now).total_seconds()),
    )
    return min(envelope.time, now)


def before_the_law(became_aware_at: datetime, envelope: Envelope[Any]) -> bool:
    """Whether a hazard's or complaint's event tells of something the landlord became
    aware of before Awaab's Law was in force (awaab.rules.before_the_law): no case is
    opened with the law's clocks for it (docs/adr/0190). A consumer cannot answer 422 as
    POST /v1/awaab-cases does, so the event is skipped and logged with its id and
    type only (no personal data): a manager decides whether the home needs anything."""
    if not awaab_rules.before_the_law(became_aware_at):
        return False
    log.info(
        "awaab case not opened: the landlord became aware before the law was in force",
        event_id=str(envelope.id),
        event_type=envelope.type,
    )
    return True


def vulnerability_flag(
    record: VulnerabilityRecorded | VulnerabilityRecordedV2, *, vulnerable: bool
) -> VulnerabilityFlag:
    """Only whether a resident has a recorded vulnerability (recharges consider it),
    as of when engagement recorded it: save_flags keeps the newest, so an older record
    arriving late, of either version, changes nothing."""
    return VulnerabilityFlag(
        resident_id=record.resident_id,
        uprn=record.uprn,
        tenancy_id=record.tenancy_id,
        flagged=vulnerable,
        as_of=record.recorded_at,
    )


async def flags_of_the_kept(
    session: AsyncSession, flags: Sequence[VulnerabilityFlag]
) -> list[VulnerabilityFlag]:
    """The flags with each resident id repairs has seen merged as the person kept
    (person_ids.kept_ids, ADR 0172): a late record naming a retired id holds the kept
    person's home's recharges, never nobody's. Two records then of one person keep the
    newest, as save_flags does for any two."""
    kept = await kept_ids(session, (flag.resident_id for flag in flags))
    return [dataclasses.replace(flag, resident_id=kept[flag.resident_id]) for flag in flags]


def build_handlers(
    repair_service: RepairService, awaab_service: AwaabService | None = None
) -> EventHandlers:
    handlers = EventHandlers()
    # the law's working days, not the repairs calendar's closure days (docs/adr/0035)
    awaab = awaab_service or AwaabService(AwaabTargets(), ENGLAND_AND_WALES)

    @handlers.on(VisitFoundRepair)
    async def raise_repair_found_on_visit(
        session: AsyncSession, envelope: Envelope[VisitFoundRepair]
    ) -> None:
        """A repair found on a home visit becomes a repair request with the finding's
        severity (routine when it has none), its clock started when the officer saw it
        (the visit's time), grouped with the visit's other repairs into one pending
        appointment request."""
        found = envelope.data
        if await repairs.by_finding(session, found.finding_id) is not None:
            return  # already raised (the same finding re-published under a new event id)
        seen_at = clock_start(getattr(found, "visited_at", None) or found.reported_at, envelope)
        appointment = await appointment_request_service.for_visit(
            session, visit_id=found.visit_id, uprn=found.uprn, requested_at=seen_at
        )
        repair = await repair_service.report(
            session,
            uprn=found.uprn,
            description=found.description,
            location=found.location,
            trade=found.trade,
            priority=priority_of_finding(getattr(found, "severity", None)),
            source=RepairSourceV2.HOME_VISIT,
            reported_at=seen_at,
            visit_id=found.visit_id,
            finding_id=found.finding_id,
            appointment_request_id=appointment.id,
        )
        log.info(
            "repair raised from visit",
            repair_id=str(repair.id),
            visit_id=str(found.visit_id),
            uprn=found.uprn,
            target_at=repair.target_at.isoformat(),
        )

    @handlers.on(CommunalIssueFound)
    async def record_communal_issue_found_on_visit(
        session: AsyncSession, envelope: Envelope[CommunalIssueFound]
    ) -> None:
        """A communal issue (a broken door entry, lighting) noticed on a visit waits for
        a repairs manager's triage, dated when the officer noticed it; once per issue,
        however often it is re-published. No repair is raised here: the home visited is
        not the communal area, and only a person can tell a duplicate or an estate
        issue that is not the block's (docs/adr/0044)."""
        found = envelope.data
        found = found.model_copy(update={"found_at": clock_start(found.found_at, envelope)})
        issue = await communal_issues.record(session, found)
        if issue is not None:
            log.info(
                "communal issue awaiting triage",
                issue_id=str(issue.issue_id),
                visit_id=str(issue.visit_id),
                issue=issue.issue,
            )

    @handlers.on_batch(PropertyRegistered)
    async def remember_homes(
        session: AsyncSession, envelopes: Sequence[Envelope[PropertyRegistered]]
    ) -> None:
        """Keep the address an operative needs and the home's block, from the asset
        register: a run of events in one statement (a single event is a run of one).
        A block named is a communal repair's UPRN: recharges held there are declined
        (recharges.service.decline_held_at_blocks)."""
        await keep_register_entries(
            session,
            [
                address_of(home, as_of=home.registered_at)
                for home in (envelope.data for envelope in envelopes)
            ],
        )

    @handlers.on_batch(PropertyUpdated)
    async def update_homes(
        session: AsyncSession, envelopes: Sequence[Envelope[PropertyUpdated]]
    ) -> None:
        """A home's entry in the asset register changed (an address corrected, a block
        given): keep the new address and block, versioned by the change's own time, so
        an older registration or update arriving late never overwrites it; recharges
        held at a block it names are declined, as for a registration."""
        await keep_register_entries(
            session,
            [
                address_of(home, as_of=home.updated_at)
                for home in (envelope.data for envelope in envelopes)
            ],
        )

    async def keep_register_entries(session: AsyncSession, entries: list[RegisterEntry]) -> None:
        """The asset register's entries, registered or updated alike: each home's
        address and block kept (the newer as_of wins), and every block named is a
        communal repair's UPRN, so recharges held there are declined
        (recharges.service.decline_held_at_blocks)."""
        await repairs.save_homes(session, entries)
        await held_recharges.decline_held_at_blocks(
            session, {e.block_id for e in entries if e.block_id is not None}
        )

    async def raise_safety_repair(
        session: AsyncSession,
        envelope: Envelope[SafetyDefectFound] | Envelope[RequiredAlarmMissing],
        safety_defect_id: uuid.UUID,
        remedy_by: datetime | None = None,
    ) -> RepairRequest | None:
        """The repair compliance asks for (a defect found at a check, a required alarm
        missing), at its priority and its clock started when it was found; raised once
        per `safety_defect_id` (None: already raised, the event redelivered)."""
        found = envelope.data
        if await repairs.by_safety_defect(session, safety_defect_id) is not None:
            return None
        return await repair_service.report(
            session,
            uprn=found.uprn,
            description=found.description,
            location=found.location,
            trade=found.trade,
            priority=found.priority,
            source=RepairSourceV2.SAFETY_CHECK,
            reported_at=clock_start(found.found_at, envelope),
            safety_defect_id=safety_defect_id,
            remedy_by=remedy_by,
        )

    @handlers.on(SafetyDefectFound)
    async def raise_repair_for_safety_defect(
        session: AsyncSession, envelope: Envelope[SafetyDefectFound]
    ) -> None:
        """A defect found at a safety check becomes a repair at the priority compliance
        gives, its clock started when the defect was found; due by the earlier of that
        priority's target and the defect's `remedy_by` (when compliance gives one)."""
        defect = envelope.data
        repair = await raise_safety_repair(
            session, envelope, defect.defect_id, remedy_by=defect.remedy_by
        )
        if repair is not None:
            log.info("repair raised from safety defect", repair_id=str(repair.id), uprn=defect.uprn)

    @handlers.on(RequiredAlarmMissing)
    async def raise_repair_to_fit_missing_alarm(
        session: AsyncSession, envelope: Envelope[RequiredAlarmMissing]
    ) -> None:
        """A required smoke or CO alarm the asset register shows missing becomes a repair
        to fit it, at the priority compliance gives, its clock started when the register
        first showed it missing; once per `alarm_id`, kept as the repair's safety defect
        (compliance's repair-completed handler notes the alarm repaired and remedies a
        gas record's finding of it; the register showing it fitted clears it there;
        docs/adr/0109, docs/adr/0120)."""
        alarm = envelope.data
        repair = await raise_safety_repair(session, envelope, alarm.alarm_id)
        if repair is not None:
            log.info(
                "repair raised to fit a missing alarm", repair_id=str(repair.id), uprn=alarm.uprn
            )

    async def open_awaab_case_for(
        session: AsyncSession,
        envelope: Envelope[HazardIdentified]
        | Envelope[HazardIdentifiedV2]
        | Envelope[HazardFoundAtCheck],
        source: AwarenessSource,
    ) -> None:
        """An emergency hazard, or significant damp and mould, opens an Awaab's Law case
        whose clock starts when it was seen (`identified_at`), once per hazard.

        Once per home's damp, as a damp repair reported and a complaint are (docs/adr/0193):
        significant damp and mould at a home with an open significant case (a repair
        reported, a complaint, an earlier visit or check) is the damp already being dealt
        with, its clock running from when the landlord first became aware of it. It is
        recorded on that case (awaab_case_hazard, keyed by the hazard, so the event
        replayed finds it) and opens none: a second case would run a second set of clocks
        for one hazard and count its breaches twice. Not a case whose investigation
        found none (open only for its written summary): damp seen then is a hazard found,
        which would have no clock there, and opens its own. Nor a case whose clock began
        after the hazard was seen (its event arriving late): recorded there the earlier,
        lawful clock start would be lost; it opens its own from `identified_at`, the open
        case's clocks not moved back (open_damp_case_at's `aware_at`, docs/adr/0193). An
        emergency hazard still opens its own case: its 24-hour make-safe clock is a duty
        the open investigation does not carry; so would a significant hazard of another
        type, should a later phase of the law cover it (awaab_rules.
        recorded_on_open_damp_case: only damp and mould goes on the home's damp case).

        A significant hazard the law does not cover (phase 1: anything but damp and
        mould) opens nothing, and is logged with the event's id and type only (no
        personal data), so ops can see it was received and skipped."""
        hazard = envelope.data
        if not awaab_rules.under_awaabs_law(hazard.severity, hazard.hazard_type):
            if hazard.severity is HazardSeverity.SIGNIFICANT:
                log.info(
                    "awaab case not opened: a significant hazard the law does not cover",
                    event_id=str(envelope.id),
                    event_type=envelope.type,
                )
            return
        became_aware_at = clock_start(hazard.identified_at, envelope)
        if before_the_law(became_aware_at, envelope):
            return
        if await awaab_cases.by_hazard(session, hazard.hazard_id) is not None:
            return  # already opened (the same hazard re-published)
        if await awaab_cases.case_recording(session, hazard.hazard_id) is not None:
            return  # already recorded on the home's open case (re-published)
        if awaab_rules.recorded_on_open_damp_case(hazard.severity, hazard.hazard_type):
            # The home held until commit, as a damp repair reported holds it: a report
            # and a hazard at once take turns, and the second finds the first's case.
            open_already = await awaab_cases.open_damp_case_at(
                session, hazard.uprn, aware_at=became_aware_at
            )
            if await awaab_cases.by_hazard(session, hazard.hazard_id) is not None:
                # Looked for again with the home held: the same hazard's event handled at
                # this moment elsewhere opened its case while this one waited, and would
                # otherwise be recorded on the case it opened.
                return
            if open_already is not None:
                awaab_cases.add(
                    session,
                    AwaabCaseHazard(
                        hazard_id=hazard.hazard_id,
                        case_id=open_already.id,
                        source=source,
                        # as a case's start: never in the future (clock_start)
                        identified_at=became_aware_at,
                        recorded_at=datetime.now(UTC),
                    ),
                )
                await session.flush()
                log.info(
                    "awaab case not opened: the hazard is recorded on the home's open case",
                    case_id=str(open_already.id),
                    event_id=str(envelope.id),
                )
                return
        case, _clocks = await awaab.open_case(
            session,
            uprn=hazard.uprn,
            severity=hazard.severity,
            source=source,
            became_aware_at=became_aware_at,
            hazard_id=hazard.hazard_id,
            hazard_type=hazard.hazard_type,
        )
        log.info("awaab case opened", case_id=str(case.id), uprn=hazard.uprn, source=source)

    @handlers.on(HazardIdentified)
    async def open_awaab_case(session: AsyncSession, envelope: Envelope[HazardIdentified]) -> None:
        """A hazard an officer saw on a home visit (v1, still on the topic: its location
        and description are not kept)."""
        await open_awaab_case_for(session, envelope, AwarenessSource.HOME_VISIT)

    @handlers.on(HazardIdentifiedV2)
    async def open_awaab_case_v2(
        session: AsyncSession, envelope: Envelope[HazardIdentifiedV2]
    ) -> None:
        """A hazard an officer saw on a home visit, as visits publishes it now: codes
        only (docs/adr/0071)."""
        await open_awaab_case_for(session, envelope, AwarenessSource.HOME_VISIT)

    @handlers.on(HazardFoundAtCheck)
    async def open_awaab_case_from_check(
        session: AsyncSession, envelope: Envelope[HazardFoundAtCheck]
    ) -> None:
        """A hazard the engineer saw at a gas safety check (its clock from the check's day)."""
        await open_awaab_case_for(session, envelope, AwarenessSource.SAFETY_CHECK)

    @handlers.on(ComplaintReceived)
    async def open_awaab_case_from_complaint(
        session: AsyncSession, envelope: Envelope[ComplaintReceived]
    ) -> None:
        """A complaint about damp and mould is the landlord becoming aware of a potential
        significant hazard: a case opens with its investigation clock from when the
        complaint was received (a manager can stop it if the investigation finds none).
        Once per complaint: nothing when the complaint has a case already (the event
        replayed, or POST /v1/awaab-cases opened it), looked for with the complaint held
        (AwaabService.case_of_complaint), so a request for it at the same moment waits
        for this one or this one for it.

        Once per home's damp, as a damp repair reported is (docs/adr/0192): at a home
        with an open significant case (a damp repair reported, a visit's hazard, an
        earlier complaint) the complaint is about the damp already being dealt with, and
        its clock runs from when the landlord first became aware of it. A second case
        would run a second set of clocks, later, for the same hazard and count its
        breaches twice. The complaint is named on that case when it names none, so the
        complaint has its one case (a POST for it is a 409 naming it, a repair reported
        in it opens none). A complaint received before the open case began (its event
        late) opens its own case from `received_at` instead: taken by the later case its
        earlier, lawful clock start would be lost (docs/adr/0193's amendment). The same
        when a damp repair reported in the complaint came first and named it on that
        later case: the complaint is taken off it and opens its own (docs/adr/0216), so
        the complaint's case and clock do not depend on the order the two events arrive
        in. A case the repair (or a POST for the complaint) opened itself, there being
        none before, stays besides, no longer naming the complaint: one case more than
        had the complaint come first (docs/adr/0216's consequences)."""
        complaint = envelope.data
        if complaint.category is not ComplaintCategory.DAMP_AND_MOULD:
            return
        became_aware_at = clock_start(complaint.received_at, envelope)
        if before_the_law(became_aware_at, envelope):
            return
        named = await awaab.case_of_complaint(session, complaint.complaint_id)
        if named is not None:
            if named.became_aware_at <= became_aware_at:
                return  # the complaint's case (the event replayed, or a POST opened it)
            # Named on a case that began after the complaint was received (a damp repair
            # reported in it came first, its event late): not the complaint's case, whose
            # earlier, lawful clock runs from `received_at`. Taken off it, and the complaint
            # goes on as if it had come first (docs/adr/0216): the same cases and clocks
            # in either order. That case's clocks are not moved back (docs/adr/0193).
            # Lock order home, then case, as every taker (open_damp_case_at): its home
            # held before the case is written. Written first, the case's row was held
            # while this waited for the home below, and a damp repair, hazard, complaint
            # or manager's POST there, holding the home and asking for that row, was a
            # deadlock. Both homes in one order when the case is at another UPRN.
            for uprn in sorted({named.uprn, complaint.uprn}):
                await awaab_cases.hold_home(session, uprn)
            named.complaint_id = None
            await session.flush()
        # Lock order as a damp repair reported in a complaint: the complaint, then the home.
        open_already = await awaab_cases.open_damp_case_at(
            session, complaint.uprn, aware_at=became_aware_at
        )
        if open_already is not None:
            if open_already.complaint_id is None:
                open_already.complaint_id = complaint.complaint_id
                await session.flush()
            log.info(
                "awaab case not opened: the home's damp has an open case",
                case_id=str(open_already.id),
                event_id=str(envelope.id),
            )
            return
        case, _clocks = await awaab.open_case(
            session,
            uprn=complaint.uprn,
            severity=HazardSeverity.SIGNIFICANT,
            source=AwarenessSource.COMPLAINT,
            became_aware_at=became_aware_at,
            complaint_id=complaint.complaint_id,
        )
        log.info("awaab case opened from complaint", case_id=str(case.id), uprn=complaint.uprn)

    @handlers.on_batch(VulnerabilityRecorded)
    async def remember_vulnerability_flags(
        session: AsyncSession, envelopes: Sequence[Envelope[VulnerabilityRecorded]]
    ) -> None:
        """Old (v1) records, still on the topic: flagged when any category is listed
        (an empty set clears the flag; the categories themselves are not kept)."""
        await recharges.save_flags(
            session,
            await flags_of_the_kept(
                session,
                [
                    vulnerability_flag(envelope.data, vulnerable=bool(envelope.data.categories))
                    for envelope in envelopes
                ],
            ),
        )

    @handlers.on_batch(VulnerabilityRecordedV2)
    async def remember_vulnerability_flags_v2(
        session: AsyncSession, envelopes: Sequence[Envelope[VulnerabilityRecordedV2]]
    ) -> None:
        """Records as engagement publishes them now: only whether one is recorded."""
        await recharges.save_flags(
            session,
            await flags_of_the_kept(
                session,
                [
                    vulnerability_flag(envelope.data, vulnerable=envelope.data.vulnerable)
                    for envelope in envelopes
                ],
            ),
        )

    @handlers.on(ResidentMerged)
    async def re_key_merged_person(
        session: AsyncSession, envelope: Envelope[ResidentMerged]
    ) -> None:
        """A second record of one person was merged into the resident kept
        (docs/adr/0124): the flag and tenancies under the duplicate's id are the kept
        one's."""
        await merge_person(session, envelope.data)

    async def remember_tenancy_starts(
        session: AsyncSession,
        envelopes: Sequence[Envelope[TenancyStarted]] | Sequence[Envelope[TenancyStartedV2]],
    ) -> None:
        """A tenancy began at a home: with the ends below, repairs knows the household
        income charges a recharge to on a day (the tenancy last in the home, a former
        tenant's when it stands empty), whose recorded vulnerability a recharge considers
        (docs/adr/0116). Its tenants by person id only (v1's names are not kept), so a
        former tenant's flag re-announced under another home still counts. Versioned by
        the event's time: the same event again, or an older one late, changes nothing.
        A tenant id repairs has seen merged is the person kept (person_ids.kept_ids,
        ADR 0172)."""
        kept = await kept_ids(
            session,
            (tenant.person_id for envelope in envelopes for tenant in envelope.data.tenants),
        )
        await recharges.save_tenancy_starts(
            session,
            [
                TenancyStart(
                    tenancy_id=envelope.data.tenancy_id,
                    uprn=envelope.data.uprn,
                    start_date=envelope.data.start_date,
                    as_of=envelope.time,
                    tenants=tuple(
                        dict.fromkeys(kept[tenant.person_id] for tenant in envelope.data.tenants)
                    ),
                )
                for envelope in envelopes
            ],
        )

    handlers.on_batch(TenancyStarted)(remember_tenancy_starts)
    handlers.on_batch(TenancyStartedV2)(remember_tenancy_starts)

    @handlers.on_batch(TenancyEnded)
    async def remember_tenancy_ends(
        session: AsyncSession, envelopes: Sequence[Envelope[TenancyEnded]]
    ) -> None:
        """A tenancy ended: its residents' vulnerability flags stop counting for the
        home, so they no longer hold the next household's recharges for a manager's
        approval. Kept per tenancy (versioned by the event's time) and applied when the
        flags are read, so a vulnerability-recorded for that tenancy arriving after
        this event (another topic) does not bring the flag back for the home."""
        await recharges.save_tenancy_ends(
            session,
            [
                TenancyEnd(
                    tenancy_id=envelope.data.tenancy_id,
                    uprn=envelope.data.uprn,
                    end_date=envelope.data.end_date,
                    as_of=envelope.time,
                )
                for envelope in envelopes
            ],
        )

    @handlers.on_batch(TenancyWithdrawn)
    async def remember_tenancies_withdrawn(
        session: AsyncSession, envelopes: Sequence[Envelope[TenancyWithdrawn]]
    ) -> None:
        """A tenancy recorded ahead was withdrawn before its first day (ADR 0111): its
        household never moved in, so a vulnerability recorded for it (engagement knows
        its tenants from the day it is announced) never holds a recharge at the home.
        Kept as a tenancy that ran no day (its last day the day before its first), as
        tenancy-ended keeps an end, in whichever order the two events come. Its start is
        kept too, so the end before it marks it withdrawn even when its tenancy-started
        was never handled here."""
        await recharges.save_tenancy_starts(
            session,
            [
                TenancyStart(
                    tenancy_id=envelope.data.tenancy_id,
                    uprn=envelope.data.uprn,
                    start_date=envelope.data.start_date,
                    as_of=envelope.time,
                )
                for envelope in envelopes
            ],
        )
        await recharges.save_tenancy_ends(
            session,
            [
                TenancyEnd(
                    tenancy_id=envelope.data.tenancy_id,
                    uprn=envelope.data.uprn,
                    end_date=envelope.data.start_date - timedelta(days=1),
                    as_of=envelope.time,
                )
                for envelope in envelopes
            ],
        )

    @handlers.on_batch(RechargePaid)
    async def remember_recharge_payments(
        session: AsyncSession, envelopes: Sequence[Envelope[RechargePaid]]
    ) -> None:
        """Income took a payment on a recharge: keep what is still owed after the latest
        payment (by when income posted it; one posted earlier changes nothing, whatever
        day it was received); paid in full, the recharge is collected. A write-off
        (`settled_by` write_off) leaving nothing owed makes it written off, neither owed
        nor collected; the write-off undone (a correction) makes it owed again
        (docs/adr/0179). A correction `settled_by` write_off leaving nothing owed is a
        write-off's credit income moved onto the recharge (another recharge cancelled
        freed it): written off too (docs/adr/0183). A recharge income cancelled
        (`cancelled`) is cancelled, for good (docs/adr/0176)."""
        await recharges.save_payments(
            session,
            [
                PaymentOnRecharge(
                    recharge_id=paid.recharge_id,
                    repair_id=paid.repair_id,
                    uprn=paid.uprn,
                    outstanding_pence=paid.outstanding_pence,
                    paid_in_full=paid.paid_in_full,
                    paid_at=paid.paid_at,
                    posted_at=paid.posted_at,
                    written_off=paid.settled_by is RechargeSettledBy.WRITE_OFF
                    and (not paid.correction or paid.outstanding_pence == 0),
                    cancelled=paid.cancelled,
                )
                for paid in (envelope.data for envelope in envelopes)
            ],
        )

    return handlers
