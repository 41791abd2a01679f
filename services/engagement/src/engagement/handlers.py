"""Engagement's reactions to other services' events, one function each. Handlers write
through the session they are given and never commit; the consumer records each event
in the inbox in the same transaction. Events that trigger letters, emails and texts go
through the one message pipeline (rendered in each resident's language and format);
completed work invites the household to a survey."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from engagement.contacts import service as contacts
from engagement.messages import repository as message_repository
from engagement.messages.service import MessageService, held_for_a_home_never_moved_into
from engagement.messages.templates import (
    Values,
    cancellation_why,
    code_words,
    london_time,
    long_date,
    pounds,
)
from engagement.models import Resident
from engagement.residents import repository as residents
from engagement.residents.repository import HomeEntry
from engagement.residents.service import resident_service
from engagement.surveys.service import SurveyService
from engagement.vulnerabilities.service import vulnerability_service
from hearth_contracts import Envelope
from hearth_contracts.events.base import Event
from hearth_contracts.events.compliance import (
    AccessEscalated,
    CheckCompleted,
    CheckCompletedV2,
    CheckDue,
    CheckType,
    PropertyRegistered,
    PropertyUpdated,
    TenantCopyRequested,
)
from hearth_contracts.events.engagement import SurveyKind
from hearth_contracts.events.income import (
    ArrearsStage,
    ArrearsStageChanged,
    TenancyEnded,
    TenancyStarted,
    TenancyStartedV2,
    TenancyWithdrawn,
)
from hearth_contracts.events.repairs import (
    AppointmentBooked,
    AppointmentCancelled,
    RepairCompleted,
    RepairCompletedV2,
)
from hearth_contracts.events.visits import ResidentDetailsConfirmed, VisitCompleted
from hearth_kit.consumer import EventHandlers
from hearth_kit.working_days import london_day


class TenantsNotYetKnown(LookupError):
    """A tenancy's tenants are not residents here yet (tenancy-started not yet handled):
    the event is retried. Names the tenancy by id only."""

    def __init__(self, tenancy_id: uuid.UUID) -> None:
        super().__init__(f"tenants of tenancy {tenancy_id} not yet known")


def words(code: str) -> str:
    """A code (a check type, a no-access step, an arrears stage) as words for a letter,
    written in the letter's language: gas_safety -> gas safety, nwy, instalacji
    gazowej; a code with no wording yet reads as its English words."""
    return code_words(code)


async def on_tenancy_started(
    session: AsyncSession, envelope: Envelope[TenancyStarted] | Envelope[TenancyStartedV2]
) -> None:
    """Keep the tenancy in engagement's projection (an upsert: the same event again
    changes nothing, an older one arriving late is ignored; its version is the
    envelope's time), and make its tenants residents under the person ids income
    named: one id per person across the platform. v2 (which income publishes now)
    names no one, v1 events still on the topic are handled alike. Then contact-logged
    for its tenants' contacts at the home from its first day (docs/adr/0224, amended)."""
    tenancy = envelope.data
    await residents.save_tenancy(
        session,
        tenancy_id=tenancy.tenancy_id,
        uprn=tenancy.uprn,
        tenancy_reference=tenancy.tenancy_reference,
        start_date=tenancy.start_date,
        as_of=envelope.time,
    )
    await resident_service.tenancy_started(session, tenancy, envelope.time)
    # Its tenants' contacts kept unpublished as made before they moved in, judged before
    # engagement knew this start (ADR 0224, amended), by the start kept (an older event
    # arriving late changes none). Not for a tenancy withdrawn before its first day.
    kept = await residents.known_tenancy(session, tenancy.tenancy_id)
    end = await residents.tenancy_end(session, tenancy.tenancy_id)
    if kept is not None and (end is None or end.end_date >= kept.start_date):
        await contacts.tenancy_started(session, kept.tenancy_id, kept.uprn, kept.start_date)


async def on_tenancy_ended(session: AsyncSession, envelope: Envelope[TenancyEnded]) -> None:
    """A tenancy ended: keep its end (an upsert versioned by the envelope's time, so the
    same event again or an older one changes nothing), and its tenants are former
    tenants of the home from now on: kept as residents, no longer sent the home's
    letters (check due, appointments, safety records, survey invitations)."""
    ended = envelope.data
    await residents.save_tenancy_end(
        session,
        tenancy_id=ended.tenancy_id,
        uprn=ended.uprn,
        end_date=ended.end_date,
        as_of=envelope.time,
    )
    await resident_service.tenancy_ended(session, ended)


