"""The safety programme: checks raised from the register, the daily sweep (check-due,
certificate-expired, escalation), the no-access ladder, access attempts and listings.
Never commits: the request, the consumer or the scheduler owns the transaction."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from compliance import metrics
from compliance.checks import repository
from compliance.checks.rules import (
    RENEWAL_WINDOW_MONTHS,
    ApplianceFact,
    CheckStatus,
    copy_to_tenant_by,
    corrects_the_latest,
    day_of_check,
    days_overdue,
    due_at_once,
    due_by_for_day,
    due_from,
    escalate_on,
    gas_status,
    household_no_access_history,
    ladder_step_after_raising,
    last_remedy_day,
    latest_expiry,
    lead_days_for,
    next_expiry,
    next_ladder_step,
    overdue_on,
    status_on,
)
from compliance.checks.schemas import (
    AccessAttemptCreate,
    AccessAttemptPublic,
    AccessAttemptRecord,
    CertificateCreate,
    CertificateDefectClassification,
    CertificateDefectIn,
    CertificatePublic,
    CheckPublic,
    HomeCompliance,
    ListedStatus,
)
from compliance.gas_safety_records import repository as records
from compliance.homes import alarms as missing_alarms
from compliance.homes import repository as homes
from compliance.models import (
    HELD_AGAINST_THE_HOUSEHOLD,
    AccessAttempt,
    AccessOutcome,
    CertificateRecord,
    Check,
    SafetyDefect,
    Subject,
)
from compliance.outbox import publish_all
from compliance.settings import Programme
from compliance.tenant_copies import repository as tenant_copy_figures
from compliance.tenant_copies import service as tenant_copies
from compliance.tenant_copies.rules import household_owed_copy
from compliance.tenant_copies.schemas import TenantCopyPublic
from hearth_contracts import Event
from hearth_contracts.events.compliance import (
    AccessEscalated,
    AccessFailed,
    AlarmKind,
    CertificateExpired,
    CheckCompletedV2,
    CheckDue,
    CheckOutcome,
    CheckOverdueEscalated,
    CheckType,
    CheckWithdrawn,
    DefectClassification,
    SafetyDefectFound,
    WithdrawalReason,
    combined_appointment_attempt_id,
    retest_copy_id,
)
from hearth_contracts.events.repairs import RepairPriority
from hearth_contracts.events.visits import Trade
from hearth_kit.auth import Caller
from hearth_kit.db import ReadConnection
from hearth_kit.figures import Figures, Measure, Period
from hearth_kit.outbox import publish
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import (
    Conflict,
    NotFound,
    PreconditionFailed,
    PreconditionRequired,
    Unprocessable,
)
from hearth_kit.working_days import end_of_london_day, london_day, start_of_london_day

CERTIFICATE_DEFECT_PRIORITY: dict[CertificateDefectClassification, RepairPriority] = {
    CertificateDefectClassification.DANGER_PRESENT: RepairPriority.EMERGENCY,
    CertificateDefectClassification.POTENTIALLY_DANGEROUS: RepairPriority.URGENT,
    CertificateDefectClassification.FURTHER_INVESTIGATION: RepairPriority.URGENT,
    CertificateDefectClassification.ALARM_FAULTY_OR_MISSING: RepairPriority.URGENT,
}
"""C1 an emergency repair; C2, FI and a faulty alarm urgent (remedied within 28 days);
C3 and other observations are recorded without a repair."""

EICR_UNSATISFACTORY_CODES: dict[CertificateDefectClassification, str] = {
    CertificateDefectClassification.DANGER_PRESENT: "C1",
    CertificateDefectClassification.POTENTIALLY_DANGEROUS: "C2",
    CertificateDefectClassification.FURTHER_INVESTIGATION: "FI",
}
"""The observations that make an EICR unsatisfactory by BS 7671's own definitions (its
model report: any C1, C2 or FI, and the overall assessment is unsatisfactory)."""


def unsatisfactory_codes(defects: Iterable[CertificateDefectIn]) -> list[str]:
    """The codes among an EICR's observations that make it unsatisfactory, in C1, C2, FI
    order, each once (empty when there are none)."""
    found = {defect.classification for defect in defects}
    return [code for kind, code in EICR_UNSATISFACTORY_CODES.items() if kind in found]


def check_eicr_outcome(outcome: CheckOutcome, defects: Iterable[CertificateDefectIn]) -> None:
    """Refuses an EICR whose overall assessment contradicts its observations, 422 naming
    outcome. BS 7671's model report makes the installation unsatisfactory exactly when an
    observation is coded C1, C2 or FI: a satisfactory one with such a code would have the
    landlord hold as satisfactory an EICR the law's remedial duty applies to; an
    unsatisfactory one without any names nothing to remedy (no repair raised, no remedy
    date) while every consumer of check-completed is told the installation is unsafe.
    Either way the contractor corrects the report while the findings are fresh (as ADR
    0110), rather than the register guessing which half of it is wrong."""
    codes = unsatisfactory_codes(defects)
    if outcome is CheckOutcome.SATISFACTORY and codes:
        raise Unprocessable(
            f"An EICR with {', '.join(codes)} observations is unsatisfactory: send "
            "outcome unsatisfactory",
            field="outcome",
        )
    if outcome is CheckOutcome.UNSATISFACTORY and not codes:
        raise Unprocessable(
            "An EICR is unsatisfactory only with a C1, C2 or FI observation in its "
            "defects: send the observation, or outcome satisfactory",
            field="outcome",
        )


def check_alarm_check_outcome(
    outcome: CheckOutcome, defects: Sequence[CertificateDefectIn]
) -> None:
    """Refuses a smoke and CO alarm check whose outcome contradicts its defects, 422
    naming outcome (ADR 0159), or with a defect classed `other`, 422 naming its
    classification (ADR 0196). The check is of the alarms: it is unsatisfactory exactly
    when an alarm is faulty or missing, and such an alarm is an alarm_faulty_or_missing
    defect, which raises its repair (or names the register's, ADR 0126). An alarm fault
    sent classed `other` raised nothing: recorded, no repair, whatever the certificate
    said (DOMAIN.md: faulty alarms repaired or replaced). On this check every finding is
    about an alarm, so the contractor says which it is: a fault (alarm_faulty_or_missing,
    repaired) or an observation (improvement_recommended, recorded); `other` says
    neither and is refused. Satisfactory with an alarm faulty or missing tells every
    consumer of check-completed the alarms are fine. The free text is never read (a
    guess, ADR 0153), and never quoted back."""
    alarm = any(
        defect.classification is CertificateDefectClassification.ALARM_FAULTY_OR_MISSING
        for defect in defects
    )
    if outcome is CheckOutcome.SATISFACTORY and alarm:
        raise Unprocessable(
            "An alarm check with an alarm faulty or missing is unsatisfactory: send outcome "
            "unsatisfactory",
            field="outcome",
        )
    if outcome is CheckOutcome.UNSATISFACTORY and not alarm:
        raise Unprocessable(
            "An alarm check is unsatisfactory only with an alarm faulty or missing: send "
            "each such alarm as an alarm_faulty_or_missing defect (its repair is raised), "
            "or outcome satisfactory",
            field="outcome",
        )
    for index, defect in enumerate(defects):
        if defect.classification is CertificateDefectClassification.OTHER:
            raise Unprocessable(
                "An alarm check's finding is an alarm faulty or missing "
                "(alarm_faulty_or_missing: its repair is raised, outcome unsatisfactory) or "
                "an observation (improvement_recommended: recorded, no repair); other is "
                "refused on it",
                field=f"defects.{index}.classification",
            )


HOME_CHECKS = frozenset({CheckType.GAS_SAFETY, CheckType.ELECTRICAL})
"""The recurring checks the register decides for a home (alarm checks come from events)."""
BLOCK_CHECKS = frozenset(
    {
        CheckType.GAS_SAFETY,
        CheckType.ELECTRICAL,
        CheckType.FIRE_RISK_ASSESSMENT,
        CheckType.ASBESTOS,
        CheckType.WATER,
        CheckType.LIFT,
    }
)


def _alarms_placed(
    defects: Iterable[CertificateDefectIn], storeys_with_living_space: int | None
) -> list[tuple[AlarmKind, str] | None]:
    """Each certificate defect's alarm as the register keeps it (kind, place), or None:
    an alarm_faulty_or_missing defect that names its `alarm_kind` (a smoke alarm by its
    storey, 0 at a home of one storey with living space; a CO alarm by its `location` as
    the room). `alarm_kind` on another defect, or `storey` but on a smoke alarm, is
    refused (422 naming it); so is a smoke alarm without its storey at a home of several
    storeys with living space (which alarm it is cannot be told, ADR 0126)."""
    placed: list[tuple[AlarmKind, str] | None] = []
    for index, defect in enumerate(defects):
        alarm = defect.classification is CertificateDefectClassification.ALARM_FAULTY_OR_MISSING
        if defect.alarm_kind is not None and not alarm:
            raise Unprocessable(
                "alarm_kind is for an alarm_faulty_or_missing defect",
                field=f"defects.{index}.alarm_kind",
            )
        kind = None if defect.alarm_kind is None else AlarmKind(defect.alarm_kind)
        if defect.storey is not None and kind is not AlarmKind.SMOKE:
            raise Unprocessable(
                "storey is for a smoke alarm (alarm_kind smoke)", field=f"defects.{index}.storey"
            )
        if kind is None:
            placed.append(None)
            continue
        storey = missing_alarms.storey_of(kind, defect.storey, storeys_with_living_space)
        if (
            kind is AlarmKind.SMOKE
            and storey is None
            and storeys_with_living_space is not None
            and storeys_with_living_space > 1
        ):
            raise Unprocessable(
                f"A smoke alarm faulty or missing at a home of {storeys_with_living_space} "
                "storeys with living space needs its storey (0 = ground floor): the register "
                "keeps smoke alarms by storey, and the repair is to that storey's alarm",
                field=f"defects.{index}.storey",
            )
        place = missing_alarms.place_of(kind, storey, defect.location)
        placed.append(None if place is None else (kind, place))
    return placed


def _which_alarm_told(defects: Iterable[CertificateDefectIn]) -> None:
    """At a home whose register has a repair raised for a missing alarm and not yet done
    (an open row, ADR 0109), an alarm_faulty_or_missing defect must say which alarm it
    is (`alarm_kind`): without it, whether it is that row's alarm (its repair, ADR 0126)
    or another (a repair of its own) cannot be told, and taking it as its own raised a
    second repair for the alarm the register's was already to fit. Refused, 422 naming
    `defects.N.alarm_kind` (ADR 0153). Elsewhere, nothing can be raised twice: one
    without it is its own repair, as before."""
    for index, defect in enumerate(defects):
        if (
            defect.classification is CertificateDefectClassification.ALARM_FAULTY_OR_MISSING
            and defect.alarm_kind is None
        ):
            raise Unprocessable(
                "A repair is already raised for a missing alarm at this home: an alarm "
                "faulty or missing here needs its alarm_kind (smoke, with its storey, or "
                "carbon_monoxide, its room as the location), so that the same alarm is "
                "not repaired twice",
                field=f"defects.{index}.alarm_kind",
            )


@dataclass(frozen=True)
class HeldRecord:
    """What a correction's refusals need of a safety record held (a gas safety record or
    another check's certificate)."""

    id: uuid.UUID
    uprn: str
    check_type: CheckType
    check_id: uuid.UUID
    day: date
    superseded: bool = False


def refuse_wrong_correction(
    corrects: uuid.UUID,
    named: HeldRecord | None,
    latest: HeldRecord | None,
    *,
    uprn: str,
    check_type: CheckType,
    day: date,
    day_field: str,
    what: str,
    began: date | None = None,
) -> None:
    """Refuses a record sent with `corrects` that cannot replace the record it names
    (ADR 0158), before anything is kept: a record unknown, or held for another home or
    block (one answer for both: 422 naming `corrects`), or of another check type (422);
    one corrected already, or not the latest held (a newer check is on the programme, or
    it was kept as history): 409 naming `corrects`, since only the latest record decides
    the expiry and the open cycle; and a correction dated before the cycle of the record
    it corrects began (`began`: the day of the check before it, cycle_began_on; 422
    naming the day's field): it would be done before the check it follows. A correction
    dated before the record it names, within its cycle, is taken (ADR 0174, amending
    0158): the CP12 dated the day it was typed up, corrected to the inspection's day,
    whose later day kept the home in date past 12 months from the real check. The
    record it names is then no longer the latest, whatever its day (the repositories
    leave out a record a correction names)."""
    if named is None or named.uprn != uprn:
        raise Unprocessable(
            f"No {what} {corrects} is held for this home or block", field="corrects"
        )
    if named.check_type is not check_type:
        raise Unprocessable(
            f"The {what} {corrects} is of another check type ({named.check_type.value}): "
            "a correction is of the same check",
            field="corrects",
        )
    if latest is None or latest.id != named.id:
        if not named.superseded and latest is not None and latest.check_id == named.check_id:
            raise Conflict(
                f"The {what} {corrects} is corrected already (by {latest.id}): correct that one",
                field="corrects",
            )
        raise Conflict(
            f"The {what} {corrects} is not the latest held for this home or block: only "
            "the latest decides the expiry and the programme",
            field="corrects",
        )
    if began is not None and day < began:
        raise Unprocessable(
            f"A correction of the {what} {corrects} is done no earlier than {began}, the "
            "day of the check before it, when its cycle began",
            field=day_field,
        )


async def cycle_began_on(session: AsyncSession, check_id: uuid.UUID) -> date | None:
    """The London day the cycle `check_id` began (repository.cycle_began: the day the
    check before it was done); None for a first cycle, or no such check. The earliest
    day a correction of the record that completed it can be dated (ADR 0174)."""
    check = await repository.get(session, check_id)
    if check is None:
        return None
    began = await repository.cycle_began(session, check)
    return None if began is None else london_day(began)


def _held(record: CertificateRecord) -> HeldRecord:
    return HeldRecord(
        id=record.id,
        uprn=record.uprn,
        check_type=record.check_type,
        check_id=record.check_id,
        day=record.done_on,
    )


def etag_of(check: Check) -> str:
    return f'"{check.version}"'


def when_checked(
    day: date, checked_at: datetime | None, now: datetime, *, day_field: str
) -> datetime:
    """The moment a check done on `day` found what it found: the time the record gives
    (`checked_at`), else the start of the check's London day, whatever day the record
    is uploaded. Its findings' clocks (an Awaab's Law hazard, a dangerous defect's
    repair) and check-completed's `completed_at` start here, never at the upload: a
    check at 09:00 uploaded at 23:00 the same day started its 24-hour make-safe clock
    14 hours late. Without a time, the start of the day is the earliest the check can
    have been, so a clock from it is never later than the law's (ADR 0039). A
    `checked_at` in the future, or not on `day` in London, is refused naming it: the
    law counts from it (422 before anything is read or kept). Given in UTC."""
    if checked_at is None:
        return start_of_london_day(day)
    if checked_at > now:
        raise Unprocessable("The time of the check cannot be in the future", field="checked_at")
    if london_day(checked_at) != day:
        raise Unprocessable(
            f"The time of the check must fall on its day ({day_field}) in London",
            field="checked_at",
        )
    return checked_at.astimezone(UTC)


def to_public(check: Check | Row[Any], today: date) -> CheckPublic:
    """A check as the API shows it (a Check, or a repository.HOME_COMPLIANCE row)."""
    return CheckPublic(
        id=check.id,
        uprn=check.uprn,
        subject=check.subject,
        check_type=check.check_type,
        status=CheckStatus.WITHDRAWN
        if check.completed_at is not None and check.record_id is None
        else status_on(
            today,
            due_by=check.due_by,
            due_from_day=check.due_from,
            completed=check.completed_at is not None,
        ),
        due_by=check.due_by,
        due_from=check.due_from,
        certificate_expires_on=check.certificate_expires_on,
        last_certificate_reference=check.last_certificate_reference,
        days_overdue=0 if check.completed_at else days_overdue(today, check.due_by),
        escalated=check.escalated_at is not None,
        completed_at=check.completed_at,
        record_id=check.record_id,
        access_attempts=check.access_attempts,
        no_access_attempts=check.no_access_attempts,
        no_access_step=check.ladder_steps_taken,
        next_no_access_step_on=check.ladder_next_step_on,
        contractor_id=check.contractor_id,
        paired_visit_id=check.paired_visit_id,
        appointment_start=check.appointment_start,
        appointment_end=check.appointment_end,
        version=check.version,
    )


class ProgrammeService:
    def __init__(self, settings: Programme) -> None:
        self.settings = settings

    # -- raising checks from the register -------------------------------------------

    def lead_days(self, no_access_history: bool) -> int:
        return lead_days_for(
            no_access_history=no_access_history,
            lead_days=self.settings.lead_days,
            no_access_lead_days=self.settings.no_access_lead_days,
        )

    def latest_expiry(self, check_type: CheckType, today: date) -> date | None:
        """The latest expiry a certificate of this type held today can have (the
        configured interval, plus the renewal window for gas); None for a one-off check."""
        interval = self.settings.interval_for(check_type)
        if interval is None:
            return None
        window = RENEWAL_WINDOW_MONTHS if check_type is CheckType.GAS_SAFETY else 0
        return latest_expiry(today, interval, renewal_window_months=window)

    def new_check_row(
        self,
        *,
        uprn: str,
        subject: Subject,
        check_type: CheckType,
        now: datetime,
        certificate_expires_on: date | None,
        no_access_history: bool,
        last_certificate_reference: str | None = None,
    ) -> dict[str, Any]:
        """A new open check's row: due by the certificate's expiry, or at once for a
        first check (overdue from today: rules.due_at_once; plain values: an import
        inserts thousands at once)."""
        due_by = certificate_expires_on or due_at_once(london_day(now))
        return {
            "id": uuid.uuid4(),
            "uprn": uprn,
            "subject": subject,
            "check_type": check_type,
            "due_by": due_by,
            "due_from": due_from(due_by, self.lead_days(no_access_history)),
            "escalate_on": escalate_on(due_by, self.settings.escalate_after_months),
            "certificate_expires_on": certificate_expires_on,
            "last_certificate_reference": last_certificate_reference,
            "created_at": now,
            "access_attempts": 0,
            "no_access_attempts": 0,
            "ladder_steps_taken": 0,
        }

    def move_to_expiry(
        self, check: Check, expires_on: date, *, no_access_history: bool, now: datetime
    ) -> None:
        """An open check whose certificate's expiry the stock register corrects: its
        dates follow the new expiry, and a sweep marker whose day is now ahead again is
        cleared, so check-due, certificate-expired or escalation is raised when the new
        day comes (a marker whose day has still passed stays: raised once)."""
        today = london_day(now)
        check.certificate_expires_on = expires_on
        check.due_by = expires_on
        check.due_from = due_from(expires_on, self.lead_days(no_access_history))
        check.escalate_on = escalate_on(expires_on, self.settings.escalate_after_months)
        if check.due_from > today:
            check.due_raised_at = None
        if not overdue_on(today, check.due_by):
            check.expired_raised_at = None
        if check.escalate_on > today:
            check.escalated_at = None

    def new_check(self, **values: Any) -> Check:
        """A new open check (see new_check_row)."""
        return Check(**self.new_check_row(**values))

    def plan_rows(
        self,
        *,
        uprn: str,
        subject: Subject,
        needed: frozenset[CheckType],
        open_checks: Iterable[Check],
        expiries: dict[CheckType, date | None],
        no_access_history: bool,
        now: datetime,
    ) -> tuple[list[dict[str, Any]], list[uuid.UUID]]:
        """The rows of the checks to add and the open checks to withdraw so that the
        programme holds exactly the recurring checks a home or block needs (no I/O)."""
        managed = HOME_CHECKS if subject is Subject.HOME else BLOCK_CHECKS
        by_type = {check.check_type: check for check in open_checks}
        withdraw = [c.id for t, c in by_type.items() if t in managed and t not in needed]
        add = [
            self.new_check_row(
                uprn=uprn,
                subject=subject,
                check_type=check_type,
                now=now,
                certificate_expires_on=expiries.get(check_type),
                no_access_history=no_access_history,
            )
            for check_type in sorted(needed - by_type.keys())
        ]
        return add, withdraw

    async def plan(
        self,
        session: AsyncSession,
        *,
        uprn: str,
        subject: Subject,
        needed: frozenset[CheckType],
        expiries: dict[CheckType, date | None] | None = None,
        no_access_history: bool = False,
        now: datetime,
        raise_due_now: frozenset[CheckType] = frozenset(),
    ) -> None:
        """Bring a home's or block's open checks in line with what it needs. A check in
        `raise_due_now` (gas on uncapping) is raised as due at once."""
        rows, withdraw = self.plan_rows(
            uprn=uprn,
            subject=subject,
            needed=needed,
            open_checks=await repository.open_for(session, uprn),
            expiries=expiries or {},
            no_access_history=no_access_history,
            now=now,
        )
        add = [Check(**row) for row in rows]
        await self.withdraw(session, withdraw, now)
        for check in add:
            if check.check_type in raise_due_now:
                check.due_from = london_day(now)
                check.due_raised_at = now
            repository.add(session, check)
        await session.flush()
        for check in add:
            if check.due_raised_at is not None:
                await publish(session, self._due_event(check, now))

    async def withdraw(
        self, session: AsyncSession, check_ids: Iterable[uuid.UUID], now: datetime
    ) -> None:
        """Withdraw open checks the register no longer calls for (completed without a
        record) and announce each (check-withdrawn), in the same transaction: visits
        stops pairing visits with them and closes any officer visit asked for access."""
        withdrawn = await repository.withdraw(session, check_ids, now)
        await publish_all(
            session,
            [
                CheckWithdrawn(
                    check_id=row.id,
                    uprn=row.uprn,
                    check_type=row.check_type,
                    withdrawn_at=now,
                    reason=WithdrawalReason.NO_LONGER_NEEDED,
                )
                for row in withdrawn
            ],
        )

    async def announce_withdrawn(
        self, session: AsyncSession, *, after: uuid.UUID | None, limit: int
    ) -> list[uuid.UUID]:
        """Announce (check-withdrawn) a batch of the checks already withdrawn, in id
        order after `after`, dated when each was withdrawn: for those the migrations
        withdrew before the event existed (0011 to 0013 published nothing). Visits
        treats a repeat as nothing new, so announcing one twice is harmless. The ids
        announced (empty at the end)."""
        rows = await repository.withdrawn_after(session, after, limit)
        await publish_all(
            session,
            [
                CheckWithdrawn(
                    check_id=row.id,
                    uprn=row.uprn,
                    check_type=row.check_type,
                    withdrawn_at=row.completed_at,
                    reason=WithdrawalReason.NO_LONGER_NEEDED,
                )
                for row in rows
            ],
        )
        return [row.id for row in rows]

    async def open_check(
        self,
        session: AsyncSession,
        *,
        uprn: str,
        subject: Subject,
        check_type: CheckType,
        due_by: date,
        now: datetime,
        due_from_day: date | None = None,
    ) -> Check:
        """The open check of a type, opened due by `due_by` when there is none (the
        alarm check on the first day of a tenancy, a record for a home outside the
        programme), due from `due_from_day` (the tenancy's first day, even one announced
        ahead: the check cannot be made before it), else from `due_by` or today if
        sooner."""
        existing = await repository.open_of_type(session, uprn, check_type, for_update=True)
        if existing is not None:
            return existing
        check = Check(
            id=uuid.uuid4(),
            uprn=uprn,
            subject=subject,
            check_type=check_type,
            due_by=due_by,
            due_from=due_from_day or min(due_by, london_day(now)),
            escalate_on=escalate_on(due_by, self.settings.escalate_after_months),
            created_at=now,
        )
        repository.add(session, check)
        await session.flush()
        return check

    # -- a tenancy's own first-day alarm check (ADR 0161, 0175) ----------------------

    async def first_day_check(
        self, session: AsyncSession, uprn: str, tenancy_start: date, now: datetime
    ) -> Check:
        """The smoke and CO alarm check of the tenancy beginning `tenancy_start`, due on
        its first day (overdue from the next): an earlier tenancy's first-day check still
        open is withdrawn (check-withdrawn) and this one opened (ADR 0161); the open one
        when it is already this day's (the same tenancy again: nothing raised twice)."""
        earlier = await repository.open_of_type(
            session, uprn, CheckType.SMOKE_CO_ALARMS, for_update=True
        )
        if earlier is not None and day_of_check(earlier.due_by) < tenancy_start:
            await self.withdraw(session, [earlier.id], now)
        return await self.open_check(
            session,
            uprn=uprn,
            subject=Subject.HOME,
            check_type=CheckType.SMOKE_CO_ALARMS,
            # due by the first day (in time on it), overdue from the next
            due_by=due_by_for_day(tenancy_start),
            due_from_day=tenancy_start,
            now=now,
        )

    async def alarm_check_for_test(
        self,
        session: AsyncSession,
        check: Check | None,
        tenancy_start: date | None,
        day: date,
        now: datetime,
    ) -> Check | None:
        """The open alarm check a test made on `day` is for (ADR 0175). An earlier
        tenancy's first-day check is kept open until the newer tenancy (beginning
        `tenancy_start`, the home's newest) begins: a test before that day is that
        household's, made late. A test on or after it is the newer tenancy's: the earlier
        check is withdrawn and the newer's opened now (first_day_check), if the sweep
        has not done it yet."""
        if (
            check is None
            or tenancy_start is None
            or day_of_check(check.due_by) >= tenancy_start
            or day < tenancy_start
        ):
            return check
        return await self.first_day_check(session, check.uprn, tenancy_start, now)

    async def after_alarm_check_done(
        self, session: AsyncSession, check: Check, tenancy_start: date | None, now: datetime
    ) -> None:
        """An earlier tenancy's first-day alarm check was just made, late, before the
        home's newest tenancy (beginning `tenancy_start`) began: that tenancy's own
        check is opened now, due from its first day, as it would have been on its
        announcement (ADR 0175)."""
        if tenancy_start is not None and day_of_check(check.due_by) < tenancy_start:
            await self.first_day_check(session, check.uprn, tenancy_start, now)

    async def complete(
        self,
        session: AsyncSession,
        check: Check,
        *,
        record_id: uuid.UUID,
        check_date: date,
        expires_on: date | None,
        certificate_reference: str,
        no_access_history: bool,
        now: datetime,
    ) -> Check | None:
        """Close a check with its record and open the next cycle (none for a one-off
        check such as the alarm check at a tenancy's start)."""
        check.completed_at = now
        check.completed_on = check_date
        check.record_id = record_id
        check.ladder_next_step_on = None
        await session.flush()
        if expires_on is None:
            return None
        following = self.new_check(
            uprn=check.uprn,
            subject=check.subject,
            check_type=check.check_type,
            now=now,
            certificate_expires_on=expires_on,
            no_access_history=no_access_history,
            last_certificate_reference=certificate_reference,
        )
        following.contractor_id = check.contractor_id
        repository.add(session, following)
        await session.flush()
        return following

    async def replace_on_cycle(
        self,
        session: AsyncSession,
        check: Check,
        following: Check | None,
        *,
        record_id: uuid.UUID,
        check_date: date,
        certificate_reference: str,
        replaced_expiry: date | None,
        expires_on: date | None,
        no_access_history: bool,
        now: datetime,
    ) -> None:
        """A record done the day of the latest one held (a re-test, a corrected
        certificate: rules.corrects_the_latest, ADR 0139), or one naming the latest as
        the record it corrects whatever its day (`corrects`, ADR 0158), replaces it on its
        cycle: the cycle the replaced record completed now names the new record, done on
        its day (`check_date`: a correction's day is the check's), and stays completed as
        it was (one check done, counted once by the figures); the
        next cycle, when it is the one the replaced record opened (due by its expiry,
        `replaced_expiry`), carries the new certificate reference and is dated from the
        new record's expiry (a corrected report's own next date). No cycle is completed
        or opened. The household's copy of the replaced record stays owed as it was: the
        new record is owed its own (the caller)."""
        check.record_id = record_id
        check.completed_on = check_date
        if (
            following is not None
            and expires_on is not None
            and following.completed_at is None
            and following.certificate_expires_on == replaced_expiry
        ):
            following.last_certificate_reference = certificate_reference
            if expires_on != replaced_expiry:
                self.move_to_expiry(
                    following, expires_on, no_access_history=no_access_history, now=now
                )
        await session.flush()

    # -- the daily sweep --------------------------------------------------------------

    def _due_event(self, check: Check, now: datetime) -> CheckDue:
        return CheckDue(
            check_id=check.id,
            uprn=check.uprn,
            check_type=check.check_type,
            due_by=check.due_by,
            certificate_expires_on=check.certificate_expires_on,
            early_for_access_history=(check.due_by - check.due_from).days > self.settings.lead_days,
            raised_at=now,
        )

    async def sweep(self, session: AsyncSession, now: datetime) -> int:
        """One batch of the daily sweep (hearth_kit.scheduler): check-due at the lead
        time, certificate-expired at expiry, escalation past the escalation period, and
        the repair of an alarm a let home's register shows missing that was never
        raised (required-alarm-missing: homes missing one before migration 0020). Each
        row is locked (SKIP LOCKED: another replica takes other rows), its event goes to
        the outbox and its marker is stamped in this same transaction, so each is
        raised exactly once across restarts and replicas. Returns how many it handled."""
        today = london_day(now)
        room = self.settings.sweep_batch_size
        events: list[Event] = []
        due = await repository.due_to_raise(session, today, room)
        events.extend(self._due_event(check, now) for check in due)
        await repository.stamp(session, [c.id for c in due], due_raised_at=now)
        room -= len(due)
        expired: list[Check] = []
        if room > 0:
            expired = await repository.expired_to_raise(session, today, room)
            events.extend(
                CertificateExpired(
                    check_id=check.id,
                    uprn=check.uprn,
                    check_type=check.check_type,
                    expired_on=check.certificate_expires_on,
                    last_certificate_reference=check.last_certificate_reference,
                    detected_at=now,
                )
                for check in expired
                if check.certificate_expires_on is not None
            )
            await repository.stamp(session, [c.id for c in expired], expired_raised_at=now)
            room -= len(expired)
        escalated: list[Check] = []
        if room > 0:
            escalated = await repository.escalations_to_raise(session, today, room)
            events.extend(
                CheckOverdueEscalated(
                    check_id=check.id,
                    uprn=check.uprn,
                    check_type=check.check_type,
                    due_by=check.due_by,
                    days_overdue=days_overdue(today, check.due_by),
                    escalated_at=now,
                )
                for check in escalated
            )
            await repository.stamp(session, [c.id for c in escalated], escalated_at=now)
        await publish_all(session, events)
        handled = len(due) + len(expired) + len(escalated)
        room -= len(escalated)
        if room > 0:
            # an earlier tenancy's first-day alarm check kept open while a newer tenancy
            # was announced ahead: the newer's first day has come (ADR 0175)
            begun = await repository.first_days_come(session, today, room)
            for uprn, tenancy_start in begun:
                await self.first_day_check(session, uprn, tenancy_start, now)
            handled += len(begun)
            room -= len(begun)
        if room > 0:
            # homes missing a required alarm whose repair was never raised (docs/adr/0109)
            handled += await missing_alarms.raise_for_homes_not_yet_raised(session, now, room)
        if handled == 0:
            certificates_expired, checks_overdue = await repository.count_open(session, today)
            metrics.CERTIFICATES_EXPIRED.set(certificates_expired)
            metrics.CHECKS_OVERDUE.set(checks_overdue)
            metrics.TENANT_COPIES_OVERDUE.set(
                await tenant_copy_figures.overdue_count(session, today)
            )
            metrics.HOMES_MISSING_ALARMS.set(await homes.homes_missing_alarms(session))
        return handled

    # -- the no-access ladder ---------------------------------------------------------

    async def climb_ladder(self, session: AsyncSession, now: datetime) -> int:
        """One batch of the no-access ladder (scheduled): each check whose next step's
        day has come raises access-escalated for that step, once (locked and stamped in
        this transaction). The step after it is due its configured gap after today
        (rules.ladder_step_after_raising), so a ladder that fell behind (a backdated
        attempt) climbs one step at a time, never several letters and legal action at
        once."""
        today = london_day(now)
        ladder = self.settings.ladder()
        checks = await repository.ladder_steps_due(session, today, self.settings.sweep_batch_size)
        for check in checks:
            assert check.ladder_started_on is not None
            step = next_ladder_step(ladder, check.ladder_started_on, check.ladder_steps_taken)
            if step is None:
                check.ladder_next_step_on = None
                continue
            number, ladder_step, _ = step
            await publish(
                session,
                AccessEscalated(
                    check_id=check.id,
                    uprn=check.uprn,
                    check_type=check.check_type,
                    step=ladder_step.step,
                    step_number=number,
                    certificate_expires_on=check.certificate_expires_on,
                    escalated_at=now,
                ),
            )
            check.ladder_steps_taken = number
            following = ladder_step_after_raising(ladder, today, number)
            check.ladder_next_step_on = following[2] if following else None
        await session.flush()
        return len(checks)

    async def record_attempt(
        self,
        session: AsyncSession,
        check_id: uuid.UUID,
        data: AccessAttemptCreate,
        caller: Caller,
        now: datetime,
    ) -> AccessAttemptPublic:
        """Record an access attempt. A failed one (no_access, refused) publishes
        access-failed, gives the household a no-access history (its checks start
        earlier) and starts the no-access ladder from its day when none is running (a
        ladder running goes on as it was); no_access_not_household is counted as a
        failed attempt and nothing more (ADR 0197); access gained stops the ladder, so
        the next failure starts it again from its first step. An attempt made before
        the check's cycle began (when the check before it was done:
        repository.cycle_began) was an attempt at that
        earlier cycle, and against this one it would start this cycle's ladder from
        an old day: refused, nothing changed or published. A completed check takes an
        attempt made in its cycle before it was done (repository.done_at), recorded
        late: counted, a failure noted and published as ever, but no ladder started
        (the check is done, ADR 0160); one after it, or at a check withdrawn, is a
        409. Not the cycle's opening
        (`created_at`: when the record before it was typed in, so a record sent late
        would refuse the attempts made meanwhile) nor the day it is raised as due
        (a check may be attempted and done before then)."""
        if data.attempted_at > now:
            raise Unprocessable("An attempt cannot be in the future", field="attempted_at")
        # Locks in one order on every path: the home, then its checks. A failed attempt
        # changes the home (its no-access history) and a gas record locks the home
        # before the home's open check, so taking the check first here deadlocked with
        # a record for the same home.
        seen = await repository.get(session, check_id)
        if seen is None or not self._visible_to(seen, caller):
            raise NotFound(f"No check {check_id}")
        await homes.get(session, seen.uprn, for_update=True)
        check = await repository.get(session, check_id, for_update=True)
        if check is None or not self._visible_to(check, caller):
            raise NotFound(f"No check {check_id}")
        if check.completed_at is not None:
            # An attempt made before the check was done, recorded after its record
            # arrived, is this check's (ADR 0160): every attempt is recorded, and the
            # first-time access figure counts the failure. One after it is the next
            # cycle's; a check withdrawn was done by nobody.
            done_at = await repository.done_at(session, check)
            if done_at is None or data.attempted_at > done_at:
                raise Conflict(
                    f"Check {check_id} is already completed: an attempt made after it was "
                    "done is the next check's",
                    field="attempted_at",
                )
        began = await repository.cycle_began(session, check)
        if began is not None and data.attempted_at < began:
            raise Unprocessable(
                "The attempt is before this check's cycle began (when the check before it "
                "was done): it was an attempt at the cycle that check completed",
                field="attempted_at",
            )
        attempt = await self._attempt(
            session,
            check,
            data,
            attempt_id=uuid.uuid4(),
            contractor_id=caller.contractor_id,
            recorded_by=caller.subject,
            now=now,
        )
        return AccessAttemptPublic.model_validate(attempt)

    async def record_no_access_at_visit(
        self,
        session: AsyncSession,
        *,
        visit_id: uuid.UUID,
        uprn: str,
        visit_attempt: int,
        attempted_at: datetime,
        outcome: AccessOutcome,
        now: datetime,
    ) -> AccessAttempt | None:
        """A combined appointment (a home visit that named the gas check,
        visit-scheduled `paired_check_id`) found no way in: the gas check's attempt too,
        recorded as record_attempt records one (the household's failure: access-failed,
        the ladder started from its day; no_access_not_household: only counted, ADR
        0197). Once per visit attempt (its id from the visit and the visit's
        attempt number), so visit-no-access delivered again records nothing twice. None
        when the home's open gas check is not booked into that visit (only offered to
        it, or paired with another), or the attempt is before the check's cycle
        began."""
        await homes.get(session, uprn, for_update=True)
        check = await repository.open_of_type(session, uprn, CheckType.GAS_SAFETY, for_update=True)
        if check is None or check.paired_visit_id != visit_id or check.appointment_start is None:
            return None
        attempt_id = combined_appointment_attempt_id(visit_id, visit_attempt)
        if await repository.get_attempt(session, attempt_id) is not None:
            return None
        began = await repository.cycle_began(session, check)
        if (began is not None and attempted_at < began) or attempted_at > now:
            return None
        data = AccessAttemptCreate(
            attempted_at=attempted_at, attempted_by=f"visit {visit_id}", outcome=outcome
        )
        return await self._attempt(
            session,
            check,
            data,
            attempt_id=attempt_id,
            contractor_id=None,
            recorded_by=None,
            now=now,
        )

    async def _attempt(
        self,
        session: AsyncSession,
        check: Check,
        data: AccessAttemptCreate,
        *,
        attempt_id: uuid.UUID,
        contractor_id: str | None,
        recorded_by: str | None,
        now: datetime,
    ) -> AccessAttempt:
        """Keep an attempt at an open check its caller has locked (after the home), and
        what follows from it (record_attempt). Who recorded it is kept with it (the
        caller's subject, a contractor's id): an outcome that publishes nothing
        (no_access_not_household) is otherwise the contractor's word with no trace of
        whose it was (ADR 0198)."""
        check.access_attempts += 1
        attempt = AccessAttempt(
            id=attempt_id,
            check_id=check.id,
            uprn=check.uprn,
            attempt_number=check.access_attempts,
            attempted_at=data.attempted_at,
            attempted_by=data.attempted_by,
            outcome=data.outcome,
            card_left=data.card_left,
            recorded_at=now,
            recorded_by=recorded_by,
            contractor_id=contractor_id,
        )
        repository.add_attempt(session, attempt)
        if data.outcome is AccessOutcome.ACCESS_GAINED:
            check.ladder_next_step_on = None
        else:
            # Any way in not found is a failed attempt: the first-time access figure.
            check.no_access_attempts += 1
        # Only the household's failure goes further (ADR 0197): no_access_not_household
        # (unsafe to enter, another reason) neither starts a ladder (one running goes on
        # as it was) nor gives the household a history, nor publishes access-failed,
        # which visits keeps as the household's no-access history.
        if data.outcome in HELD_AGAINST_THE_HOUSEHOLD:
            if check.completed_at is None and check.ladder_next_step_on is None:
                # No ladder running (the first failure, or one stopped by access gained or
                # climbed to its end): it starts again from this attempt's day.
                check.ladder_started_on = london_day(data.attempted_at)
                check.ladder_steps_taken = 0
                first = next_ladder_step(self.settings.ladder(), check.ladder_started_on, 0)
                check.ladder_next_step_on = first[2] if first else None
            await self._note_no_access_history(
                session, check.uprn, london_day(data.attempted_at), now
            )
            await publish(
                session,
                AccessFailed(
                    check_id=check.id,
                    attempt_id=attempt.id,
                    uprn=check.uprn,
                    check_type=check.check_type,
                    attempt_number=attempt.attempt_number,
                    contractor_id=contractor_id,
                    attempted_at=data.attempted_at,
                ),
            )
        await session.flush()
        return attempt

    async def _note_no_access_history(
        self, session: AsyncSession, uprn: str, day: date, now: datetime
    ) -> None:
        """A failure to give access on `day`: noted on the home, and when it is the
        household's living there now (not one from before its tenancy began: a
        backdated attempt) its open checks not yet raised start at the longer lead
        time."""
        home = await repository.mark_no_access_history(session, uprn, day)
        if home is None or not household_no_access_history(
            home.no_access_noted_on, home.tenancy_start_date, london_day(now)
        ):
            return
        lead = self.lead_days(True)
        for check in await repository.open_for(session, uprn):
            if check.due_raised_at is None:
                check.due_from = min(check.due_from, due_from(check.due_by, lead))

    async def lead_of_the_household(self, session: AsyncSession, uprn: str) -> None:
        """The home's newest tenancy changed (a start announced, or a tenancy withdrawn,
        ADR 0111): each open check not yet raised as due, at the programme's lead, starts
        at the lead of the household living there on the day it is raised (the usual
        lead's day: rules.household_no_access_history on it): earlier for a household with
        a history of not giving access, else the usual lead. A household moving in after
        one that did not give access was started early for the other's history until its
        next cycle; one whose tenancy is withdrawn leaves the household there with its
        own. A check due from a day of its own (a tenancy's first-day alarm check, a
        supply uncapped) is left. The caller has changed the home's row (it is held)."""
        home = await homes.get(session, uprn)
        if home is None:
            return
        await session.refresh(home)
        for check in await repository.open_for(session, uprn):
            leads = {due_from(check.due_by, self.lead_days(h)) for h in (False, True)}
            if check.due_raised_at is not None or check.due_from not in leads:
                continue
            raised_on = due_from(check.due_by, self.lead_days(False))
            history = household_no_access_history(
                home.no_access_noted_on, home.tenancy_start_date, raised_on
            )
            check.due_from = due_from(check.due_by, self.lead_days(history))
        await session.flush()

    async def note_no_access_history(
        self, session: AsyncSession, uprn: str, day: date, now: datetime
    ) -> None:
        """A visit found no one in (visit-no-access) on `day`: the same history as a
        failed attempt."""
        await self._note_no_access_history(session, uprn, day, now)

    @staticmethod
    def _visible_to(check: Check, caller: Caller) -> bool:
        """A contractor sees only the checks assigned to it; staff see every check."""
        return caller.contractor_id is None or check.contractor_id == caller.contractor_id

    async def assign_contractor(
        self,
        session: AsyncSession,
        check_id: uuid.UUID,
        contractor_id: str,
        *,
        if_match: str | None,
        now: datetime,
    ) -> CheckPublic:
        """Give an open check to a contractor if the caller saw its current assignment
        (If-Match: the check's ETag), so two people assigning from the same stale view
        do not overwrite each other unseen."""
        if if_match is None:
            raise PreconditionRequired(
                "Send If-Match with the check's ETag", field="If-Match", location="header"
            )
        check = await repository.get(session, check_id, for_update=True)
        if check is None:
            raise NotFound(f"No check {check_id}")
        if if_match.strip() not in (etag_of(check), f"W/{etag_of(check)}", "*"):
            raise PreconditionFailed(
                f"Check {check_id} has changed since that version",
                field="If-Match",
                location="header",
            )
        if check.completed_at is not None:
            raise Conflict(f"Check {check_id} is already completed")
        check.contractor_id = contractor_id
        check.version += 1
        await session.flush()
        return to_public(check, london_day(now))

    # -- certificates of the other checks --------------------------------------------

    async def record_certificate(
        self,
        session: AsyncSession,
        check_id: uuid.UUID,
        data: CertificateCreate,
        caller: Caller,
        now: datetime,
    ) -> CertificatePublic:
        """Record the certificate of a check other than gas (EICR, fire risk, asbestos,
        water, lift, alarms): the check closes and the next opens at the type's
        interval; a C1 defect raises an emergency repair, a C2, an FI or a faulty alarm
        an urgent one to be remedied within 28 days, or the landlord's shorter
        remedy_days (safety-defect-found); publishes check-completed (the tenant's copy
        within 28 days). Defects and check-completed are dated when the check was done
        (when_checked), never the upload. A certificate done the day of the latest one
        of its type held (a corrected EICR) replaces it on the cycle it completed, as a
        gas record the same day does (replace_on_cycle, ADR 0139): check-completed again
        under that cycle's id, the next cycle dated from the new certificate, nothing
        completed or opened; sent to that completed cycle or to the open one. One sent
        with `corrects` naming the latest certificate replaces it the same way whatever
        its day (a mistyped first day, ADR 0158; refuse_wrong_correction), before it too,
        from the day its cycle began (ADR 0174)."""
        today = london_day(now)
        if data.done_on > today:
            raise Unprocessable("A check date cannot be in the future", field="done_on")
        happened_at = when_checked(data.done_on, data.checked_at, now, day_field="done_on")
        # Locks in one order on every path: the home, then its checks. A change of the
        # home (a sale, no EICR any more) locks the home and then withdraws the checks it
        # no longer needs: with only the check locked here, it read the open checks
        # before this record's next cycle was committed, and that check stayed open. A
        # block (no home row) has no change that withdraws its checks.
        seen = await repository.get(session, check_id)
        if seen is None or not self._visible_to(seen, caller):
            raise NotFound(f"No check {check_id}")
        home = await homes.get(session, seen.uprn, for_update=True)
        check = await repository.get(session, check_id, for_update=True)
        if check is None or not self._visible_to(check, caller):
            raise NotFound(f"No check {check_id}")
        if check.check_type is CheckType.GAS_SAFETY:
            # each caller is pointed to the route it may call: staff's answers a
            # contractor's token 403
            records_route = (
                "/v1/gas-safety-records"
                if caller.contractor_id is None
                else "/v1/contractor/gas-safety-records"
            )
            raise Unprocessable(
                f"A gas check is recorded with POST {records_route}",
                field="check_id",
                location="path",
            )
        latest = await repository.latest_certificate(session, check.uprn, check.check_type)
        corrected: Check | None = None
        if data.corrects is not None:
            # Named as the certificate it corrects (ADR 0158): it replaces that one on
            # its cycle whatever its day (the first report's day mistyped), as a
            # correction of the same day does. Before, dated another day it completed the
            # next cycle: a second check done, the programme dated from it.
            named = (
                latest
                if latest is not None and latest.id == data.corrects
                else await repository.get_certificate(session, data.corrects)
            )
            refuse_wrong_correction(
                data.corrects,
                None if named is None else _held(named),
                None if latest is None else _held(latest),
                uprn=check.uprn,
                check_type=check.check_type,
                day=data.done_on,
                day_field="done_on",
                what="certificate",
                # dated before it (ADR 0174): no earlier than its cycle began
                began=None
                if named is None or data.done_on >= named.done_on
                else await cycle_began_on(session, named.check_id),
            )
            assert latest is not None
            corrected = (
                check
                if check.id == latest.check_id
                else await repository.get(session, latest.check_id, for_update=True)
            )
        elif latest is not None and corrects_the_latest(data.done_on, latest.done_on):
            # Done the day of the latest certificate held (a corrected EICR, a re-test):
            # it replaces that one on the cycle it completed, as a gas record the same
            # day does (ADR 0139), whether sent to that cycle or to the next one it
            # opened. Before, sent to the next one it completed it: a second check done
            # (the first-time access figure), check-completed for it, its dates moved.
            corrected = (
                check
                if check.id == latest.check_id
                else await repository.get(session, latest.check_id, for_update=True)
            )
        if check.completed_at is not None and corrected is not check:
            raise Conflict(f"Check {check_id} is already completed")
        if check.check_type is CheckType.ELECTRICAL:
            check_eicr_outcome(data.outcome, data.defects)
        if check.check_type is CheckType.SMOKE_CO_ALARMS:
            check_alarm_check_outcome(data.outcome, data.defects)
        alarm_places = _alarms_placed(
            data.defects, None if home is None else home.storeys_with_living_space
        )
        if check.check_type is CheckType.SMOKE_CO_ALARMS and data.done_on < (
            first_day := day_of_check(check.due_by)
        ):
            # Opened when income announced the tenancy, perhaps ahead: a test before its
            # first day is not the check of the alarms on that day.
            raise Unprocessable(
                f"The smoke and CO alarm check of a new tenancy is made on its first day, "
                f"{first_day.isoformat()}, or after it",
                field="done_on",
            )
        oldest = self.settings.oldest_check_day(check.check_type, today)
        if data.done_on < oldest:
            # A mistyped year, or paper older than any record kept: its expiry (and the
            # home's overdue age and BS figures) would run from it (ADR 0070).
            raise Unprocessable(
                f"A check date cannot be before {oldest.isoformat()}, the furthest back the "
                "register goes for this check type",
                field="done_on",
            )
        if await repository.certificate_held(
            session, check.uprn, check.check_type, data.certificate_reference
        ):
            # The same certificate sent again (to the next cycle's check) without its
            # Idempotency-Key: refused, not a second record closing the new cycle.
            raise Conflict(
                "A certificate of this check type with this reference is already held for "
                "this home or block",
                field="certificate_reference",
            )
        last = None if latest is None else latest.done_on
        if last is not None and data.done_on < last and data.corrects is None:
            # The open check is the cycle the latest certificate began: an older one sent
            # late would complete it before it began, setting the next expiry (and the
            # tenant's copy's deadline) from the older day, the home overdue on old paper.
            raise Unprocessable(
                f"A certificate of this check type done on {last} is already held: the "
                "open check follows it, so one done before it cannot complete it",
                field="done_on",
            )
        interval = self.settings.interval_for(check.check_type)
        expires_on = None if interval is None else next_expiry(data.done_on, interval)
        if data.next_check_by is not None:
            # The report's own date for the next check, when sooner: an EICR is due "at
            # intervals of no more than 5 years" or at those the latest report specifies
            # (Electrical Safety Standards regulations 2020, reg. 3(1)(b)).
            if expires_on is None:
                raise Unprocessable(
                    "A one-off check has no next check to date", field="next_check_by"
                )
            if not data.done_on < data.next_check_by <= expires_on:
                raise Unprocessable(
                    f"The next check is due after the check's day and by {expires_on} at "
                    "the latest (the interval for its type)",
                    field="next_check_by",
                )
            expires_on = data.next_check_by
        # the register's missing alarm rows whose repair had not been done by the check
        rows = (
            {}
            if home is None
            else await missing_alarms.rows_not_repaired_by(session, home.uprn, happened_at)
        )
        if rows:
            _which_alarm_told(data.defects)
        copy_by = copy_to_tenant_by(
            data.done_on,
            home.tenancy_start_date if home is not None else None,
            self.settings.tenant_copy_days,
        )
        tenancy_start = None if home is None else home.tenancy_start_date
        if check.check_type is CheckType.SMOKE_CO_ALARMS and corrected is None:
            # sent to an earlier tenancy's first-day check, made on or after the newer
            # tenancy's first day: the newer's check (ADR 0175)
            check = (
                await self.alarm_check_for_test(session, check, tenancy_start, data.done_on, now)
                or check
            )
        # the check sent to, unless a correction: then the one the open check followed
        following = check
        if corrected is not None:
            check = corrected
        record = CertificateRecord(
            id=uuid.uuid4(),
            check_id=check.id,
            uprn=check.uprn,
            check_type=check.check_type,
            done_on=data.done_on,
            checked_at=None if data.checked_at is None else happened_at,
            certificate_reference=data.certificate_reference,
            outcome=data.outcome,
            contractor_id=caller.contractor_id or check.contractor_id,
            expires_on=expires_on,
            copy_to_tenant_by=copy_by,
            recorded_at=now,
            recorded_by=caller.subject,
            corrects_id=data.corrects,
        )
        repository.add_certificate(session, record)
        remedy_by = end_of_london_day(last_remedy_day(data.done_on, self.settings.remedy_days))
        defects = [
            SafetyDefect(
                id=uuid.uuid4(),
                record_id=record.id,
                check_id=check.id,
                uprn=check.uprn,
                classification=DefectClassification(defect.classification.value),
                location=defect.location,
                description=defect.description,
                made_safe=False,
                priority=CERTIFICATE_DEFECT_PRIORITY.get(defect.classification),
                found_at=happened_at,
                remedy_by=remedy_by
                if CERTIFICATE_DEFECT_PRIORITY.get(defect.classification) is RepairPriority.URGENT
                else None,
            )
            for defect in data.defects
        ]
        # an alarm whose repair the register's missing alarm row raised (ADR 0109) is
        # that row's, as a gas record's finding is (ADR 0120, 0126)
        for defect, place in zip(defects, alarm_places, strict=True):
            if place is not None and place in rows:
                defect.missing_alarm_id = rows[place]
        records.add_defects(session, defects)
        await session.flush()
        no_access_history = home is not None and household_no_access_history(
            home.no_access_noted_on, home.tenancy_start_date, today
        )
        if corrected is None:
            await self.complete(
                session,
                check,
                record_id=record.id,
                check_date=data.done_on,
                expires_on=expires_on,
                certificate_reference=data.certificate_reference,
                no_access_history=no_access_history,
                now=now,
            )
            if check.check_type is CheckType.SMOKE_CO_ALARMS:
                await self.after_alarm_check_done(session, check, tenancy_start, now)
        else:
            await self.replace_on_cycle(
                session,
                check,
                following
                if following is not check
                else await repository.open_of_type(
                    session, check.uprn, check.check_type, for_update=True
                ),
                record_id=record.id,
                check_date=data.done_on,
                certificate_reference=data.certificate_reference,
                replaced_expiry=None if latest is None else latest.expires_on,
                expires_on=expires_on,
                no_access_history=no_access_history,
                now=now,
            )
        if (
            home is not None
            and check.check_type is CheckType.ELECTRICAL
            and household_owed_copy(data.done_on, home.tenancy_start_date, home.tenancy_end_date)
        ):
            # none in a home between tenancies: its next tenants are asked their own
            await tenant_copies.owe_household_copy(
                session,
                # a correction's copy is owed under the id engagement sends it by, as a
                # gas re-test's (ADR 0037)
                copy_id=check.id
                if corrected is None
                else retest_copy_id(check.id, data.certificate_reference),
                check_id=check.id,
                record_id=record.id,
                uprn=check.uprn,
                check_type=check.check_type,
                copy_by=copy_by,
                now=now,
            )
        trade = (
            Trade.ELECTRICAL
            if check.check_type in (CheckType.ELECTRICAL, CheckType.SMOKE_CO_ALARMS)
            else Trade.GENERAL
        )
        events: list[Event] = [
            SafetyDefectFound(
                defect_id=defect.id,
                check_id=check.id,
                uprn=check.uprn,
                check_type=check.check_type,
                classification=defect.classification,
                priority=defect.priority,
                trade=trade,
                location=defect.location,
                description=defect.description,
                made_safe=False,
                remedy_by=defect.remedy_by,
                found_at=defect.found_at,
            )
            for defect in defects
            if defect.priority is not None and defect.missing_alarm_id is None
        ]
        events.append(
            CheckCompletedV2(
                check_id=check.id,
                uprn=check.uprn,
                check_type=check.check_type,
                outcome=data.outcome,
                certificate_reference=data.certificate_reference,
                completed_at=happened_at,
                # none for a one-off check (no interval): no next one is raised
                next_due_by=expires_on,
                copy_to_tenant_by=copy_by,
                defects_found=len(defects),
                contractor_id=record.contractor_id,
                visit_id=check.paired_visit_id,
            )
        )
        for event in events:
            await publish(session, event)
        public = CertificatePublic.model_validate(record)
        public.defects_found = len(defects)
        return public

    # -- reading ----------------------------------------------------------------------

    async def get(
        self, session: AsyncSession, check_id: uuid.UUID, caller: Caller, now: datetime
    ) -> CheckPublic:
        check = await repository.get(session, check_id)
        if check is None or not self._visible_to(check, caller):
            raise NotFound(f"No check {check_id}")
        return to_public(check, london_day(now))

    async def attempts(
        self, session: AsyncSession, check_id: uuid.UUID, page: PageParams
    ) -> Page[AccessAttemptRecord]:
        """Every attempt recorded at a check, oldest first (when it was made; the
        attempt number is the order they were recorded in, and one recorded late comes
        before later ones here): the evidence the no-access ladder's last step, legal
        action for access, needs, and the way to check a contractor's outcomes (ADR
        0194). Staff only: the contractor API has no read of them."""
        if await repository.get(session, check_id) is None:
            raise NotFound(f"No check {check_id}")
        attempts = await repository.attempts_page(
            session, check_id, after=page.after_as(datetime, uuid.UUID), limit=page.fetch
        )
        return Page.from_rows(
            [AccessAttemptRecord.model_validate(a) for a in attempts],
            page.limit,
            cursor_of=lambda a: (a.attempted_at, a.id),
        )

    async def for_home(self, session: AsyncSession, uprn: str, now: datetime) -> list[CheckPublic]:
        today = london_day(now)
        return [to_public(c, today) for c in await repository.for_home(session, uprn)]

    async def page(
        self,
        session: AsyncSession,
        page: PageParams,
        *,
        status: ListedStatus | None,
        check_type: CheckType | None,
        caller: Caller,
        now: datetime,
    ) -> Page[CheckPublic]:
        """Open checks by due date: due, overdue (with ages) or expired. A contractor
        sees only the checks assigned to it (the rule of `_visible_to`, in the query)."""
        today = london_day(now)
        after = page.after_as(str, uuid.UUID)
        key: tuple[date, uuid.UUID] | None = None
        if after is not None:
            try:
                key = (date.fromisoformat(after[0]), after[1])
            except ValueError as exc:
                raise Unprocessable(
                    "The cursor was not issued by this API", field="cursor", location="query"
                ) from exc
        checks = await repository.page(
            session,
            today=today,
            status=None if status is None else status.value,
            check_type=check_type,
            after=key,
            limit=page.fetch,
            contractor_id=caller.contractor_id,
        )
        return Page.from_rows(
            [to_public(c, today) for c in checks],
            page.limit,
            cursor_of=lambda check: (check.due_by.isoformat(), check.id),
        )


def gas_check_status(checks: list[CheckPublic]) -> CheckStatus | None:
    for check in checks:
        if check.check_type is CheckType.GAS_SAFETY and check.completed_at is None:
            return check.status
    return None


async def read_home_compliance(
    connection: ReadConnection, uprn: str, now: datetime
) -> HomeCompliance:
    """Every check of a home or block, with the home's place in the gas programme: one
    statement on a read connection (repository.HOME_COMPLIANCE), rows straight into the
    response. A module function: it needs no configuration, so the GET resolves no
    service dependency."""
    today = london_day(now)
    home: Row[Any] | None = None
    block = False
    appliances: list[ApplianceFact] = []
    listed: list[CheckPublic] = []
    copies: list[TenantCopyPublic] = []
    for row in await repository.home_compliance_rows(connection, uprn):
        part = row.part
        if part == repository.CHECK:
            listed.append(to_public(row, today))
        elif part == repository.TENANT_COPY:
            copies.append(tenant_copies.to_public(row, today))
        elif part == repository.APPLIANCE:
            appliances.append(ApplianceFact(row.appliance_type.value, row.landlord_owned))
        elif part == repository.HOME:
            home = row
        else:
            block = True
    if home is None and not block:
        raise NotFound(f"No home or block with UPRN {uprn}")
    # a check shows the household's copy of the record it names (a same-day re-test's
    # once one arrived: each record has its own copy)
    household: dict[tuple[uuid.UUID, uuid.UUID | None], TenantCopyPublic] = {
        (copy.check_id, copy.record_id): copy for copy in copies if copy.tenancy_id is None
    }
    for check in listed:
        if (copy := household.get((check.id, check.record_id))) is not None:
            check.tenant_copy_by = copy.copy_by
            check.tenant_copy_sent_at = copy.tenant_copy_sent_at
            check.tenant_copy_sent_on_time = copy.sent_on_time
    return HomeCompliance(
        uprn=uprn,
        gas_status=None
        if home is None
        else gas_status(home.heating_fuel, home.gas_supply, appliances, tenure=home.tenure),
        gas_check_status=gas_check_status(listed),
        checks=listed,
        tenant_copies=copies,
    )


BUILDING_SAFETY = (
    (
        "BS01",
        CheckType.GAS_SAFETY,
        Subject.HOME,
        "Homes with every required gas safety check in date",
    ),
    (
        "BS02",
        CheckType.FIRE_RISK_ASSESSMENT,
        Subject.BLOCK,
        "Homes in blocks whose fire risk assessment is in date",
    ),
    (
        "BS03",
        CheckType.ASBESTOS,
        Subject.BLOCK,
        "Homes in blocks whose asbestos management survey is in date",
    ),
    (
        "BS04",
        CheckType.WATER,
        Subject.BLOCK,
        "Homes in blocks whose water safety risk assessment is in date",
    ),
    (
        "BS05",
        CheckType.LIFT,
        Subject.BLOCK,
        "Homes in blocks whose communal passenger lift checks are in date",
    ),
)
"""The regulator's building safety measures: shares of homes. BS01 is the homes needing
a gas check (their own, their block's communal boiler's) whose every such check is in
date (repository.gas_homes_in_date_share, ADR 0088), a home the register shows needing
its own that the programme held none for among them, not in date (ADR 0188), as is a
home let to tenants in a block whose communal boiler it held none for (ADR 0223); BS02 to
BS05 the homes let to tenants in blocks needing the communal check whose block's check
is in date (each block counts once per such home: repository.homes_in_date_share)."""

OVERDUE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("compliance.overdue.0_30_days", 0, 30),
    ("compliance.overdue.31_90_days", 31, 90),
    ("compliance.overdue.91_180_days", 91, 180),
    ("compliance.overdue.over_180_days", 181, None),
)


