"""The tenant's copy of a safety record: owed when a gas safety record or an EICR of a
home arrives, one per record (within 28 days, engagement sends it on check-completed;
a same-day re-test's record is owed its own) and when a new tenancy starts in a home
with a current gas safety record or EICR, one of each (before moving in: compliance
asks engagement with tenant-copy-requested; ADR 0094); stamped sent when engagement
says it went out (tenant-copy-sent). Never commits."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row
from sqlalchemy.ext.asyncio import AsyncSession

from compliance.checks import repository as checks
from compliance.checks.rules import LEASED, copy_before_moving_in
from compliance.gas_safety_records import repository as records
from compliance.homes import repository as homes
from compliance.models import TenantCopy
from compliance.tenant_copies import repository
from compliance.tenant_copies.rules import (
    CopyStanding,
    household_owed_copy,
    new_tenancy_copy_id,
    sent_on_time,
    standing,
)
from compliance.tenant_copies.schemas import TenantCopyPublic
from hearth_contracts.events.compliance import CheckType, TenantCopyRequested
from hearth_kit.logs import get_logger
from hearth_kit.outbox import publish
from hearth_kit.pagination import Page, PageParams
from hearth_kit.problems import Unprocessable

log = get_logger(__name__)


def to_public(copy: TenantCopy | Row[Any], today: date) -> TenantCopyPublic:
    """A copy as the API shows it (a TenantCopy, or a checks.repository.HOME_COMPLIANCE
    row)."""
    return TenantCopyPublic(
        id=copy.id,
        check_id=copy.check_id,
        record_id=copy.record_id,
        check_type=copy.check_type,
        tenancy_id=copy.tenancy_id,
        copy_by=copy.copy_by,
        tenant_copy_sent_at=copy.sent_at,
        sent_on_time=copy.sent_on_time,
        standing=standing(copy.copy_by, copy.sent_at, today),
    )


async def owe_household_copy(
    session: AsyncSession,
    *,
    copy_id: uuid.UUID,
    check_id: uuid.UUID,
    record_id: uuid.UUID,
    uprn: str,
    check_type: CheckType,
    copy_by: date,
    now: datetime,
) -> None:
    """A record arrived: the household is owed a copy of it by `copy_by` (the record's
    own 28 days), under the id engagement sends that copy by: the check id for the
    check's first record, retest_copy_id (hearth_contracts) for a same-day re-test's.
    Once per id: a replay owes nothing more."""
    await repository.add_once(
        session,
        TenantCopy(
            id=copy_id,
            check_id=check_id,
            record_id=record_id,
            uprn=uprn,
            check_type=check_type,
            copy_by=copy_by,
            owed_from=now,
        ),
    )


@dataclass(frozen=True)
class RecordForNewTenants:
    """A safety record a new tenancy is given a copy of before its tenants move in: a
    gas safety record or an EICR, with what the letter names."""

    check_type: CheckType
    check_id: uuid.UUID
    record_id: uuid.UUID
    certificate_reference: str
    check_date: date
    expires_on: date


async def records_for_new_tenants(
    session: AsyncSession, uprn: str, start_date: date
) -> list[RecordForNewTenants]:
    """The records a tenancy starting on `start_date` is owed a copy of before its
    tenants move in, each the home's latest and in date on that day: its gas safety
    record (the Gas Safety (Installation and Use) Regulations 1998, regulation 36) and
    its EICR (the Electrical Safety Standards in the Private Rented Sector (England)
    Regulations 2020, regulation 3(3), as extended to social housing). An EICR lasts up
    to 5 years, so a home let again within them gives the new tenants the report the
    last tenants had. No EICR's copy in a leasehold or shared ownership home (LEASED):
    the installation is the leaseholder's and the programme holds no EICR for it (ADR
    0028). The gas record's copy is asked whatever the tenure, as before: a landlord's
    gas appliance in a leased home is the landlord's to check (ADR 0094)."""
    found: list[RecordForNewTenants] = []
    gas = await records.current_for(session, uprn, start_date)
    if gas is not None:
        found.append(
            RecordForNewTenants(
                check_type=CheckType.GAS_SAFETY,
                check_id=gas.check_id,
                record_id=gas.id,
                certificate_reference=gas.certificate_reference,
                check_date=gas.check_date,
                expires_on=gas.expires_on,
            )
        )
    home = await homes.get(session, uprn)
    if home is None or home.tenure in LEASED:
        return found
    eicr = await checks.current_certificate(session, uprn, CheckType.ELECTRICAL, start_date)
    if eicr is not None and eicr.expires_on is not None:
        found.append(
            RecordForNewTenants(
                check_type=CheckType.ELECTRICAL,
                check_id=eicr.check_id,
                record_id=eicr.id,
                certificate_reference=eicr.certificate_reference,
                check_date=eicr.done_on,
                expires_on=eicr.expires_on,
            )
        )
    return found