async def on_tenancy_withdrawn(session: AsyncSession, envelope: Envelope[TenancyWithdrawn]) -> None:
    """A tenancy recorded ahead was withdrawn before its first day (ADR 0111): kept as a
    tenancy that ran no day (its end the day before its first, versioned by the
    envelope's time), so it is the home's on no day and a tenancy-started handled after
    this puts nobody on it; its tenants never lived there (a tenant moving from another
    of the landlord's homes goes back on that tenancy), and a letter held for their
    first day there (a copy of a safety record, a repair appointment's) fails
    (docs/adr/0226, amended)."""
    withdrawn = envelope.data
    await residents.save_tenancy_end(
        session,
        tenancy_id=withdrawn.tenancy_id,
        uprn=withdrawn.uprn,
        end_date=withdrawn.start_date - timedelta(days=1),
        as_of=envelope.time,
    )
    await resident_service.tenancy_withdrawn(session, withdrawn)
    now = datetime.now(UTC)
    for resident in await residents.on_tenancy(session, withdrawn.tenancy_id):
        await held_for_a_home_never_moved_into(session, resident, withdrawn.uprn, now)


async def on_resident_details_confirmed(
    session: AsyncSession, envelope: Envelope[ResidentDetailsConfirmed]
) -> None:
    """A visit confirmed or corrected a resident's details: keep when, the household
    size and what to follow up; consent to vulnerabilities withdrawn removes them. A
    report naming a resident since merged into another (ADR 0124: visits still held the
    old id) is about the resident kept."""
    confirmed = envelope.data
    [resident_id] = await residents.as_kept(session, [confirmed.resident_id])
    confirmed = confirmed.model_copy(update={"resident_id": resident_id})
    known = await resident_service.details_confirmed(session, confirmed)
    if known and confirmed.vulnerability_consent is False:
        await vulnerability_service.consent_withdrawn(
            session, confirmed.resident_id, confirmed.confirmed_at
        )


async def on_properties_registered(
    session: AsyncSession, envelopes: Sequence[Envelope[PropertyRegistered]]
) -> None:
    """Homes joined the asset register: the homes CH01 counts complaints per 1,000 of
    (with their tenure and when they were registered), and the block each is in (a
    communal repair's survey goes to the block's households)."""
    await residents.save_homes(
        session,
        [
            HomeEntry(e.data.uprn, e.data.tenure, e.data.block_id, e.data.registered_at)
            for e in envelopes
        ],
        registered=True,
    )


async def on_properties_updated(
    session: AsyncSession, envelopes: Sequence[Envelope[PropertyUpdated]]
) -> None:
    """Homes' register entries changed: keep their tenure (a right to buy sale makes a
    home leasehold, out of CH01's homes) and block (a home put in the wrong block
    corrected), versioned by the change's own time."""
    await residents.save_homes(
        session,
        [
            HomeEntry(e.data.uprn, e.data.tenure, e.data.block_id, e.data.updated_at)
            for e in envelopes
        ],
        registered=False,
    )


