"""Reactions to other services' events, one typed function each. Each runs inside the
consumer's transaction (with the inbox record) and never commits; the SQL is in the
repositories."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from compliance.checks import repository as checks
from compliance.checks.rules import day_of_check, overdue_on
from compliance.checks.service import ProgrammeService
from compliance.gas_safety_records import repository as records
from compliance.homes import repository as homes
from compliance.models import AccessOutcome
from compliance.tenant_copies import service as tenant_copies
from hearth_contracts import Envelope
from hearth_contracts.events.compliance import CheckType, CombinedAppointmentOffered
from hearth_contracts.events.engagement import TenantCopySent
from hearth_contracts.events.income import (
    TenancyEnded,
    TenancyStarted,
    TenancyStartedV2,
    TenancyWithdrawn,
)
from hearth_contracts.events.repairs import RepairCompleted, RepairCompletedV2
from hearth_contracts.events.visits import (
    NoAccessReason,
    VisitChannel,
    VisitKind,
    VisitNoAccess,
    VisitScheduled,
)
from hearth_kit.consumer import EventHandlers
from hearth_kit.logs import get_logger
from hearth_kit.outbox import publish
from hearth_kit.working_days import london_day

log = get_logger(__name__)

HOUSEHOLD_GAVE_NO_ACCESS = frozenset(
    {
        NoAccessReason.NO_ANSWER,
        NoAccessReason.RESIDENT_AWAY,
        NoAccessReason.ENTRY_REFUSED_ON_THE_DAY,
        NoAccessReason.APPOINTMENT_CANCELLED_LATE,
    }
)
"""The visit no-access reasons that are the household not giving access (the DOMAIN's
"history of not giving access"); unsafe_to_enter is the officer's call, and other says
nothing about whose side it was."""


def build_handlers(programme: ProgrammeService) -> EventHandlers:
    handlers = EventHandlers()

    async def tenancy_began(
        session: AsyncSession, tenancy: TenancyStarted | TenancyStartedV2
    ) -> None:
        """A tenancy began: smoke and CO alarms are checked on its first day (an alarm
        check due by the end of that day: overdue from the next), and when the home has a
        current gas safety record or EICR its tenants get a copy of each before they move
        in (engagement is asked to send it: tenant-copy-requested; ADR 0094). A replayed
        or older tenancy changes nothing.

        A tenancy starting the same day as the home's newest (one entered in error and
        ended on its first day, then the right one) is no older: its tenants are asked
        their own copies (once per tenancy, so the same tenancy again asks nothing), and
        the day's alarm check is not raised twice.

        A tenancy withdrawn before its first day (ADR 0111) whose start is handled after
        the withdrawal (a dead letter replayed late) changes nothing: nobody moved in, so
        no first-day check and no copies for its tenants.

        An earlier tenancy's first-day check still open (never made) is withdrawn and
        this tenancy's opened for its own first day (ADR 0161), once this tenancy has
        begun: announced ahead, the earlier check stays open for the household still
        there until this tenancy's first day (the sweep then replaces it, ADR 0175)."""
        now = datetime.now(UTC)
        if not await homes.note_tenancy(
            session, tenancy.tenancy_id, tenancy.uprn, tenancy.start_date
        ):
            log.info("start of a withdrawn tenancy ignored", uprn=tenancy.uprn)
            return
        if await homes.note_tenancy_start(session, tenancy.uprn, tenancy.start_date):
            earlier = await checks.open_of_type(
                session, tenancy.uprn, CheckType.SMOKE_CO_ALARMS, for_update=True
            )
            if (
                earlier is not None
                and day_of_check(earlier.due_by) < tenancy.start_date
                and tenancy.start_date > london_day(now)
            ):
                # An earlier tenancy's first-day check never made, this tenancy announced
                # ahead: the household there may still have its late test made, so its
                # check stays open until this tenancy's first day, when the sweep (or a
                # test made from that day) withdraws it and opens this one's (ADR 0175).
                log.info(
                    "earlier tenancy's alarm check kept until the first day", uprn=tenancy.uprn
                )
            else:
                # Begun already, or no earlier check open: an earlier one can no longer
                # be made on its day, and reused it would leave this household's first
                # day unchecked; withdrawn (check-withdrawn), this one opened (ADR 0161).
                await programme.first_day_check(session, tenancy.uprn, tenancy.start_date, now)
                log.info("alarm check raised for a new tenancy", uprn=tenancy.uprn)
            # the household moving in has its own access history, not the one before's
            await programme.lead_of_the_household(session, tenancy.uprn)
        elif await homes.tenancy_start(session, tenancy.uprn) != tenancy.start_date:
            return  # an older tenancy arriving late, or a home not in the register
        await tenant_copies.request_for_new_tenancy(
            session,
            uprn=tenancy.uprn,
            tenancy_id=tenancy.tenancy_id,
            person_ids=[tenant.person_id for tenant in tenancy.tenants],
            start_date=tenancy.start_date,
            now=now,
        )

    @handlers.on(TenancyStarted)
    async def check_alarms_on_the_first_day(
        session: AsyncSession, envelope: Envelope[TenancyStarted]
    ) -> None:
        """tenancy-started v1 (old events still on the topic; the names are ignored)."""
        await tenancy_began(session, envelope.data)

    @handlers.on(TenancyStartedV2)
    async def check_alarms_on_the_first_day_v2(
        session: AsyncSession, envelope: Envelope[TenancyStartedV2]
    ) -> None:
        """tenancy-started v2 (tenants by person id only): handled as v1."""
        await tenancy_began(session, envelope.data)

    @handlers.on(TenancyEnded)
    async def remember_tenancy_end(session: AsyncSession, envelope: Envelope[TenancyEnded]) -> None:
        """A tenancy ended: the home's latest end is kept, so a gas check or EICR made
        while it stands empty owes no copy to a household that is not there (its next
        tenants are asked their own before moving in, ADR 0094). An older end arriving
        late changes nothing."""
        ended = envelope.data
        await homes.note_tenancy_end(session, ended.uprn, ended.end_date)

    @handlers.on(TenancyWithdrawn)
    async def withdraw_the_first_day_alarm_check(
        session: AsyncSession, envelope: Envelope[TenancyWithdrawn]
    ) -> None:
        """A tenancy recorded ahead was withdrawn before its first day (ADR 0111): the
        alarm check raised for that day is withdrawn (check-withdrawn), and the home's
        newest tenancy start forgotten, so the next household's tenancy, starting before
        or after the withdrawn one would have, gets its own first-day check. A check due
        from another day is another tenancy's, and stays; the same event again finds
        nothing open to withdraw. The copies of the gas safety record and EICR its
        tenants were asked before moving in, not yet sent, are owed to nobody.

        The tenancy is kept as withdrawn (even before its start is handled), so its
        start handled later changes nothing; and the home's start is then its newest
        tenancy's not withdrawn: the household living there, whose no-access history
        counts from its first day."""
        withdrawn = envelope.data
        await homes.note_tenancy_withdrawn(
            session,
            withdrawn.tenancy_id,
            withdrawn.uprn,
            withdrawn.start_date,
            withdrawn.withdrawn_at,
        )
        check = await checks.open_of_type(
            session, withdrawn.uprn, CheckType.SMOKE_CO_ALARMS, for_update=True
        )
        if check is not None and check.due_from == withdrawn.start_date:
            # as of the withdrawal, not of its handling: late or replayed, the check was
            # not open meanwhile (a time ahead of this clock is taken as now; never before
            # the check itself was raised, when the start was handled late too)
            at = min(withdrawn.withdrawn_at, datetime.now(UTC))
            await programme.withdraw(session, [check.id], max(at, check.created_at))
            log.info("first-day alarm check withdrawn with its tenancy", uprn=withdrawn.uprn)
        await homes.forget_tenancy_start(session, withdrawn.uprn, withdrawn.start_date)
        await programme.lead_of_the_household(session, withdrawn.uprn)
        await tenant_copies.withdraw_for_tenancy(session, withdrawn.uprn, withdrawn.tenancy_id)

    @handlers.on(TenantCopySent)
    async def stamp_tenant_copy_sent(
        session: AsyncSession, envelope: Envelope[TenantCopySent]
    ) -> None:
        """Engagement sent a tenant's copy of a record: stamp the copy sent (the first
        one counts) and whether it was in time."""
        sent = envelope.data
        await tenant_copies.copy_sent(session, sent.copy_id, sent.message_id, sent.sent_at)

    @handlers.on(VisitScheduled)
    async def offer_combined_appointment(
        session: AsyncSession, envelope: Envelope[VisitScheduled]
    ) -> None:
        """A full visit in the home was booked. If it already names our gas check, the
        pairing is recorded; if the home's gas check falls due within the pairing window
        of the visit, compliance offers one combined appointment, once per visit. The
        window closes with the check's due date (the certificate's expiry date, its last
        day in date: rules.overdue_on, ADR 0221): a visit after it would do the check
        after the certificate lapsed, so compliance books the check on its own. A
        check already overdue on the day the visit was booked (its scheduled_at, not the
        day this runs) is the exception: every visit is late for it, so the visit booked
        is the soonest way in and is offered. A lite visit (phone or video) is
        never paired: nobody goes in."""
        visit = envelope.data
        if visit.kind is not VisitKind.FULL or visit.channel is not VisitChannel.IN_HOME:
            return  # a phone or video visit takes no engineer into the home
        check = await checks.open_of_type(
            session, visit.uprn, CheckType.GAS_SAFETY, for_update=True
        )
        if check is None:
            return
        if check.paired_visit_id == visit.visit_id and visit.paired_check_id is None:
            return  # offered already for this visit
        if visit.paired_check_id is not None:
            if visit.paired_check_id == check.id:
                check.paired_visit_id = visit.visit_id
                check.appointment_start = visit.scheduled_start
                check.appointment_end = visit.scheduled_end
            return
        visit_day = london_day(visit.scheduled_start)
        window_opens = check.due_by.toordinal() - programme.settings.pairing_window_days
        if visit_day.toordinal() < window_opens:
            return
        # overdue when the visit was booked (as rules.status_on), not when this is
        # processed: a redelivered or late-consumed booking is judged as it was made
        overdue = overdue_on(london_day(visit.scheduled_at), check.due_by)
        if overdue_on(visit_day, check.due_by) and not overdue:
            return  # after the certificate's expiry: not a way to do it in time
        check.paired_visit_id = visit.visit_id
        await publish(
            session,
            CombinedAppointmentOffered(
                check_id=check.id,
                visit_id=visit.visit_id,
                uprn=visit.uprn,
                check_type=CheckType.GAS_SAFETY,
                due_by=check.due_by,
                scheduled_start=visit.scheduled_start,
                scheduled_end=visit.scheduled_end,
                offered_at=datetime.now(UTC),
            ),
        )

    @handlers.on(RepairCompleted)
    async def note_defect_remedied(
        session: AsyncSession, envelope: Envelope[RepairCompleted]
    ) -> None:
        """A repair raised for a safety defect was completed: the defect is remedied. A
        repair raised for a register's missing alarm (its `alarm_id`) notes the alarm
        repaired and remedies the gas records' findings of it (ADR 0120)."""
        repair = envelope.data
        if repair.safety_defect_id is not None:
            await records.mark_remedied(
                session, repair.safety_defect_id, repair.repair_id, repair.completed_at
            )

    @handlers.on(RepairCompletedV2)
    async def note_defect_remedied_v2(
        session: AsyncSession, envelope: Envelope[RepairCompletedV2]
    ) -> None:
        """repair-completed v2 (which repairs publishes now; a complaint may be its
        source): handled as v1."""
        repair = envelope.data
        if repair.safety_defect_id is not None:
            await records.mark_remedied(
                session, repair.safety_defect_id, repair.repair_id, repair.completed_at
            )

    @handlers.on(VisitNoAccess)
    async def remember_no_access(session: AsyncSession, envelope: Envelope[VisitNoAccess]) -> None:
        """Nobody let the visiting officer in: the household has a no-access history, so
        its checks start at the longer lead time. Only a full visit in the home, and
        only when the household did not give access: nobody answered or was in, entry
        was refused on the day, or the appointment was cancelled late. A lite visit
        (a phone or video call that went unanswered) is no failure to let anyone in,
        and an officer-side reason (unsafe to enter) or an unstated one (other) is not
        held against the household. On a combined appointment (the visit booked with the
        gas check) it is the gas check's failed attempt too
        (ProgrammeService.record_no_access_at_visit): the household's failure is
        access-failed and starts its no-access ladder; unsafe to enter or other is kept
        as no_access_not_household, a failed attempt for the first-time access figure
        and nothing against the household (ADR 0197: every attempt is recorded; before,
        it was dropped and the gas check showed access at the first attempt). A lite
        visit is never a combined appointment (visit_scheduled pairs none): no engineer
        went to the door, so it is no attempt at the gas check and records none.

        Visits refuses a visited_at in the future by its own clock, so an attempt ahead
        of this one is the two clocks apart, not a visit to come: it was made by the
        time its event was published, and is recorded then (`envelope.time`, or now
        when that is ahead too), as repairs starts a clock from such an event
        (repairs.handlers.clock_start). Compared with now and dropped, the failure was
        recorded nowhere and the ladder never started."""
        missed = envelope.data
        if missed.kind is not VisitKind.FULL:
            return  # a phone or video call: nobody at the door, no attempt at a check
        the_households = missed.reason in HOUSEHOLD_GAVE_NO_ACCESS
        now = datetime.now(UTC)
        attempted_at = missed.attempted_at
        if attempted_at > now:
            log.warning(
                "visit-no-access time in the future: attempt recorded when it was published",
                event_id=str(envelope.id),
                seconds_ahead=int((attempted_at - now).total_seconds()),
            )
            attempted_at = min(envelope.time, now)
        if not the_households:
            outcome = AccessOutcome.NO_ACCESS_NOT_HOUSEHOLD
        else:
            await programme.note_no_access_history(
                session, missed.uprn, london_day(attempted_at), now
            )
            outcome = (
                AccessOutcome.REFUSED
                if missed.reason is NoAccessReason.ENTRY_REFUSED_ON_THE_DAY
                else AccessOutcome.NO_ACCESS
            )
        # A combined appointment: the engineer did not get in either, and the gas check
        # records the attempt (every attempt is recorded), its ladder only for the
        # household's failure.
        await programme.record_no_access_at_visit(
            session,
            visit_id=missed.visit_id,
            uprn=missed.uprn,
            visit_attempt=missed.attempt_number,
            attempted_at=attempted_at,
            outcome=outcome,
            now=now,
        )

    return handlers