async def figures(session: AsyncSession, period: Period, now: datetime) -> Figures:
    """BS01 to BS05 (as at the period's end, or today when that is earlier), electrical
    checks in date, overdue checks by age band, the first-time access rate over checks
    done in the period, certificates due in the 30, 60 and 90 days after the period's
    end, tenants' copies sent by their deadline (those due in the period up to then)
    and overdue, and homes let to tenants whose register shows a required smoke or CO
    alarm missing (today: the register keeps no history of its alarms). The as-at
    measures count the check cycle each home held at the end of that day
    (repository._held_on), so a record that arrives later and is dated after it does
    not change them."""
    as_of = min(period.last, london_day(now))
    measures: list[Measure] = []
    for code, check_type, subject, description in BUILDING_SAFETY:
        if check_type is CheckType.GAS_SAFETY:
            in_date, total = await repository.gas_homes_in_date_share(session, as_of)
        elif subject is Subject.BLOCK:
            in_date, total = await repository.homes_in_date_share(session, as_of, check_type)
        else:
            in_date, total = await repository.in_date_share(session, as_of, check_type, subject)
        measures.append(Measure.ratio(code, description, in_date, total))
    in_date, total = await repository.in_date_share(
        session, as_of, CheckType.ELECTRICAL, Subject.HOME
    )
    measures.append(
        Measure.ratio("compliance.electrical_in_date", "Homes with an EICR in date", in_date, total)
    )
    first_time, done = await repository.first_time_access(session, period.first, period.last)
    measures.append(
        Measure.ratio(
            "compliance.first_time_access",
            "Checks done in the period with access at the first attempt",
            first_time,
            done,
        )
    )
    due = await repository.due_within(session, as_of, (30, 60, 90))
    for days, number in zip((30, 60, 90), due, strict=True):
        measures.append(
            Measure.count(
                f"compliance.due_in_{days}_days",
                f"Certificates falling due in the next {days} days",
                number,
            )
        )
    bands = await repository.overdue_in_bands(
        session, as_of, [(low, high) for _, low, high in OVERDUE_BANDS]
    )
    overdue = [
        Measure.count(code, f"Open checks overdue by {code.split('.')[-1].replace('_', ' ')}", n)
        for (code, _, _), n in zip(OVERDUE_BANDS, bands, strict=True)
    ]
    measures.append(Measure.count("compliance.overdue", "Open checks overdue", sum(bands)))
    gas_bands = await repository.gas_overdue_homes_in_bands(
        session, as_of, [(low, high) for _, low, high in OVERDUE_BANDS]
    )
    gas_overdue = [
        Measure.count(
            code.replace("compliance.overdue.", "compliance.gas_overdue_homes."),
            f"Homes with a gas check overdue by {code.split('.')[-1].replace('_', ' ')} "
            "(their longest)",
            n,
        )
        for (code, _, _), n in zip(OVERDUE_BANDS, gas_bands, strict=True)
    ]
    measures.append(
        Measure.count(
            "compliance.gas_overdue_homes",
            "Homes with a required gas check overdue (BS01's homes not in date, less "
            "those missing from the programme)",
            sum(gas_bands),
        )
    )
    on_time, owed = await tenant_copy_figures.on_time_share(
        session, period.first, as_of, london_day(now)
    )
    measures.append(
        Measure.ratio(
            "compliance.tenant_copies_on_time",
            "Tenants' copies of gas safety records and EICRs due in the period that were "
            "sent by their deadline (28 days; before moving in for a new tenancy)",
            on_time,
            owed,
        )
    )
    measures.append(
        Measure.count(
            "compliance.tenant_copies_overdue",
            "Tenants' copies not sent today whose deadline has passed",
            await tenant_copy_figures.overdue_count(session, london_day(now)),
        )
    )
    measures.append(
        Measure.count(
            "compliance.homes_missing_alarms",
            "Homes let to tenants whose register shows a storey with living space without "
            "a smoke alarm or a room with a fixed combustion appliance without a CO alarm, "
            "today",
            await homes.homes_missing_alarms(session),
        )
    )
    not_household = [
        Measure.ratio(
            f"compliance.no_access_not_household.{contractor_id}",
            "Failed access attempts made in the period that the contractor recorded as not "
            "the household's (no access-failed, no ladder, no no-access history), out of "
            "all the failed attempts it recorded (ADR 0222)",
            classed,
            failures,
        )
        for contractor_id, classed, failures in await repository.not_household_by_contractor(
            session, period.first, period.last
        )
    ]
    return period.figures(
        measures,
        {
            "overdue_by_age": overdue,
            "gas_overdue_homes_by_age": gas_overdue,
            "no_access_not_household_by_contractor": not_household,
        },
    )