def build_handlers(messages: MessageService, surveys: SurveyService) -> EventHandlers:
    handlers = EventHandlers()

    async def write_to(
        session: AsyncSession,
        people: Sequence[Resident],
        template: str,
        source_id: uuid.UUID,
        values: Values,
        envelope: Envelope[Event],
        *,
        falls_on: date | None = None,
    ) -> None:
        for resident in people:
            await messages.queue(
                session, resident, template, source_id, values, envelope.time, falls_on=falls_on
            )

    handlers.on(TenancyStarted)(on_tenancy_started)
    handlers.on(TenancyStartedV2)(on_tenancy_started)
    handlers.on(TenancyEnded)(on_tenancy_ended)
    handlers.on(TenancyWithdrawn)(on_tenancy_withdrawn)
    handlers.on(ResidentDetailsConfirmed)(on_resident_details_confirmed)
    handlers.on_batch(PropertyRegistered)(on_properties_registered)
    handlers.on_batch(PropertyUpdated)(on_properties_updated)

    @handlers.on(AppointmentBooked)
    async def on_appointment_booked(
        session: AsyncSession, envelope: Envelope[AppointmentBooked]
    ) -> None:
        """Tell the household when the repair appointment is: those living there on
        its London day, so a household moving in by then (a tenancy announced ahead) is
        told, and one moving out of it before then (to another of the landlord's homes)
        is not; not a resident already told it is cancelled (the booking dead-lettered
        and replayed after appointment-cancelled, on the same topic): they would wait in
        for no one. A newcomer whose new home the household before them still lives in
        until their first day is written to there from that day (held_for_first_day,
        docs/adr/0226, amended)."""
        booked = envelope.data
        day = london_day(booked.window_start)
        living_there = await residents.on_home(session, booked.uprn, day)
        await write_to(
            session,
            [
                resident
                for resident in living_there
                if await message_repository.of_source(
                    session, resident.id, "appointment_cancelled", booked.appointment_id
                )
                is None
            ],
            "appointment_booked",
            booked.appointment_id,
            {
                "window_start": london_time(booked.window_start),
                "window_end": london_time(booked.window_end),
                "appointment_id": str(booked.appointment_id),
            },
            envelope,
            falls_on=day,
        )

    @handlers.on(AppointmentCancelled)
    async def on_appointment_cancelled(
        session: AsyncSession, envelope: Envelope[AppointmentCancelled]
    ) -> None:
        """Tell the household the repair appointment is off, so the booked message is
        not the last word: why (the work is not needed), or a confirmation when they
        asked. To the household living there on the appointment's London day, as the
        booked message went; once per resident and appointment (the same event again
        queues nothing); held for a newcomer's first day as the booked message is."""
        cancelled = envelope.data
        day = london_day(cancelled.window_start)
        await write_to(
            session,
            await residents.on_home(session, cancelled.uprn, day),
            "appointment_cancelled",
            cancelled.appointment_id,
            {
                "window_start": london_time(cancelled.window_start),
                "window_end": london_time(cancelled.window_end),
                "why": cancellation_why(cancelled.reason.value),
                "appointment_id": str(cancelled.appointment_id),
            },
            envelope,
            falls_on=day,
        )

    @handlers.on(CheckDue)
    async def on_check_due(session: AsyncSession, envelope: Envelope[CheckDue]) -> None:
        """The safety check letter: it is due, and by when: the last day in time, or the
        letter's own day for a check due at once (ADR 0221: its `due_by` is the day
        before it was raised, the first day late the day it was; a letter never names a
        day already past)."""
        due = envelope.data
        await write_to(
            session,
            await residents.on_home(session, due.uprn, london_day(envelope.time)),
            "check_due",
            due.check_id,
            {
                "check_type": words(due.check_type.value),
                "due_by": long_date(max(due.due_by, london_day(envelope.time))),
                "check_id": str(due.check_id),
            },
            envelope,
        )

    @handlers.on(AccessEscalated)
    async def on_access_escalated(
        session: AsyncSession, envelope: Envelope[AccessEscalated]
    ) -> None:
        """The no-access procedure's next step, told to the household (once per step)."""
        escalated = envelope.data
        await write_to(
            session,
            await residents.on_home(session, escalated.uprn, london_day(envelope.time)),
            "access_escalated",
            uuid.uuid5(escalated.check_id, f"access-step-{escalated.step_number}"),
            {
                "check_type": words(escalated.check_type.value),
                "step": words(escalated.step.value),
                "check_id": str(escalated.check_id),
            },
            envelope,
        )

    async def on_check_completed(
        session: AsyncSession,
        envelope: Envelope[CheckCompleted] | Envelope[CheckCompletedV2],
    ) -> None:
        """The tenant's copy of the safety record (with when the next check is due, when
        the home has one in the landlord's programme: v2's `next_due_by` may be null),
        and after a gas check an invitation to say how it went (one a check). One copy a
        record and resident: a same-day re-test, announced again under the same check
        id with a new certificate reference, gets its own copy; the same event again
        writes nothing (MessageService.queue_record_copy)."""
        completed = envelope.data
        values: Values = {
            "check_type": words(completed.check_type.value),
            # the London day: a check dated from midnight in summer time is 23:00 UTC
            # the evening before, and its UTC date the day before the check
            "completed_on": long_date(london_day(completed.completed_at)),
            "certificate_reference": completed.certificate_reference,
            # none when the home has no next check in the landlord's programme (a
            # leaseholder's own gas record): the letter leaves the sentence out
            "next_due_by": (
                long_date(completed.next_due_by) if completed.next_due_by is not None else ""
            ),
        }
        for resident in await residents.on_home(session, completed.uprn, london_day(envelope.time)):
            await messages.queue_record_copy(
                session,
                resident,
                completed.check_id,
                completed.certificate_reference,
                values,
                envelope.time,
            )
        if completed.check_type == CheckType.GAS_SAFETY:  # the survey is the gas check's
            await surveys.invite(
                session,
                uprn=completed.uprn,
                survey=SurveyKind.GAS_CHECK,
                about_id=completed.check_id,
                done_on=london_day(completed.completed_at),
                now=envelope.time,
            )

    handlers.on(CheckCompleted)(on_check_completed)
    handlers.on(CheckCompletedV2)(on_check_completed)

    @handlers.on(TenantCopyRequested)
    async def on_tenant_copy_requested(
        session: AsyncSession, envelope: Envelope[TenantCopyRequested]
    ) -> None:
        """A new tenancy's copy of the home's gas safety record or EICR (ADR 0094; the
        letter names which), to each of its tenants before they move in;
        tenant-copy-sent follows as each goes out. The tenants are
        made residents by tenancy-started on income's topic: until engagement knows them
        all, the event fails and is retried (then dead-lettered, to replay). A tenant
        named by an id since merged into another resident is the resident kept (ADR
        0138): known, and sent one copy."""
        requested = envelope.data
        person_ids = await residents.as_kept(session, requested.person_ids)
        people = [await residents.get(session, person) for person in person_ids]
        known = [person for person in people if person is not None]
        if len(known) < len(person_ids):
            raise TenantsNotYetKnown(requested.tenancy_id)
        await write_to(
            session,
            known,
            "check_record_copy",
            requested.copy_id,
            {
                "check_type": words(requested.check_type.value),
                "completed_on": long_date(requested.check_date),
                "certificate_reference": requested.certificate_reference,
                "next_due_by": long_date(requested.expires_on),
            },
            envelope,
        )

    @handlers.on(ArrearsStageChanged)
    async def on_arrears_stage_changed(
        session: AsyncSession, envelope: Envelope[ArrearsStageChanged]
    ) -> None:
        """The arrears letter or text for the step, to each tenant income names (else
        the tenancy's residents; one named by an id since merged into another resident
        is the resident kept, ADR 0138); leaving recovery sends nothing, nor does a step
        brought forward at a tenancy's load (ADR 0144): the old system wrote that
        letter, and the household would have it twice."""
        changed = envelope.data
        if changed.stage == ArrearsStage.NONE or changed.brought_forward:
            return
        person_ids = await residents.as_kept(
            session, list(getattr(changed, "person_ids", None) or [])
        )
        people = (
            [p for p in [await residents.get(session, i) for i in person_ids] if p is not None]
            if person_ids
            else await residents.on_tenancy(session, changed.tenancy_id)
        )
        await write_to(
            session,
            people,
            "arrears_stage",
            uuid.uuid5(
                changed.tenancy_id, f"{changed.stage.value}@{changed.changed_at.isoformat()}"
            ),
            {"stage": words(changed.stage.value), "arrears": pounds(changed.arrears_pence)},
            envelope,
        )

    async def on_repair_completed(
        session: AsyncSession,
        envelope: Envelope[RepairCompleted] | Envelope[RepairCompletedV2],
    ) -> None:
        """Invite the household that lived in the home on the day the repair was
        completed to say how it went (a `repair` survey; docs/adr/0114). A
        communal repair (repairs marks one raised at a block's UPRN: `uprn` is then the
        block's, where nobody lives) is a `communal_repair` survey for the whole block:
        one resident of each household in the homes engagement knows are in that block
        now (docs/adr/0044), the household that lived there on the day the repair was
        completed (docs/adr/0114). Once per household and repair, however often the
        event comes; a home whose block engagement hears of after this is not asked. v2
        (which repairs publishes now; a complaint may be its source) is handled as v1."""
        repair = envelope.data
        if repair.communal:
            await surveys.invite_block(
                session,
                block_id=repair.uprn,
                survey=SurveyKind.COMMUNAL_REPAIR,
                about_id=repair.repair_id,
                done_on=london_day(repair.completed_at),
                now=envelope.time,
            )
            return
        await surveys.invite(
            session,
            uprn=repair.uprn,
            survey=SurveyKind.REPAIR,
            about_id=repair.repair_id,
            done_on=london_day(repair.completed_at),
            now=envelope.time,
        )

    handlers.on(RepairCompleted)(on_repair_completed)
    handlers.on(RepairCompletedV2)(on_repair_completed)

    @handlers.on(VisitCompleted)
    async def on_visit_completed(session: AsyncSession, envelope: Envelope[VisitCompleted]) -> None:
        """Invite the household to say how the home visit went: those living there on
        the visit's day (docs/adr/0114)."""
        visit = envelope.data
        await surveys.invite(
            session,
            uprn=visit.uprn,
            survey=SurveyKind.HOME_VISIT,
            about_id=visit.visit_id,
            done_on=london_day(visit.completed_at),
            now=envelope.time,
        )

    return handlers
