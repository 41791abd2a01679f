"""Recording a landlord gas safety record: the new expiry by the 2-month rule, the check
closed and the next cycle opened, the tenant's copy deadline, each dangerous defect or
faulty alarm sent to repairs (safety-defect-found), and each hazard the engineer saw
(hazard-found: damp and mould starts an Awaab's Law clock in repairs from when the check
was done: `checked_at`, else the start of the check's London day, never the upload;
checks.service.when_checked). A record for a home outside the annual gas programme (gas
status not annual: a leaseholder's supply, a capped supply) is kept, its defects and
tenant copy as for any other, but opens no cycle (check-completed says no next check:
next_due_by null): the programme stays as the register says. A record dated before the
latest one held is kept as history (superseded) and changes neither the open check nor
the expiry; one dated the latest one's day (a re-test after a repair), or naming the
latest as the record it corrects (`corrects`, any day from the day its cycle began: ADR
0158, 0174), becomes the latest, on the cycle the first completed. Never commits."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from compliance.checks import repository as checks
from compliance.checks.rules import (
    GasStatus,
    copy_to_tenant_by,
    corrects_the_latest,
    day_of_check,
    next_gas_expiry,
)
from compliance.checks.service import (
    HeldRecord,
    ProgrammeService,
    cycle_began_on,
    refuse_wrong_correction,
    when_checked,
)
from compliance.gas_safety_records import repository
from compliance.gas_safety_records.schemas import (
    AlarmResult,
    AlarmTest,
    ApplianceChecked,
    ApplianceOutcome,
    DefectPublic,
    GasDefectClassification,
    GasSafetyRecordCreate,
    GasSafetyRecordPublic,
    HazardPublic,
)
from compliance.homes import repository as homes
from compliance.homes.alarms import (
    AlarmTested,
    follow_alarm_tests,
    place_of,
    storey_of,
)
from compliance.homes.service import no_access_history_of, status_of
from compliance.models import GasSafetyRecord, Home, SafetyDefect, Subject
from compliance.tenant_copies import service as tenant_copies
from compliance.tenant_copies.rules import household_owed_copy
from compliance.tenant_copies.schemas import TenantCopyPublic
from hearth_contracts.events.compliance import AlarmKind as ContractAlarmKind
from hearth_contracts.events.compliance import (
    CheckCompletedV2,
    CheckOutcome,
    CheckType,
    DefectClassification,
    HazardFoundAtCheck,
    SafetyDefectFound,
    retest_copy_id,
)
from hearth_contracts.events.repairs import RepairPriority
from hearth_contracts.events.visits import Trade
from hearth_kit.auth import Caller
from hearth_kit.outbox import publish
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import Conflict, NotFound, Unprocessable
from hearth_kit.working_days import london_day

REPAIR_PRIORITY: dict[GasDefectClassification, RepairPriority | None] = {
    GasDefectClassification.IMMEDIATELY_DANGEROUS: RepairPriority.EMERGENCY,
    GasDefectClassification.AT_RISK: RepairPriority.URGENT,
    GasDefectClassification.NOT_TO_CURRENT_STANDARD: None,
}
"""Immediately dangerous: an emergency repair; at risk: urgent; not to current
standards is recorded and advised, with no repair raised."""


def to_public(
    record: GasSafetyRecord, defects: list[SafetyDefect], copy: TenantCopyPublic | None = None
) -> GasSafetyRecordPublic:
    return GasSafetyRecordPublic(
        id=record.id,
        check_id=record.check_id,
        uprn=record.uprn,
        check_date=record.check_date,
        checked_at=record.checked_at,
        engineer_name=record.engineer_name,
        gas_safe_number=record.gas_safe_number,
        certificate_reference=record.certificate_reference,
        contractor_id=record.contractor_id,
        outcome=record.outcome,
        appliances=[ApplianceChecked.model_validate(a) for a in record.appliances],
        alarm_tests=[AlarmTest.model_validate(a) for a in record.alarm_tests],
        defects=[DefectPublic.model_validate(d) for d in defects],
        hazards=[HazardPublic.model_validate(h) for h in record.hazards or []],
        previous_expiry=record.previous_expiry,
        expires_on=record.expires_on,
        copy_to_tenant_by=record.copy_to_tenant_by,
        tenant_copy_sent_at=None if copy is None else copy.tenant_copy_sent_at,
        tenant_copy_sent_on_time=None if copy is None else copy.sent_on_time,
        recorded_at=record.recorded_at,
        superseded=record.superseded,
        corrects_id=record.corrects_id,
    )


def _held(record: GasSafetyRecord) -> HeldRecord:
    return HeldRecord(
        id=record.id,
        uprn=record.uprn,
        check_type=CheckType.GAS_SAFETY,
        check_id=record.check_id,
        day=record.check_date,
        superseded=record.superseded,
    )


def _not_assigned() -> Unprocessable:
    """A contractor's record for a home with no open gas check assigned to it: the same
    problem whether the home is in the register or not, and without the UPRN, so a
    contractor cannot probe which homes the landlord holds."""
    return Unprocessable(
        "No open gas check at this home is assigned to this contractor", field="uprn"
    )


def _faults_on_their_storeys(
    data: GasSafetyRecordCreate, storeys_with_living_space: int | None
) -> None:
    """A smoke alarm found faulty or missing at a home of several storeys with living
    space says its storey, or the record is refused (422 naming it, ADR 0126). The
    register keeps smoke alarms by storey and raises one repair per storey lacking one
    (ADR 0109); without the storey, which of the home's alarms the finding is cannot be
    told, so it was a repair of its own even where the register's row had raised the
    repair to fit that very alarm (two repairs for one alarm), and a repair to fit or
    replace one somewhere in a house of several floors. A flat's or a bungalow's (one
    storey) is on the ground floor (ADR 0123); a home whose storeys the register does
    not know has no storey's row to match. A working one needs no storey: it raises
    nothing."""
    if storeys_with_living_space is None or storeys_with_living_space < 2:
        return
    for index, alarm in enumerate(data.alarm_tests):
        if (
            alarm.kind.value == ContractAlarmKind.SMOKE.value
            and alarm.storey is None
            and alarm.result is not AlarmResult.WORKING
        ):
            raise Unprocessable(
                f"A smoke alarm found {alarm.result.value} at a home of "
                f"{storeys_with_living_space} storeys with living space needs its storey "
                "(0 = ground floor): the register keeps smoke alarms by storey, and the "
                "repair is to that storey's alarm",
                field=f"alarm_tests.{index}.storey",
            )


class GasSafetyRecordService:
    def __init__(self, programme: ProgrammeService) -> None:
        self.programme = programme

    async def record(
        self, session: AsyncSession, data: GasSafetyRecordCreate, caller: Caller, now: datetime
    ) -> GasSafetyRecordPublic:
        """Take a gas safety record (staff, or the contractor the check is assigned to)."""
        today = london_day(now)
        if data.check_date > today:
            raise Unprocessable("A check date cannot be in the future", field="check_date")
        oldest = self.programme.settings.oldest_check_day(CheckType.GAS_SAFETY, today)
        if data.check_date < oldest:
            raise Unprocessable(
                f"A check date cannot be before {oldest.isoformat()}, the furthest back the "
                "register goes for gas safety checks (a record is kept 2 years)",
                field="check_date",
            )
        happened_at = when_checked(data.check_date, data.checked_at, now, day_field="check_date")
        for index, defect in enumerate(data.defects):
            if defect.appliance_index is not None and defect.appliance_index >= len(
                data.appliances
            ):
                raise Unprocessable(
                    "No appliance at that position in appliances",
                    field=f"defects.{index}.appliance_index",
                )
        repaired = {
            defect.appliance_index
            for defect in data.defects
            if REPAIR_PRIORITY[defect.classification] is not None
        }
        for index, appliance in enumerate(data.appliances):
            if appliance.landlord_owned and not appliance.safe_to_use and index not in repaired:
                # Only defects go to repairs, with the priority their class gives: a
                # landlord's appliance left unsafe with none raised no repair at all
                # (DOMAIN.md: an unsafe appliance raises an emergency or urgent one). A
                # household's own appliance is theirs to put right.
                raise Unprocessable(
                    "A landlord's appliance not safe to use needs its immediately dangerous "
                    "or at risk defect in defects, naming it by appliance_index: that "
                    "defect raises its repair",
                    field=f"appliances.{index}.safe_to_use",
                )
        home = await homes.get(session, data.uprn, for_update=True)
        # A block's communal boiler is in the gas programme too (checks_for_block): its
        # record comes here at the block's UPRN, as a home's does (ADR 0101).
        block = (
            None if home is not None else await homes.get_block(session, data.uprn, for_update=True)
        )
        if home is None and block is None and caller.contractor_id is not None:
            raise _not_assigned()
        if home is None and block is None:
            raise Unprocessable(f"No home or block with UPRN {data.uprn}", field="uprn")
        check = await checks.open_of_type(session, data.uprn, CheckType.GAS_SAFETY, for_update=True)
        if caller.contractor_id is not None and (
            check is None or check.contractor_id != caller.contractor_id
        ):
            raise _not_assigned()
        if home is not None and not data.alarm_tests:
            # DOMAIN.md: the alarms are checked at each gas visit. A record without them
            # would leave the visit's duty undone with nothing to show it; a block's
            # communal boiler room has no household's alarms (ADR 0110).
            raise Unprocessable(
                "A home's gas safety record needs the smoke and CO alarms tested at the "
                "visit in alarm_tests (result missing for an alarm that is not there)",
                field="alarm_tests",
            )
        if home is not None:
            _faults_on_their_storeys(data, home.storeys_with_living_space)
        if await repository.reference_held(session, data.uprn, data.certificate_reference):
            # The same certificate sent again without its Idempotency-Key (a replay with
            # the key answers as the first before this): refused, not a second record.
            # The home's row is locked above, so two at once cannot both pass.
            raise Conflict(
                "A gas safety record with this certificate reference is already held for this home",
                field="certificate_reference",
            )
        latest = await repository.latest_for(session, data.uprn)
        if data.corrects is not None:
            # Named as the record it corrects (ADR 0158): it replaces that one on its
            # cycle whatever its day (a corrected CP12 whose first day was mistyped), as
            # a re-test the same day does. Before, dated after it, it completed the next
            # cycle: a second annual check done, the anniversary moved by it.
            named = (
                latest
                if latest is not None and latest.id == data.corrects
                else await repository.get(session, data.corrects)
            )
            refuse_wrong_correction(
                data.corrects,
                None if named is None else _held(named),
                None if latest is None else _held(latest),
                uprn=data.uprn,
                check_type=CheckType.GAS_SAFETY,
                day=data.check_date,
                day_field="check_date",
                what="gas safety record",
                # dated before it (the day it was typed up corrected to the inspection's,
                # ADR 0174): no earlier than its cycle began
                began=None
                if named is None or data.check_date >= named.check_date
                else await cycle_began_on(session, named.check_id),
            )
        if latest is not None and data.check_date < latest.check_date and data.corrects is None:
            return await self._superseded(session, data, caller, latest, home, happened_at, now)
        if home is not None:
            appliances = await homes.appliances_of(session, data.uprn)
            annual = status_of(home, appliances) is GasStatus.ANNUAL
        else:
            # a block is in the annual programme for its communal boiler only
            annual = block is not None and block.communal_boiler
        tenancy_start = None if home is None else home.tenancy_start_date
        no_access_history = home is not None and no_access_history_of(home, now)
        # A second record dated the latest one's day (a re-test after a repair, or a
        # corrected certificate), or naming the latest as the one it corrects (any day
        # from its cycle's first, ADR 0158, 0174), is the home's latest, recorded
        # against the cycle the first completed: no cycle is completed or opened again,
        # and its expiry runs by the 2-month rule from the expiry before the first (the
        # same day gives the same).
        retest = None
        previous = None
        if latest is not None and (
            data.corrects is not None or corrects_the_latest(data.check_date, latest.check_date)
        ):
            retest = await checks.get(session, latest.check_id, for_update=True)
            previous = latest.previous_expiry
        following = check
        if retest is not None:
            check = retest
        elif check is None:
            # Outside the annual programme (or a record before the programme knew of the
            # home): a cycle opened only to hold this record, closed by it at once with
            # no next cycle unless the home is in the annual programme. Opened and closed
            # in the same instant, it is never the cycle held at a day's end, so BS01 and
            # the overdue figures never count it.
            check = await self.programme.open_check(
                session,
                uprn=data.uprn,
                subject=Subject.HOME if home is not None else Subject.BLOCK,
                check_type=CheckType.GAS_SAFETY,
                due_by=data.check_date,
                now=now,
            )
        settings = self.programme.settings
        if retest is None:
            previous = check.certificate_expires_on
        expires_on = next_gas_expiry(
            data.check_date,
            previous,
            interval_months=settings.interval_for(CheckType.GAS_SAFETY) or 12,
        )
        copy_by = copy_to_tenant_by(data.check_date, tenancy_start, settings.tenant_copy_days)
        dangerous = [d for d in data.defects if REPAIR_PRIORITY[d.classification] is not None]
        failed = [a for a in data.appliances if a.outcome is ApplianceOutcome.FAIL]
        outcome = CheckOutcome.UNSATISFACTORY if dangerous or failed else CheckOutcome.SATISFACTORY
        record = GasSafetyRecord(
            id=uuid.uuid4(),
            check_id=check.id,
            uprn=data.uprn,
            check_date=data.check_date,
            checked_at=None if data.checked_at is None else happened_at,
            engineer_name=data.engineer_name,
            gas_safe_number=data.gas_safe_number,
            certificate_reference=data.certificate_reference,
            contractor_id=caller.contractor_id or check.contractor_id,
            outcome=outcome,
            appliances=[a.model_dump(mode="json") for a in data.appliances],
            alarm_tests=[a.model_dump(mode="json") for a in data.alarm_tests],
            hazards=[
                HazardPublic(id=uuid.uuid4(), **h.model_dump()).model_dump(mode="json")
                for h in data.hazards
            ],
            previous_expiry=previous,
            expires_on=expires_on,
            copy_to_tenant_by=copy_by,
            recorded_at=now,
            recorded_by=caller.subject,
            corrects_id=data.corrects,
        )
        repository.add(session, record)
        defects = self._defects(record, data, happened_at)
        repository.add_defects(session, defects)
        await session.flush()
        if home is not None and household_owed_copy(
            data.check_date, home.tenancy_start_date, home.tenancy_end_date
        ):
            # no household lives at a block's UPRN (a certificate of a block's check owes
            # none either), nor in a home between tenancies (its next tenants are asked
            # their own copy, ADR 0094)
            await tenant_copies.owe_household_copy(
                session,
                # a re-test's copy is its own, under the id engagement sends it by
                copy_id=check.id
                if retest is None
                else retest_copy_id(check.id, data.certificate_reference),
                check_id=check.id,
                record_id=record.id,
                uprn=data.uprn,
                check_type=CheckType.GAS_SAFETY,
                copy_by=copy_by,
                now=now,
            )
        # no next cycle for a home outside the annual gas programme
        next_due_by = expires_on if annual else None
        if retest is None:
            await self.programme.complete(
                session,
                check,
                record_id=record.id,
                check_date=data.check_date,
                expires_on=next_due_by,
                certificate_reference=data.certificate_reference,
                no_access_history=no_access_history,
                now=now,
            )
        else:
            await self.programme.replace_on_cycle(
                session,
                check,
                following,
                record_id=record.id,
                check_date=data.check_date,
                certificate_reference=data.certificate_reference,
                replaced_expiry=None if latest is None else latest.expires_on,
                expires_on=expires_on,
                no_access_history=no_access_history,
                now=now,
            )
        if data.alarm_tests:
            # an earlier tenancy's first-day check stays open until the newer tenancy
            # begins: a test before that day is its household's, one from it the newer's
            # (ADR 0175)
            alarm_check = await self.programme.alarm_check_for_test(
                session,
                await checks.open_of_type(
                    session, data.uprn, CheckType.SMOKE_CO_ALARMS, for_update=True
                ),
                tenancy_start,
                data.check_date,
                now,
            )
            # a first-day alarm check is done on the tenancy's first day or after: a test
            # before it (the tenancy announced ahead) leaves it open
            if alarm_check is not None and data.check_date >= day_of_check(alarm_check.due_by):
                await self.programme.complete(
                    session,
                    alarm_check,
                    record_id=record.id,
                    check_date=data.check_date,
                    expires_on=None,
                    certificate_reference=data.certificate_reference,
                    no_access_history=no_access_history,
                    now=now,
                )
                await self.programme.after_alarm_check_done(
                    session, alarm_check, tenancy_start, now
                )
        raised_by_register = (
            set()
            if home is None
            else await self._follow_alarm_tests(
                session, home, data, defects, happened_at, register_follows=True, now=now
            )
        )
        await self._publish_findings(
            session, data, record, defects, happened_at, raised_by_register
        )
        await publish(
            session,
            CheckCompletedV2(
                check_id=check.id,
                uprn=data.uprn,
                check_type=CheckType.GAS_SAFETY,
                outcome=outcome,
                certificate_reference=data.certificate_reference,
                completed_at=happened_at,
                next_due_by=next_due_by,
                copy_to_tenant_by=copy_by,
                defects_found=len(defects),
                contractor_id=record.contractor_id,
                visit_id=data.visit_id or check.paired_visit_id,
            ),
        )
        return to_public(record, defects)

    @staticmethod
    async def _follow_alarm_tests(
        session: AsyncSession,
        home: Home,
        data: GasSafetyRecordCreate,
        defects: list[SafetyDefect],
        happened_at: datetime,
        *,
        register_follows: bool,
        now: datetime,
    ) -> set[uuid.UUID]:
        """The record's alarm tests taken into the register (alarms.follow_alarm_tests:
        the lists follow the home's latest record, ADR 0121), and the ids of the
        record's alarm defects whose one repair the register's missing alarm raises
        (ADR 0120): a missing alarm the register has open, or opened by this record, and
        a faulty one where the register had one open (its repair fits a working one).
        Each stays on the record as found, naming the row (missing_alarm_id: its repair's
        completion remedies it); it sends no safety-defect-found of its own.

        A smoke alarm sent without its storey is placed on the ground floor of a home
        with one storey with living space (storey_of), as if sent with it (ADR 0123);
        elsewhere it changes nothing in the register. One found faulty or missing
        without it at a home of several storeys was refused (_faults_on_their_storeys,
        ADR 0126); at a home whose storeys the register does not know no smoke alarm
        row is open, so it is its own repair."""
        placed: list[tuple[ContractAlarmKind, str] | None] = []
        tested: list[AlarmTested] = []
        for alarm in data.alarm_tests:
            kind = ContractAlarmKind(alarm.kind.value)
            storey = storey_of(kind, alarm.storey, home.storeys_with_living_space)
            place = place_of(kind, storey, alarm.location)
            placed.append(None if place is None else (kind, place))
            if place is not None:
                tested.append(
                    AlarmTested(
                        kind=kind,
                        place=place,
                        room=alarm.location,
                        there=alarm.result is not AlarmResult.MISSING,
                    )
                )
        covered = await follow_alarm_tests(
            session,
            home,
            await homes.appliances_of(session, home.uprn),
            tested,
            found_at=happened_at,
            register_follows=register_follows,
            now=now,
        )
        # _defects adds one alarm defect per alarm test not working, in their order,
        # after the record's own defects
        alarm_defects = iter(defects[len(data.defects) :])
        raised: set[uuid.UUID] = set()
        for alarm, key in zip(data.alarm_tests, placed, strict=True):
            if alarm.result is AlarmResult.WORKING:
                continue
            defect = next(alarm_defects)
            if key is not None and key in covered:
                # the register's row's repair is this finding's: remedied with it
                defect.missing_alarm_id = covered[key]
                raised.add(defect.id)
        await session.flush()
        return raised

    @staticmethod
    async def _publish_findings(
        session: AsyncSession,
        data: GasSafetyRecordCreate,
        record: GasSafetyRecord,
        defects: list[SafetyDefect],
        happened_at: datetime,
        raised_by_register: set[uuid.UUID],
    ) -> None:
        """Each dangerous defect or faulty alarm to repairs (safety-defect-found) and
        each hazard seen (hazard-found), dated when the check was done (when_checked).
        An alarm whose repair the register's missing alarm raises (`raised_by_register`,
        ADR 0120) is not sent again."""
        for found in defects:
            if found.priority is not None and found.id not in raised_by_register:
                await publish(
                    session,
                    SafetyDefectFound(
                        defect_id=found.id,
                        check_id=record.check_id,
                        uprn=data.uprn,
                        check_type=CheckType.GAS_SAFETY,
                        classification=found.classification,
                        priority=found.priority,
                        trade=Trade.ELECTRICAL
                        if found.classification is DefectClassification.ALARM_FAULTY_OR_MISSING
                        else Trade.GAS,
                        location=found.location,
                        description=found.description,
                        made_safe=found.made_safe,
                        found_at=found.found_at,
                    ),
                )
        for hazard in (HazardPublic.model_validate(h) for h in record.hazards or []):
            await publish(
                session,
                HazardFoundAtCheck(
                    hazard_id=hazard.id,
                    uprn=data.uprn,
                    check_id=record.check_id,
                    record_id=record.id,
                    check_type=CheckType.GAS_SAFETY,
                    hazard_type=hazard.hazard_type,
                    severity=hazard.severity,
                    identified_at=happened_at,
                ),
            )

    async def _superseded(
        self,
        session: AsyncSession,
        data: GasSafetyRecordCreate,
        caller: Caller,
        latest: GasSafetyRecord,
        home: Home | None,
        happened_at: datetime,
        now: datetime,
    ) -> GasSafetyRecordPublic:
        """A record dated before the latest one held (a late-arriving older
        certificate): kept as history under the latest record's cycle, with the expiry
        it gave by itself, its defects and hazards sent on as for any record; the open
        check, its expiry and the tenant's copy are the latest record's, so it neither
        moves the expiry back nor makes the home overdue. No check-completed. Its alarm
        tests do not change the register (the latest record's are newer), but a missing
        alarm the register has a repair for raises no second one."""
        settings = self.programme.settings
        dangerous = [d for d in data.defects if REPAIR_PRIORITY[d.classification] is not None]
        failed = [a for a in data.appliances if a.outcome is ApplianceOutcome.FAIL]
        outcome = CheckOutcome.UNSATISFACTORY if dangerous or failed else CheckOutcome.SATISFACTORY
        record = GasSafetyRecord(
            id=uuid.uuid4(),
            check_id=latest.check_id,
            uprn=data.uprn,
            check_date=data.check_date,
            checked_at=None if data.checked_at is None else happened_at,
            engineer_name=data.engineer_name,
            gas_safe_number=data.gas_safe_number,
            certificate_reference=data.certificate_reference,
            contractor_id=caller.contractor_id,
            outcome=outcome,
            appliances=[a.model_dump(mode="json") for a in data.appliances],
            alarm_tests=[a.model_dump(mode="json") for a in data.alarm_tests],
            hazards=[
                HazardPublic(id=uuid.uuid4(), **h.model_dump()).model_dump(mode="json")
                for h in data.hazards
            ],
            previous_expiry=None,
            expires_on=next_gas_expiry(
                data.check_date,
                None,
                interval_months=settings.interval_for(CheckType.GAS_SAFETY) or 12,
            ),
            copy_to_tenant_by=copy_to_tenant_by(data.check_date, None, settings.tenant_copy_days),
            recorded_at=now,
            recorded_by=caller.subject,
            superseded=True,
        )
        repository.add(session, record)
        defects = self._defects(record, data, happened_at)
        repository.add_defects(session, defects)
        await session.flush()
        raised_by_register = (
            set()
            if home is None
            else await self._follow_alarm_tests(
                session, home, data, defects, happened_at, register_follows=False, now=now
            )
        )
        await self._publish_findings(
            session, data, record, defects, happened_at, raised_by_register
        )
        return to_public(record, defects)

    @staticmethod
    def _defects(
        record: GasSafetyRecord, data: GasSafetyRecordCreate, found_at: datetime
    ) -> list[SafetyDefect]:
        """The record's defects, and a defect for each faulty or missing alarm."""
        found = [
            SafetyDefect(
                id=uuid.uuid4(),
                record_id=record.id,
                check_id=record.check_id,
                uprn=record.uprn,
                classification=DefectClassification(defect.classification.value),
                location=defect.location,
                description=defect.description,
                made_safe=defect.made_safe,
                priority=REPAIR_PRIORITY[defect.classification],
                found_at=found_at,
            )
            for defect in data.defects
        ]
        for alarm in data.alarm_tests:
            if alarm.result is not AlarmResult.WORKING:
                found.append(
                    SafetyDefect(
                        id=uuid.uuid4(),
                        record_id=record.id,
                        check_id=record.check_id,
                        uprn=record.uprn,
                        classification=DefectClassification.ALARM_FAULTY_OR_MISSING,
                        location=alarm.location,
                        description=f"{alarm.kind.value.replace('_', ' ')} alarm "
                        f"{alarm.result.value}",
                        made_safe=False,
                        priority=RepairPriority.URGENT,
                        found_at=found_at,
                    )
                )
        return found

    async def get(
        self, session: AsyncSession, record_id: uuid.UUID, caller: Caller, now: datetime
    ) -> GasSafetyRecordPublic:
        record = await repository.get(session, record_id)
        if record is None or (
            caller.contractor_id is not None and record.contractor_id != caller.contractor_id
        ):
            raise NotFound(f"No gas safety record {record_id}")
        copies = await tenant_copies.of_records(session, [record.id], london_day(now))
        return to_public(
            record, await repository.defects_of(session, [record.id]), copies.get(record.id)
        )

    async def page(
        self,
        session: AsyncSession,
        page: PageParams,
        *,
        uprn: str | None,
        caller: Caller,
        today: date,
    ) -> Page[GasSafetyRecordPublic]:
        """Records newest first, each with its household copy; a contractor sees only its
        own."""
        records = await repository.page(
            session,
            uprn=uprn,
            contractor_id=caller.contractor_id,
            after=page.after_as(datetime, uuid.UUID),
            limit=page.fetch,
        )
        defects = await repository.defects_of(session, [r.id for r in records])
        copies = await tenant_copies.of_records(session, [r.id for r in records], today)
        return Page.from_rows(
            [
                to_public(r, [d for d in defects if d.record_id == r.id], copies.get(r.id))
                for r in records
            ],
            page.limit,
            cursor_of=lambda record: (record.recorded_at, record.id),
        )
