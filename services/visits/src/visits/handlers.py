"""Reactions to other services' events, one function each: they keep the projections
the visit programme ranks homes from (homes, tenancies, residents, contacts, access
failures, damp cases, gas checks due, officer visits compliance's no-access procedure
asks for) and the officers' caseloads. Each write is an
idempotent upsert or insert, and an older event never overwrites what a newer one
said; an ended tenancy keeps its end for good, so a late or replayed start never
brings it back.

Pure projections take a run of events of one type at a time (`on_batch`): one
statement however long the run; a single event is a run of one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import (
    AccessEscalated,
    AccessFailed,
    CheckCompleted,
    CheckCompletedV2,
    CheckDue,
    CheckWithdrawn,
    CombinedAppointmentOffered,
    NoAccessStep,
    PropertyRegistered,
    PropertyUpdated,
)
from hearth_contracts.events.engagement import (
    ContactDirection,
    ContactLogged,
    ResidentMerged,
    ResidentRegistered,
    ResidentRegisteredV2,
    ResidentUpdated,
    ResidentUpdatedV2,
    VulnerabilityRecorded,
    VulnerabilityRecordedV2,
)
from hearth_contracts.events.income import (
    ArrearsStageChanged,
    TenancyEnded,
    TenancyStarted,
    TenancyStartedV2,
    TenancyTypeChanged,
    TenancyWithdrawn,
    trial_ends_on,
)
from hearth_contracts.events.repairs import DampMouldCaseOpened
from hearth_contracts.events.visits import HazardType
from hearth_kit.consumer import EventHandlers
from hearth_kit.working_days import start_of_london_day
from visits.caseloads import service as caseloads
from visits.person_ids import kept_id, kept_ids, merge_person
from visits.programme import repository as projections
from visits.programme.repository import RegisterEntry, StartedTenancy
from visits.programme.rescoring import RescoringHandlers, also_rescore
from visits.programme.rules import INTRODUCTORY_TYPES
from visits.programme.service import ProgrammeService
from visits.settings import VisitsSettings
from visits.visits import repository as visit_records
from visits.visits.service import VisitService


def build_handlers(settings: VisitsSettings) -> EventHandlers:
    # The homes a transaction's events name are re-scored for the programme once they
    # have all been applied (RescoringHandlers.applied).
    handlers = RescoringHandlers(ProgrammeService(settings.programme, settings.intervals))
    officers = settings.caseloads
    visits = VisitService(settings)

    @handlers.on_batch(PropertyRegistered)
    async def properties_registered(
        session: AsyncSession, envelopes: Sequence[Envelope[PropertyRegistered]]
    ) -> None:
        """Homes joined the asset register: heating fuel, gas supply, compliance's
        decision on their annual gas check, area, and tenure (a leasehold or shared
        ownership home is out of the programme, ADR 0115)."""
        await projections.save_properties(
            session,
            [
                RegisterEntry(
                    uprn=home.uprn,
                    heating_fuel=home.heating_fuel,
                    gas_supply=home.gas_supply,
                    needs_gas_safety_check=home.needs_gas_safety_check,
                    postcode=home.postcode,
                    tenure=home.tenure,
                    as_of=home.registered_at,
                    registered_at=home.registered_at,
                )
                for home in (envelope.data for envelope in envelopes)
            ],
        )
        await caseloads.community_officers_follow_areas(
            session, officers, [envelope.data.uprn for envelope in envelopes]
        )

    @handlers.on_batch(PropertyUpdated)
    async def properties_updated(
        session: AsyncSession, envelopes: Sequence[Envelope[PropertyUpdated]]
    ) -> None:
        """Homes' register entries changed (a new heating system, gas capped, a home
        sold to its tenant under the right to buy: leasehold now, out of the programme)."""
        await projections.save_properties(
            session,
            [
                RegisterEntry(
                    uprn=home.uprn,
                    heating_fuel=home.heating_fuel,
                    gas_supply=home.gas_supply,
                    needs_gas_safety_check=home.needs_gas_safety_check,
                    postcode=home.postcode,
                    tenure=home.tenure,
                    as_of=home.updated_at,
                )
                for home in (envelope.data for envelope in envelopes)
            ],
        )
        # a corrected postcode moves the home's community tenancies to its area's officer
        await caseloads.community_officers_follow_areas(
            session, officers, [envelope.data.uprn for envelope in envelopes]
        )

    async def tenancy_started(
        session: AsyncSession, envelope: Envelope[TenancyStarted] | Envelope[TenancyStartedV2]
    ) -> None:
        """A tenancy began: kept as the home's tenancy, its tenants as members of its
        household (whose contacts are the household's, ADR 0151), and placed on a
        caseload (v2, which names tenants by person id only, and v1 alike)."""
        tenancy = envelope.data
        kept = await kept_ids(session, (tenant.person_id for tenant in tenancy.tenants))
        await projections.save_tenancies(
            session,
            [
                StartedTenancy(
                    uprn=tenancy.uprn,
                    tenancy_id=tenancy.tenancy_id,
                    start_date=tenancy.start_date,
                    tenancy_type=tenancy.tenancy_type,
                    introductory_ends_on=trial_ends_on(
                        tenancy.start_date, officers.introductory_months
                    )
                    if tenancy.tenancy_type in INTRODUCTORY_TYPES
                    else None,
                )
            ],
        )
        await projections.save_members(
            session, [(tenancy.tenancy_id, kept[tenant.person_id]) for tenant in tenancy.tenants]
        )
        await caseloads.tenancy_started(
            session,
            officers,
            tenancy_id=tenancy.tenancy_id,
            uprn=tenancy.uprn,
            tenancy_type=tenancy.tenancy_type,
            start_date=tenancy.start_date,
        )

    handlers.on(TenancyStarted)(tenancy_started)
    handlers.on(TenancyStartedV2)(tenancy_started)

    @handlers.on(TenancyTypeChanged)
    async def tenancy_type_changed(
        session: AsyncSession, envelope: Envelope[TenancyTypeChanged]
    ) -> None:
        """An introductory tenancy converted (no longer new) or was extended."""
        change = envelope.data
        await projections.change_tenancy_type(
            session,
            tenancy_id=change.tenancy_id,
            uprn=change.uprn,
            tenancy_type=change.tenancy_type,
            introductory_ends_on=change.introductory_period_ends_on,
            effective_on=change.effective_on,
        )
        await caseloads.tenancy_type_changed(
            session,
            officers,
            tenancy_id=change.tenancy_id,
            uprn=change.uprn,
            change=change.change,
            tenancy_type=change.tenancy_type,
            introductory_ends_on=change.introductory_period_ends_on,
            effective_on=change.effective_on,
        )

    @handlers.on(TenancyEnded)
    async def tenancy_ended(session: AsyncSession, envelope: Envelope[TenancyEnded]) -> None:
        """A tenancy ended, for good: off the programme's current tenancies and off
        every caseload, and the customer actions promised to its household and still
        open lapse, from the day after its last (the household has left: owed to nobody
        living there, not the next household's, not outstanding at an empty home)."""
        ended = envelope.data
        await projections.end_tenancy(
            session, tenancy_id=ended.tenancy_id, uprn=ended.uprn, end_date=ended.end_date
        )
        await caseloads.tenancy_ended(session, ended.tenancy_id)
        record = await projections.tenancy(session, ended.tenancy_id)
        await visit_records.lapse_actions(
            session,
            tenancy_id=ended.tenancy_id,
            uprn=ended.uprn,
            lived_there_from=None
            if record is None or record.start_date is None
            else start_of_london_day(record.start_date),
            left_at=start_of_london_day(ended.end_date + timedelta(days=1)),
        )

    @handlers.on(TenancyWithdrawn)
    async def tenancy_withdrawn(
        session: AsyncSession, envelope: Envelope[TenancyWithdrawn]
    ) -> None:
        """A tenancy recorded ahead was withdrawn before its first day (ADR 0111): kept as
        one that ran no day (its last day the day before its first), so it is the home's
        tenancy on no day and never a current one, and off every caseload. Its end is kept
        for good, so a tenancy-started handled after this (a replayed dead letter) places
        nothing. An action promised at a visit with it (none ran a day, but a visit can
        name a tenancy recorded ahead) lapses, as when withdrawn."""
        withdrawn = envelope.data
        await projections.end_tenancy(
            session,
            tenancy_id=withdrawn.tenancy_id,
            uprn=withdrawn.uprn,
            end_date=withdrawn.start_date - timedelta(days=1),
        )
        await caseloads.tenancy_ended(session, withdrawn.tenancy_id)
        await visit_records.lapse_actions(
            session,
            tenancy_id=withdrawn.tenancy_id,
            uprn=withdrawn.uprn,
            lived_there_from=None,
            left_at=withdrawn.withdrawn_at,
        )

    @handlers.on(ArrearsStageChanged)
    async def arrears_stage_changed(
        session: AsyncSession, envelope: Envelope[ArrearsStageChanged]
    ) -> None:
        change = envelope.data
        await projections.save_arrears_stage(
            session,
            tenancy_id=change.tenancy_id,
            uprn=change.uprn,
            stage=change.stage,
            changed_at=change.changed_at,
        )

    async def residents_registered(
        session: AsyncSession,
        envelopes: Sequence[Envelope[ResidentRegistered] | Envelope[ResidentRegisteredV2]],
    ) -> None:
        """Residents' age band, living alone, language and channel (never names; v2,
        which carries none, and v1 alike), and each a member of the household of the
        tenancy it was registered on (ADR 0151). A resident id visits has seen merged is
        the person kept (person_ids.kept_ids, ADR 0172)."""
        kept = await kept_ids(session, (envelope.data.resident_id for envelope in envelopes))
        await projections.save_members(
            session,
            [(envelope.data.tenancy_id, kept[envelope.data.resident_id]) for envelope in envelopes],
        )
        await projections.save_resident_details(
            session,
            [
                {
                    "resident_id": kept[r.resident_id],
                    "uprn": r.uprn,
                    "tenancy_id": r.tenancy_id,
                    "age_band": r.age_band,
                    "lives_alone": r.lives_alone,
                    "language": r.language,
                    "preferred_channel": r.preferred_channel,
                    "details_as_of": r.registered_at,
                }
                for r in (envelope.data for envelope in envelopes)
            ],
        )

    handlers.on_batch(ResidentRegistered)(residents_registered)
    handlers.on_batch(ResidentRegisteredV2)(residents_registered)

    async def residents_updated(
        session: AsyncSession,
        envelopes: Sequence[Envelope[ResidentUpdated] | Envelope[ResidentUpdatedV2]],
    ) -> None:
        """As registered: a resident moved on to another tenancy is a member of both
        (they were of the first while they lived there, ADR 0151)."""
        kept = await kept_ids(session, (envelope.data.resident_id for envelope in envelopes))
        await projections.save_members(
            session,
            [(envelope.data.tenancy_id, kept[envelope.data.resident_id]) for envelope in envelopes],
        )
        await projections.save_resident_details(
            session,
            [
                {
                    "resident_id": kept[r.resident_id],
                    "uprn": r.uprn,
                    "tenancy_id": r.tenancy_id,
                    "age_band": r.age_band,
                    "lives_alone": r.lives_alone,
                    "language": r.language,
                    "preferred_channel": r.preferred_channel,
                    "format_needs": [str(need) for need in r.format_needs],
                    "details_as_of": r.updated_at,
                }
                for r in (envelope.data for envelope in envelopes)
            ],
        )

    handlers.on_batch(ResidentUpdated)(residents_updated)
    handlers.on_batch(ResidentUpdatedV2)(residents_updated)

    async def vulnerability_recorded(
        session: AsyncSession,
        envelope: Envelope[VulnerabilityRecorded] | Envelope[VulnerabilityRecordedV2],
    ) -> None:
        """A flag and the adjustments an officer must make. v2 carries only the flag
        (`vulnerable`); an old v1 still on the topic is flagged when it lists any
        category (the categories themselves are not kept). The newer record wins
        (save_vulnerability compares when each was recorded), so an older one of either
        version arriving late changes nothing."""
        record = envelope.data
        await projections.save_vulnerability(
            session,
            resident_id=await kept_id(session, record.resident_id),
            uprn=record.uprn,
            vulnerable=record.vulnerable
            if isinstance(record, VulnerabilityRecordedV2)
            else bool(record.categories),
            adjustments=[str(a) for a in record.adjustments],
            recorded_at=record.recorded_at,
        )

    handlers.on(VulnerabilityRecorded)(vulnerability_recorded)
    handlers.on(VulnerabilityRecordedV2)(vulnerability_recorded)

    @handlers.on(ResidentMerged)
    async def resident_merged(session: AsyncSession, envelope: Envelope[ResidentMerged]) -> None:
        """A second record of one person was merged into the resident kept (ADR 0124):
        the profile and the visits naming the duplicate's id are the kept resident's,
        the two profiles merged where visits holds both (person_ids, ADR 0142). The
        homes of the profiles are scored again (one resident fewer: perhaps living
        alone now) with the rest of the transaction's."""
        also_rescore(session, await merge_person(session, envelope.data))

    @handlers.on_batch(ContactLogged)
    async def contacts_logged(
        session: AsyncSession, envelopes: Sequence[Envelope[ContactLogged]]
    ) -> None:
        """How often the household contacts the landlord (when and where only): the
        contacts it made (inbound). One the landlord made (outbound: a call chasing
        arrears, a letter) is not the household contacting it, and counted, a household
        that never gets in touch but is chased would not show as very low contact, and
        one chased often would show as very high. Who made it is kept (`resident_id`,
        when engagement named one): a former tenant's call about the home after leaving
        is not the household's living there (ADR 0151); a resident id visits has seen
        merged is the person kept (ADR 0172), a member where the retired id no longer is."""
        kept = await kept_ids(
            session, (e.data.resident_id for e in envelopes if e.data.resident_id is not None)
        )
        await projections.save_contacts(
            session,
            [
                {
                    "contact_id": c.contact_id,
                    "uprn": c.uprn,
                    "contacted_at": c.contacted_at,
                    "resident_id": None if c.resident_id is None else kept[c.resident_id],
                }
                for c in (envelope.data for envelope in envelopes)
                if c.direction is ContactDirection.INBOUND
            ],
        )

    @handlers.on_batch(AccessFailed)
    async def access_failed(
        session: AsyncSession, envelopes: Sequence[Envelope[AccessFailed]]
    ) -> None:
        """A compliance check got no access: no-access history."""
        await projections.save_access_failures(
            session,
            [
                {"attempt_id": a.attempt_id, "uprn": a.uprn, "attempted_at": a.attempted_at}
                for a in (envelope.data for envelope in envelopes)
            ],
        )

    @handlers.on_batch(AccessEscalated)
    async def access_escalated(
        session: AsyncSession, envelopes: Sequence[Envelope[AccessEscalated]]
    ) -> None:
        """A safety check's no-access procedure reached its housing officer visit step:
        the home goes on the visit officers' list (the programme's
        officer_visit_for_check_access factor, a full visit) until the check is done or
        a full visit is made. Kept once per check; the ladder's other steps (letters,
        second appointment, final warning, legal action) are compliance's own."""
        await projections.save_officer_visits_for_access(
            session,
            [
                {
                    "check_id": e.check_id,
                    "uprn": e.uprn,
                    "check_type": e.check_type,
                    "asked_at": e.escalated_at,
                }
                for e in (envelope.data for envelope in envelopes)
                if e.step is NoAccessStep.HOUSING_OFFICER_VISIT
            ],
        )

    @handlers.on_batch(DampMouldCaseOpened)
    async def damp_cases_opened(
        session: AsyncSession, envelopes: Sequence[Envelope[DampMouldCaseOpened]]
    ) -> None:
        """Repairs opened an Awaab's Law case: damp history when it is damp and mould.
        An emergency case of another kind (electrical, fire, gas, falls) is not; a case
        whose event does not say its kind (`hazard_type` null: one from before the
        field) is counted, as it always was."""
        await projections.save_damp_cases(
            session,
            [
                {"case_id": d.case_id, "uprn": d.uprn, "became_aware_at": d.became_aware_at}
                for d in (envelope.data for envelope in envelopes)
                if d.hazard_type in (None, HazardType.DAMP_AND_MOULD)
            ],
        )

    @handlers.on(CheckDue)
    async def check_due(session: AsyncSession, envelope: Envelope[CheckDue]) -> None:
        """A check is due: a full visit booked near its date is paired with it."""
        due = envelope.data
        await projections.save_check_due(
            session,
            check_id=due.check_id,
            uprn=due.uprn,
            check_type=due.check_type,
            due_by=due.due_by,
            raised_at=due.raised_at,
        )

    async def check_done(session: AsyncSession, done: CheckCompleted | CheckCompletedV2) -> None:
        """A check was done: no longer one to pair a visit with (whether or not compliance
        names a next check: v2's `next_due_by` is null for a home outside the programme)."""
        await projections.complete_check(
            session,
            check_id=done.check_id,
            uprn=done.uprn,
            check_type=done.check_type,
            completed_at=done.completed_at,
        )

    @handlers.on(CheckCompleted)
    async def check_completed(session: AsyncSession, envelope: Envelope[CheckCompleted]) -> None:
        """check-completed v1 (events from before v2)."""
        await check_done(session, envelope.data)

    @handlers.on(CheckCompletedV2)
    async def check_completed_v2(
        session: AsyncSession, envelope: Envelope[CheckCompletedV2]
    ) -> None:
        """check-completed v2 (which compliance publishes now)."""
        await check_done(session, envelope.data)

    @handlers.on(CheckWithdrawn)
    async def check_withdrawn(session: AsyncSession, envelope: Envelope[CheckWithdrawn]) -> None:
        """A check was withdrawn (the home no longer needs it: a right to buy sale, a
        capped supply, the landlord's appliance removed): as for a completed one, no
        visit is paired with it and the officer visit asked for its access is closed,
        so a home out of the programme does not stay top of the officers' list."""
        withdrawn = envelope.data
        await projections.complete_check(
            session,
            check_id=withdrawn.check_id,
            uprn=withdrawn.uprn,
            check_type=withdrawn.check_type,
            completed_at=withdrawn.withdrawn_at,
        )

    @handlers.on(CombinedAppointmentOffered)
    async def combined_appointment_offered(
        session: AsyncSession, envelope: Envelope[CombinedAppointmentOffered]
    ) -> None:
        """Compliance offers the gas check in the visit's slot: one appointment."""
        offer = envelope.data
        await visits.accept_combined_appointment(
            session, visit_id=offer.visit_id, check_id=offer.check_id
        )

    return handlers