async def request_for_new_tenancy(
    session: AsyncSession,
    *,
    uprn: str,
    tenancy_id: uuid.UUID,
    person_ids: list[uuid.UUID],
    start_date: date,
    now: datetime,
) -> int:
    """A tenancy began: of each record it is owed a copy of (records_for_new_tenants:
    the home's gas safety record, its EICR), its tenants are owed a copy before they
    move in (by the start date: `copy_before_moving_in`), and engagement is asked to send it
    (tenant-copy-requested), once per record's check and tenancy. How many were asked."""
    if not person_ids:
        return 0
    asked = 0
    for record in await records_for_new_tenants(session, uprn, start_date):
        copy_id = new_tenancy_copy_id(record.check_id, tenancy_id)
        copy_by = copy_before_moving_in(start_date)
        added = await repository.add_once(
            session,
            TenantCopy(
                id=copy_id,
                check_id=record.check_id,
                record_id=record.record_id,
                uprn=uprn,
                check_type=record.check_type,
                tenancy_id=tenancy_id,
                copy_by=copy_by,
                owed_from=now,
            ),
        )
        if not added:
            continue
        await publish(
            session,
            TenantCopyRequested(
                copy_id=copy_id,
                check_id=record.check_id,
                record_id=record.record_id,
                uprn=uprn,
                check_type=record.check_type,
                tenancy_id=tenancy_id,
                person_ids=person_ids,
                certificate_reference=record.certificate_reference,
                check_date=record.check_date,
                expires_on=record.expires_on,
                copy_by=copy_by,
                requested_at=now,
            ),
        )
        log.info(
            "tenant copy requested for a new tenancy",
            uprn=uprn,
            copy_id=str(copy_id),
            check_type=record.check_type.value,
        )
        asked += 1
    return asked


async def withdraw_for_tenancy(session: AsyncSession, uprn: str, tenancy_id: uuid.UUID) -> int:
    """A tenancy was withdrawn before its first day (ADR 0111): nobody moves in, so the
    copies its tenants were asked before moving in and not yet sent are owed to nobody,
    as a record made in an empty home owes none (d0595fa): not overdue, not in the
    overdue count, its gauge and alert, nor against the on-time share. A copy sent
    already stays (it went, and counts as it went). So is a household copy of a record
    made while the home stood empty, owed to this tenancy as the one announced ahead,
    when no newer tenancy is known. The same withdrawal again finds nothing. How many
    were forgotten."""
    forgotten = await repository.forget_unsent_of_tenancy(session, tenancy_id)
    forgotten += await _forget_household_copies_owed_to_nobody(session, uprn)
    if forgotten:
        log.info("tenant copies of a withdrawn tenancy no longer owed", uprn=uprn, count=forgotten)
    return forgotten


async def _forget_household_copies_owed_to_nobody(session: AsyncSession, uprn: str) -> int:
    """A record made while the home stood empty was owed to the household of the tenancy
    announced ahead (rules.household_owed_copy). With that tenancy withdrawn and none
    newer known, the home is empty and the copy owed to nobody, as if made with no
    tenancy announced; the next tenancy is asked its own before moving in (ADR 0094).
    Call after homes.forget_tenancy_start (the home's start is then its newest tenancy's
    not withdrawn)."""
    start, end = await homes.tenancy_start_and_end(session, uprn)
    if end is None:
        return 0  # no end known: the household of the day is owed it, as always
    nobodys = [
        copy_id
        for copy_id, check_day in await repository.unsent_household_copies(session, uprn)
        if not household_owed_copy(check_day, start, end)
    ]
    await repository.forget(session, nobodys)
    return len(nobodys)


async def copy_sent(
    session: AsyncSession, copy_id: uuid.UUID, message_id: uuid.UUID, sent_at: datetime
) -> bool:
    """Engagement sent a copy: the copy is stamped with the first that went out (a
    replay, or a joint tenant's copy sent later, changes nothing). False for a copy
    compliance does not track (an alarm or block check's record)."""
    copy = await repository.get(session, copy_id, for_update=True)
    if copy is None:
        return False
    if copy.sent_at is None or sent_at < copy.sent_at:
        copy.sent_at = sent_at
        copy.sent_on_time = sent_on_time(copy.copy_by, sent_at)
        copy.message_id = message_id
    return True


async def for_home(session: AsyncSession, uprn: str, today: date) -> list[TenantCopyPublic]:
    return [to_public(c, today) for c in await repository.for_uprn(session, uprn)]


async def of_records(
    session: AsyncSession, record_ids: list[uuid.UUID], today: date
) -> dict[uuid.UUID, TenantCopyPublic]:
    """The household's copy of each of these records, by record id (a superseded
    record, kept as history, is owed none)."""
    return {
        c.record_id: to_public(c, today)
        for c in await repository.household_copies_of(session, record_ids)
    }


async def page(
    session: AsyncSession,
    page: PageParams,
    *,
    status: CopyStanding | None,
    uprn: str | None,
    today: date,
) -> Page[TenantCopyPublic]:
    """Tenants' copies by deadline, earliest first: `overdue` lists those not sent by
    their deadline."""
    after = page.after_as(str, uuid.UUID)
    key: tuple[date, uuid.UUID] | None = None
    if after is not None:
        try:
            key = (date.fromisoformat(after[0]), after[1])
        except ValueError as exc:
            raise Unprocessable(
                "The cursor was not issued by this API", field="cursor", location="query"
            ) from exc
    copies = await repository.page(
        session, today=today, standing=status, uprn=uprn, after=key, limit=page.fetch
    )
    return Page.from_rows(
        [to_public(c, today) for c in copies],
        page.limit,
        cursor_of=lambda copy: (copy.copy_by.isoformat(), copy.id),
    )
