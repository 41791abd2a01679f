"""All SQL about the programme's checks and access attempts."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Row,
    Select,
    Subquery,
    and_,
    bindparam,
    case,
    cast,
    exists,
    func,
    insert,
    inspect,
    literal,
    literal_column,
    not_,
    null,
    or_,
    tuple_,
    union_all,
    update,
)
from sqlalchemy import select as core_select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from compliance.checks.rules import LEASED, in_date_on
from compliance.homes.repository import needs_gas_check_by_register
from compliance.models import (
    HELD_AGAINST_THE_HOUSEHOLD,
    AccessAttempt,
    AccessOutcome,
    Appliance,
    Block,
    CertificateRecord,
    Check,
    GasSafetyRecord,
    Home,
    Subject,
    TenantCopy,
)
from hearth_contracts.events.compliance import CheckType
from hearth_kit.db import ReadConnection
from hearth_kit.working_days import end_of_london_day, start_of_london_day


async def get(
    session: AsyncSession, check_id: uuid.UUID, *, for_update: bool = False
) -> Check | None:
    query = select(Check).where(Check.id == check_id)
    if for_update:
        # populate_existing: a check read earlier in the transaction (before its lock)
        # takes the row as it is now that it is locked
        query = query.with_for_update().execution_options(populate_existing=True)
    return (await session.execute(query)).scalars().first()


_home = inspect(Home).local_table
_block = inspect(Block).local_table
_appliance = inspect(Appliance).local_table
_check = inspect(Check).local_table
_attempt = inspect(AccessAttempt).local_table
_copy = inspect(TenantCopy).local_table

HOME, BLOCK, APPLIANCE, CHECK, TENANT_COPY = range(5)
"""The `part` of a HOME_COMPLIANCE row: what the row is."""

_SLOTS = {
    # Shared by checks and tenant copies (same name, same type in both tables).
    "uprn": _check.c.uprn,
    "id": _check.c.id,
    "check_type": _check.c.check_type,
    "record_id": _check.c.record_id,
    # The home's gas facts, and its appliances'.
    "heating_fuel": _home.c.heating_fuel,
    "gas_supply": _home.c.gas_supply,
    "tenure": _home.c.tenure,
    "appliance_type": _appliance.c.appliance_type,
    "landlord_owned": _appliance.c.landlord_owned,
    # A check's own columns (compliance.checks.service.to_public).
    "subject": _check.c.subject,
    "due_by": _check.c.due_by,
    "due_from": _check.c.due_from,
    "certificate_expires_on": _check.c.certificate_expires_on,
    "last_certificate_reference": _check.c.last_certificate_reference,
    "completed_at": _check.c.completed_at,
    "escalated_at": _check.c.escalated_at,
    "access_attempts": _check.c.access_attempts,
    "no_access_attempts": _check.c.no_access_attempts,
    "ladder_steps_taken": _check.c.ladder_steps_taken,
    "ladder_next_step_on": _check.c.ladder_next_step_on,
    "contractor_id": _check.c.contractor_id,
    "paired_visit_id": _check.c.paired_visit_id,
    "appointment_start": _check.c.appointment_start,
    "appointment_end": _check.c.appointment_end,
    "version": _check.c.version,
    # A tenant copy's own columns (compliance.tenant_copies.service.to_public).
    "check_id": _copy.c.check_id,
    "tenancy_id": _copy.c.tenancy_id,
    "copy_by": _copy.c.copy_by,
    "sent_at": _copy.c.sent_at,
    "sent_on_time": _copy.c.sent_on_time,
}
"""The columns of HOME_COMPLIANCE, each typed as the column it is read from."""


def _branch(part: int, table: Any, **columns: ColumnElement[Any]) -> Any:
    """One branch of HOME_COMPLIANCE: every slot, the branch's own columns where it has
    them and a typed NULL elsewhere (PostgreSQL resolves a union's types slot by slot;
    the first branch's types decode every row)."""
    return (
        core_select(
            literal_column(str(part), Integer).label("part"),
            *(
                columns[name].label(name)
                if name in columns
                else cast(null(), column.type).label(name)
                for name, column in _SLOTS.items()
            ),
        )
        .select_from(table)
        .where(table.c.uprn == bindparam("uprn"))
    )


_UNION = union_all(
    _branch(
        HOME,
        _home,
        heating_fuel=_home.c.heating_fuel,
        gas_supply=_home.c.gas_supply,
        tenure=_home.c.tenure,
    ),
    _branch(BLOCK, _block),
    _branch(
        APPLIANCE,
        _appliance,
        appliance_type=_appliance.c.appliance_type,
        landlord_owned=_appliance.c.landlord_owned,
    ),
    _branch(
        CHECK,
        _check,
        uprn=_check.c.uprn,
        id=_check.c.id,
        check_type=_check.c.check_type,
        record_id=_check.c.record_id,
        **{
            name: _check.c[name]
            for name in (
                "subject",
                "due_by",
                "due_from",
                "certificate_expires_on",
                "last_certificate_reference",
                "completed_at",
                "escalated_at",
                "access_attempts",
                "no_access_attempts",
                "ladder_steps_taken",
                "ladder_next_step_on",
                "contractor_id",
                "paired_visit_id",
                "appointment_start",
                "appointment_end",
                "version",
            )
        },
    ),
    _branch(
        TENANT_COPY,
        _copy,
        **{
            name: _copy.c[name]
            for name in (
                "uprn",
                "id",
                "check_type",
                "record_id",
                "check_id",
                "tenancy_id",
                "copy_by",
                "sent_at",
                "sent_on_time",
            )
        },
    ),
)
_columns = _UNION.selected_columns
HOME_COMPLIANCE = _UNION.order_by(
    _columns.part,
    _columns.completed_at.desc().nulls_first(),
    _columns.due_by.desc(),
    _columns.copy_by.desc(),
    _columns.id,
)
"""A home's (or block's) compliance in one round trip and one portable statement (no
json_agg, no LATERAL: docs/adr/0019): a UNION ALL whose `part` says what each row is:
the home's gas facts (HOME), the block (BLOCK), its appliances (APPLIANCE), its checks
(CHECK: open first, then the latest completed) and its tenants' copies (TENANT_COPY:
latest deadline first). No HOME and no BLOCK row: there is no such home or block.
Built once: its cache key and compiled SQL are reused by every call."""


async def home_compliance_rows(connection: ReadConnection, uprn: str) -> list[Row[Any]]:
    """The rows of HOME_COMPLIANCE for `uprn`, in its order."""
    return list((await connection.execute(HOME_COMPLIANCE, {"uprn": uprn})).all())


async def open_for(session: AsyncSession, uprn: str) -> list[Check]:
    query = select(Check).where(Check.uprn == uprn, col(Check.completed_at).is_(None))
    return list((await session.execute(query)).scalars().all())


async def open_for_many(
    session: AsyncSession, uprns: Sequence[str], *, read_again: bool = False
) -> dict[str, list[Check]]:
    """The open checks of these homes; `read_again` takes each as it is now, not as the
    transaction read it earlier (populate_existing: once their homes are locked)."""
    found: dict[str, list[Check]] = {uprn: [] for uprn in uprns}
    if not uprns:
        return found
    query = select(Check).where(col(Check.uprn).in_(uprns), col(Check.completed_at).is_(None))
    if read_again:
        query = query.execution_options(populate_existing=True)
    for check in (await session.execute(query)).scalars().all():
        found[check.uprn].append(check)
    return found


async def open_of_type(
    session: AsyncSession, uprn: str, check_type: CheckType, *, for_update: bool = False
) -> Check | None:
    query = select(Check).where(
        Check.uprn == uprn, Check.check_type == check_type, col(Check.completed_at).is_(None)
    )
    if for_update:
        query = query.with_for_update()
    return (await session.execute(query)).scalars().first()


async def cycle_began(session: AsyncSession, check: Check) -> datetime | None:
    """When the cycle `check` is began: when the check of its home (or block) and type
    before it was done, the check whose record opened it. That is the record's
    `checked_at`, else the start of its London day (`completed_on`, ADR 0039), never
    when the record was typed in (`created_at` of this cycle, `completed_at` of the
    one before). None for a first cycle: none of that type was done before it in
    Hearth (a check withdrawn without a record did none). For a completed check, the
    check done before it (not the cycles done since, ADR 0160)."""
    query: Select[Any] = (
        core_select(
            col(Check.completed_on),
            col(GasSafetyRecord.checked_at).label("gas_checked_at"),
            col(CertificateRecord.checked_at).label("certificate_checked_at"),
        )
        .outerjoin(GasSafetyRecord, col(GasSafetyRecord.id) == col(Check.record_id))
        .outerjoin(CertificateRecord, col(CertificateRecord.id) == col(Check.record_id))
        .where(
            col(Check.uprn) == check.uprn,
            col(Check.check_type) == check.check_type,
            col(Check.id) != check.id,
            col(Check.record_id).is_not(None),
            col(Check.completed_on).is_not(None),
        )
        .order_by(col(Check.completed_on).desc(), col(Check.completed_at).desc())
        .limit(1)
    )
    if check.completed_on is not None and check.completed_at is not None:
        query = query.where(
            col(Check.completed_on) <= check.completed_on,
            col(Check.completed_at) < check.completed_at,
        )
    before = (await session.execute(query)).first()
    if before is None:
        return None
    checked_at: datetime | None = before.gas_checked_at or before.certificate_checked_at
    return checked_at if checked_at is not None else start_of_london_day(before.completed_on)


async def done_at(session: AsyncSession, check: Check) -> datetime | None:
    """When a completed check was done, for the attempts made at it before (ADR 0160):
    the `checked_at` of the record it names, else the end of its London day
    (`completed_on`: with no time given, an attempt that day may have come first). None
    for an open check, or one withdrawn without a record."""
    if check.record_id is None or check.completed_on is None:
        return None
    record: GasSafetyRecord | CertificateRecord | None = await session.get(
        GasSafetyRecord, check.record_id
    ) or await session.get(CertificateRecord, check.record_id)
    if record is not None and record.checked_at is not None:
        return record.checked_at
    return end_of_london_day(check.completed_on)


async def for_home(session: AsyncSession, uprn: str) -> list[Check]:
    """Every check of a home, open ones first, then the latest completed."""
    query = (
        select(Check)
        .where(Check.uprn == uprn)
        .order_by(col(Check.completed_at).desc().nulls_first(), col(Check.due_by).desc())
    )
    return list((await session.execute(query)).scalars().all())


def add(session: AsyncSession, check: Check) -> None:
    session.add(check)


async def add_many(session: AsyncSession, rows: Sequence[dict[str, Any]]) -> None:
    """Insert new checks in one statement (the import's batches)."""
    if rows:
        await session.execute(insert(Check), list(rows))


async def withdraw(
    session: AsyncSession, check_ids: Iterable[uuid.UUID], now: datetime
) -> list[Row[Any]]:
    """Close open checks that are no longer needed (a capped supply): completed without
    a record. The checks this closed (id, uprn, check_type): one still open when
    asked, so each is announced once."""
    ids = list(check_ids)
    if not ids:
        return []
    result = await session.execute(
        update(Check)
        .where(col(Check.id).in_(ids), col(Check.completed_at).is_(None))
        .values(completed_at=now)
        .returning(col(Check.id), col(Check.uprn), col(Check.check_type))
    )
    return sorted(result.all(), key=lambda row: (row.uprn, str(row.id)))


async def withdrawn_after(
    session: AsyncSession, after: uuid.UUID | None, limit: int
) -> list[Row[Any]]:
    """Withdrawn checks (completed without a record), in id order after `after`: id,
    uprn, check_type, completed_at."""
    query = (
        select(col(Check.id), col(Check.uprn), col(Check.check_type), col(Check.completed_at))
        .where(col(Check.completed_at).is_not(None), col(Check.record_id).is_(None))
        .order_by(col(Check.id))
        .limit(limit)
    )
    if after is not None:
        query = query.where(col(Check.id) > after)
    return list((await session.execute(query)).all())


async def first_days_come(session: AsyncSession, today: date, limit: int) -> list[tuple[str, date]]:
    """Homes whose open smoke and CO alarm check is an earlier tenancy's (its first day,
    the day before its due date, before the home's newest tenancy's start) and whose
    newest tenancy has begun by `today`: the UPRN and that tenancy's first day, for the
    sweep to withdraw the earlier check and open the newer's (ADR 0175). Locked (SKIP
    LOCKED) so another replica's sweep takes other homes."""
    query = (
        core_select(col(Check.uprn), col(Home.tenancy_start_date))
        .join(Home, col(Home.uprn) == col(Check.uprn))
        .where(
            col(Check.check_type) == CheckType.SMOKE_CO_ALARMS,
            col(Check.completed_at).is_(None),
            col(Home.tenancy_start_date) <= today,
            # day_of_check(due_by) < start (day_of_check is the due date itself)
            col(Check.due_by) < col(Home.tenancy_start_date),
        )
        .order_by(col(Check.uprn))
        .limit(limit)
        .with_for_update(of=_check, skip_locked=True)
    )
    return [(row[0], row[1]) for row in (await session.execute(query)).all()]


def overdue_on_sql(day: date) -> ColumnElement[bool]:
    """The check is overdue on `day`: its due date has passed (rules.overdue_on, the
    one reading of a due date: the last day in time, a certificate in date through its
    expiry date; ADR 0221). Every sweep, list and figure reads a due date through this
    or its negation, in_date_on_sql."""
    return col(Check.due_by) < day


def in_date_on_sql(day: date) -> ColumnElement[bool]:
    """The check is not overdue on `day` (its due date is that day or later)."""
    return col(Check.due_by) >= day


async def due_to_raise(session: AsyncSession, today: date, limit: int) -> list[Check]:
    """Open checks whose lead time has come and whose check-due is not yet raised,
    locked so another replica's sweep skips them."""
    query = (
        select(Check)
        .where(
            col(Check.completed_at).is_(None),
            col(Check.due_raised_at).is_(None),
            col(Check.due_from) <= today,
        )
        .order_by(col(Check.due_from))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(query)).scalars().all())


async def expired_to_raise(session: AsyncSession, today: date, limit: int) -> list[Check]:
    """Open checks overdue `today` (their due date passed: a certificate lapses at the
    end of its expiry date) whose certificate-expired is not yet raised."""
    query = (
        select(Check)
        .where(
            col(Check.completed_at).is_(None),
            col(Check.expired_raised_at).is_(None),
            overdue_on_sql(today),
        )
        .order_by(col(Check.due_by))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(query)).scalars().all())


async def escalations_to_raise(session: AsyncSession, today: date, limit: int) -> list[Check]:
    query = (
        select(Check)
        .where(
            col(Check.completed_at).is_(None),
            col(Check.escalated_at).is_(None),
            col(Check.escalate_on) <= today,
        )
        .order_by(col(Check.escalate_on))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(query)).scalars().all())


async def ladder_steps_due(session: AsyncSession, today: date, limit: int) -> list[Check]:
    query = (
        select(Check)
        .where(
            col(Check.completed_at).is_(None),
            col(Check.ladder_next_step_on).is_not(None),
            col(Check.ladder_next_step_on) <= today,
        )
        .order_by(col(Check.ladder_next_step_on))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(query)).scalars().all())


async def stamp(session: AsyncSession, check_ids: Sequence[uuid.UUID], **values: Any) -> None:
    """Set marker columns on the checks handled by a sweep batch."""
    if check_ids:
        await session.execute(update(Check).where(col(Check.id).in_(check_ids)).values(**values))


def status_filter(status: str, today: date) -> Any:
    """The SQL of a listing status: due (inside the lead time, not yet past its date),
    overdue (past its date), expired (past its date with a certificate that lapsed)."""
    open_ = col(Check.completed_at).is_(None)
    if status == "due":
        return and_(open_, col(Check.due_from) <= today, in_date_on_sql(today))
    if status == "overdue":
        return and_(open_, overdue_on_sql(today))
    return and_(open_, overdue_on_sql(today), col(Check.certificate_expires_on).is_not(None))


async def page(
    session: AsyncSession,
    *,
    today: date,
    status: str | None,
    check_type: CheckType | None,
    after: tuple[date, uuid.UUID] | None,
    limit: int,
    contractor_id: str | None = None,
) -> list[Check]:
    """Checks by the date they must be done by; with `contractor_id`, only the checks
    assigned to that contractor."""
    query = select(Check).order_by(col(Check.due_by), col(Check.id)).limit(limit)
    if contractor_id is not None:
        query = query.where(Check.contractor_id == contractor_id)
    if status is not None:
        query = query.where(status_filter(status, today))
    else:
        query = query.where(col(Check.completed_at).is_(None))
    if check_type is not None:
        query = query.where(Check.check_type == check_type)
    if after is not None:
        # A row comparison, which the index seeks to (an OR of the columns is a filter
        # over every open check before the cursor).
        due_by, check_id = after
        position = (_check.c.due_by, _check.c.id)
        query = query.where(
            tuple_(*position)
            > tuple_(literal(due_by, position[0].type), literal(check_id, position[1].type))
        )
    return list((await session.execute(query)).scalars().all())


async def count_open(session: AsyncSession, today: date) -> tuple[int, int]:
    """(certificates expired, checks overdue) among open checks today: the gauges."""
    query = select(
        func.count().filter(col(Check.certificate_expires_on).is_not(None)),
        func.count(),
    ).where(col(Check.completed_at).is_(None), overdue_on_sql(today))
    expired, overdue = (await session.execute(query)).one()
    return int(expired or 0), int(overdue or 0)


def add_attempt(session: AsyncSession, attempt: AccessAttempt) -> None:
    session.add(attempt)


async def get_attempt(session: AsyncSession, attempt_id: uuid.UUID) -> AccessAttempt | None:
    return await session.get(AccessAttempt, attempt_id)


async def attempts_for(session: AsyncSession, check_id: uuid.UUID) -> list[AccessAttempt]:
    query = (
        select(AccessAttempt)
        .where(AccessAttempt.check_id == check_id)
        .order_by(col(AccessAttempt.attempt_number))
    )
    return list((await session.execute(query)).scalars().all())


async def attempts_page(
    session: AsyncSession,
    check_id: uuid.UUID,
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[AccessAttempt]:
    """A check's attempts, oldest first (when each was made, then its id): the check's
    index finds them (a check has a handful), the cursor a row comparison."""
    query = (
        select(AccessAttempt)
        .where(AccessAttempt.check_id == check_id)
        .order_by(col(AccessAttempt.attempted_at), col(AccessAttempt.id))
        .limit(limit)
    )
    if after is not None:
        position = (_attempt.c.attempted_at, _attempt.c.id)
        query = query.where(
            tuple_(*position)
            > tuple_(literal(after[0], position[0].type), literal(after[1], position[1].type))
        )
    return list((await session.execute(query)).scalars().all())


async def mark_no_access_history(session: AsyncSession, uprn: str, day: date) -> Home | None:
    """Note a failure to give access on `day` (the latest kept: a backdated one noted
    later leaves a later day as it was); the home as it now stands."""
    await session.execute(
        update(Home)
        .where(col(Home.uprn) == uprn)
        .values(
            no_access_history=True,
            no_access_noted_on=case(
                (
                    or_(
                        col(Home.no_access_noted_on).is_(None),
                        col(Home.no_access_noted_on) < day,
                    ),
                    day,
                ),
                else_=col(Home.no_access_noted_on),
            ),
        )
        .execution_options(synchronize_session=False)
    )
    home = await session.get(Home, uprn)
    if home is not None:
        await session.refresh(home)
    return home


def _held_on(as_of: date) -> ColumnElement[bool]:
    """The check that was the open cycle of its home's (or block's) check at the end of
    `as_of`, by when the programme recorded it: opened by then, and not closed (by a
    record, or withdrawn) until after it. One per home and check type on any day, so a
    past day's figures do not move when a later record arrives."""
    day_after = start_of_london_day(as_of + timedelta(days=1))
    return and_(
        col(Check.created_at) < day_after,
        or_(col(Check.completed_at).is_(None), col(Check.completed_at) >= day_after),
    )


def _done_by(as_of: date) -> ColumnElement[bool]:
    """The check was done on or before `as_of` (its record's check date), even if the
    record arrived later: the home then held a new certificate on that day."""
    return and_(col(Check.completed_on).is_not(None), col(Check.completed_on) <= as_of)


def _outstanding_on(as_of: date) -> ColumnElement[bool]:
    """The check held on `as_of` (see _held_on) and not yet done by then."""
    return and_(_held_on(as_of), not_(_done_by(as_of)))


async def in_date_share(
    session: AsyncSession, as_of: date, check_type: CheckType, subject: Subject
) -> tuple[int, int]:
    """(checks of a type in date at the end of `as_of`, checks of that type held then):
    the cycle open that day (see _held_on) is in date when it was done by then or its
    due date was still ahead."""
    query = select(
        func.count().filter(or_(_done_by(as_of), in_date_on_sql(as_of))),
        func.count(),
    ).where(_held_on(as_of), Check.check_type == check_type, Check.subject == subject)
    in_date, total = (await session.execute(query)).one()
    return int(in_date or 0), int(total or 0)


def _gas_checks_required(as_of: date) -> Subquery:
    """Each gas check a home needed at the end of `as_of` (home, in_date 1 or 0, due_by):
    its own when it held one that day, and its block's when the block held one (a
    communal boiler in the gas programme) and the home was let to tenants and registered
    by then (as homes_in_date_share; ADR 0088). In date as in_date_share."""
    day_after = start_of_london_day(as_of + timedelta(days=1))
    in_date = case((or_(_done_by(as_of), in_date_on_sql(as_of)), 1), else_=0)
    own = core_select(
        col(Check.uprn).label("home"), in_date.label("in_date"), col(Check.due_by).label("due_by")
    ).where(
        _held_on(as_of),
        col(Check.check_type) == CheckType.GAS_SAFETY,
        col(Check.subject) == Subject.HOME,
    )
    communal = (
        core_select(
            col(Home.uprn).label("home"),
            in_date.label("in_date"),
            col(Check.due_by).label("due_by"),
        )
        .select_from(Check)
        .join(Home, col(Home.block_id) == col(Check.uprn))
        .where(
            _held_on(as_of),
            col(Check.check_type) == CheckType.GAS_SAFETY,
            col(Check.subject) == Subject.BLOCK,
            col(Home.registered_at) < day_after,
            col(Home.tenure).not_in(LEASED),
        )
    )
    return union_all(own, communal).subquery()


def _gas_homes_missing_from_programme(as_of: date) -> Select[Any]:
    """Each home the register shows needing its own gas check (needs_gas_check_by_register,
    the cross-check's condition), registered by the end of `as_of`, for which the
    programme held no gas check that day (home, in_date 0, due_by null): its required
    check was not carried out, though no cycle of the programme says so (ADR 0188). By
    the register today, which keeps no history of a home's supply or appliances, only
    when the home's register has not changed since `as_of` (`updated_at`): today's is
    then that day's. One changed since is read by the programme's word that day, which
    opens a gas check the moment the register needs one and closes it when it stops (a
    supply capped, a record with no next check): none held, none needed, whether it had
    held one before (capped then, uncapped since) or never (registered capped, a void
    let since). ADR 0223."""
    day_after = start_of_london_day(as_of + timedelta(days=1))
    held = (
        core_select(literal(1))
        .select_from(Check)
        .where(
            col(Check.uprn) == col(Home.uprn),
            col(Check.check_type) == CheckType.GAS_SAFETY,
            _held_on(as_of),
        )
    )
    register_changed_since = and_(
        col(Home.updated_at).is_not(None), col(Home.updated_at) >= day_after
    )
    return core_select(
        col(Home.uprn).label("home"),
        literal(0, Integer).label("in_date"),
        cast(null(), Date).label("due_by"),
    ).where(
        col(Home.registered_at) < day_after,
        needs_gas_check_by_register(),
        not_(exists(held)),
        not_(register_changed_since),
    )


def _gas_homes_of_blocks_missing_from_programme(as_of: date) -> Select[Any]:
    """Each home let to tenants and registered by the end of `as_of` in a block the
    register shows with a communal boiler (checks_for_block: a gas check, the
    cross-check's blocks), registered by then, for which the programme held no gas check
    that day (home, in_date 0, due_by null): the boiler's check the home needs was not
    carried out (ADR 0088, 0188), as _gas_homes_missing_from_programme counts a home's
    own. Read as that function reads a home's register: by today's only when the block's
    has not changed since `as_of` (`updated_at`); one changed since (a boiler fitted
    since) is read by the programme's word that day, none held, none needed (ADR 0223).
    A home's tenure and block are the ones it has now (ADR 0088)."""
    day_after = start_of_london_day(as_of + timedelta(days=1))
    held = (
        core_select(literal(1))
        .select_from(Check)
        .where(
            col(Check.uprn) == col(Block.uprn),
            col(Check.check_type) == CheckType.GAS_SAFETY,
            _held_on(as_of),
        )
    )
    block_changed_since = and_(
        col(Block.updated_at).is_not(None), col(Block.updated_at) >= day_after
    )
    return (
        core_select(
            col(Home.uprn).label("home"),
            literal(0, Integer).label("in_date"),
            cast(null(), Date).label("due_by"),
        )
        .select_from(Home)
        .join(Block, col(Block.uprn) == col(Home.block_id))
        .where(
            col(Block.communal_boiler),
            col(Block.registered_at) < day_after,
            col(Home.registered_at) < day_after,
            col(Home.tenure).not_in(LEASED),
            not_(exists(held)),
            not_(block_changed_since),
        )
    )


async def gas_homes_in_date_share(session: AsyncSession, as_of: date) -> tuple[int, int]:
    """BS01: (homes whose every required gas check was in date at the end of `as_of`,
    homes needing a gas check then). A home needing its own and its block's counts once,
    in date only when both are (ADR 0088; _gas_checks_required). A home the register
    shows needing its own check that the programme did not hold one for that day counts
    too, not in date (ADR 0188), and so does a home let to tenants in a block with a
    communal boiler the programme held no check for (ADR 0223): leaving them out counted
    only the homes the programme knew of, so a home or boiler missing from it made BS01
    higher, not lower."""
    checks = _gas_checks_required(as_of)
    required = union_all(
        core_select(checks.c.home, checks.c.in_date, checks.c.due_by),
        _gas_homes_missing_from_programme(as_of),
        _gas_homes_of_blocks_missing_from_programme(as_of),
    ).subquery()
    homes = (
        core_select(func.min(required.c.in_date).label("all_in_date"))
        .group_by(required.c.home)
        .subquery()
    )
    query = core_select(func.coalesce(func.sum(homes.c.all_in_date), 0), func.count()).select_from(
        homes
    )
    in_date_homes, total = (await session.execute(query)).one()
    return int(in_date_homes or 0), int(total or 0)


async def gas_overdue_homes_in_bands(
    session: AsyncSession, as_of: date, bands: Sequence[tuple[int, int | None]]
) -> list[int]:
    """How many homes had a required gas check overdue at the end of `as_of` (BS01's
    homes not in date, less those missing from the programme: no due date says for how
    long, and the cross-check lists them; ADR 0188), by how long (each band of days:
    low, high inclusive, high None for no limit), counted by the home's longest overdue
    check: a home once, however many of its gas checks (its own, its block's) are
    late."""
    required = _gas_checks_required(as_of)
    overdue = (
        core_select(func.min(required.c.due_by).label("oldest"))
        .where(required.c.in_date == 0)
        .group_by(required.c.home)
        .subquery()
    )
    counts = []
    for low, high in bands:
        conditions = [overdue.c.oldest <= as_of - timedelta(days=low)]
        if high is not None:
            conditions.append(overdue.c.oldest >= as_of - timedelta(days=high))
        counts.append(func.count().filter(and_(*conditions)))
    row = (await session.execute(core_select(*counts).select_from(overdue))).one()
    return [int(n or 0) for n in row]


async def homes_in_date_share(
    session: AsyncSession, as_of: date, check_type: CheckType
) -> tuple[int, int]:
    """(homes whose block's check of a type was in date at the end of `as_of`, homes in
    blocks holding that check then): BS02 to BS05 are shares of homes, as BS01 is, so
    each block's check (in date as in_date_share) counts once for each home let to
    tenants in it that was registered by then. Leasehold and shared ownership flats
    (LEASED) are not the landlord's homes in the regulator's measures, as in BS01 and
    CH01; a block with none counts in neither figure (its checks stay in the programme
    and in the overdue counts). A home's tenure and block are the ones it has now."""
    day_after = start_of_london_day(as_of + timedelta(days=1))
    homes = (
        select(col(Home.block_id).label("block"), func.count().label("homes"))
        .where(
            col(Home.block_id).is_not(None),
            col(Home.registered_at) < day_after,
            col(Home.tenure).not_in(LEASED),
        )
        .group_by(col(Home.block_id))
        .subquery()
    )
    in_date = or_(_done_by(as_of), in_date_on_sql(as_of))
    query = (
        select(
            func.coalesce(func.sum(homes.c.homes).filter(in_date), 0),
            func.coalesce(func.sum(homes.c.homes), 0),
        )
        .select_from(Check)
        .join(homes, homes.c.block == col(Check.uprn))
        .where(_held_on(as_of), Check.check_type == check_type, Check.subject == Subject.BLOCK)
    )
    in_date_homes, total = (await session.execute(query)).one()
    return int(in_date_homes or 0), int(total or 0)


async def overdue_in_bands(
    session: AsyncSession, as_of: date, bands: Sequence[tuple[int, int | None]]
) -> list[int]:
    """How many checks were overdue at the end of `as_of` by each band of days (low,
    high inclusive; high None for no limit): held that day, not done by then, and past
    their due date (overdue_on_sql; days overdue as rules.days_overdue, 1 the day after
    the due date)."""
    counts = []
    for low, high in bands:
        conditions = [overdue_on_sql(as_of), col(Check.due_by) <= as_of - timedelta(days=low)]
        if high is not None:
            conditions.append(col(Check.due_by) >= as_of - timedelta(days=high))
        counts.append(func.count().filter(and_(*conditions)))
    query = select(*counts).where(_outstanding_on(as_of))
    return [int(n or 0) for n in (await session.execute(query)).one()]


async def due_within(session: AsyncSession, as_of: date, days: Sequence[int]) -> list[int]:
    """Checks outstanding at the end of `as_of` whose certificate lapses in the N days
    after it, for each N: in date on `as_of` (in_date_on_sql) and overdue by the Nth day
    after it (its expiry date `as_of` to N - 1 days on; ADR 0221)."""
    query = select(
        *(
            func.count().filter(
                and_(in_date_on_sql(as_of), overdue_on_sql(as_of + timedelta(days=n)))
            )
            for n in days
        )
    ).where(_outstanding_on(as_of), col(Check.certificate_expires_on).is_not(None))
    return [int(n or 0) for n in (await session.execute(query)).one()]


ACCESS_CHECKS = (CheckType.GAS_SAFETY, CheckType.ELECTRICAL)
"""The checks the first-time access rate counts: those of a home made by appointment in
it. Not a block's communal checks (fire risk, asbestos, water, lifts, a communal boiler
or the communal electrics: no household's door to get through, so always "first time"),
nor a home's smoke and CO alarm check (done on a tenancy's first day, at the handover,
or by the gas visit's own record: that visit is counted once, as the gas check). Only
the programme's checks, held open before their record: not the cycle a gas record of a
home outside the annual programme (a capped supply checked before it is uncapped, a
leaseholder's own gas) or missing from it opens and closes in the same instant to hold
it, with no attempt recorded, which was always "first time". Such a cycle with an attempt
made before its record and recorded late (ADR 0160: a visit that found no way in) counts
as any check: it was not first time."""


async def first_time_access(session: AsyncSession, first: date, last: date) -> tuple[int, int]:
    """(checks of homes by appointment, ACCESS_CHECKS, done in the period with no failed
    attempt first, those done in it). Checks the programme held open (closed after they
    were opened), or a cycle opened only to hold a record with an attempt recorded
    against it (see ACCESS_CHECKS)."""
    query = select(
        func.count().filter(col(Check.no_access_attempts) == 0),
        func.count(),
    ).where(
        col(Check.record_id).is_not(None),
        or_(col(Check.completed_at) > col(Check.created_at), col(Check.access_attempts) > 0),
        col(Check.completed_on) >= first,
        col(Check.completed_on) <= last,
        col(Check.subject) == Subject.HOME,
        col(Check.check_type).in_(ACCESS_CHECKS),
    )
    first_time, done = (await session.execute(query)).one()
    return int(first_time or 0), int(done or 0)


async def not_household_by_contractor(
    session: AsyncSession, first: date, last: date
) -> list[tuple[str, int, int]]:
    """For each contractor that recorded a failed access attempt made in the period (by
    London day of `attempted_at`): (its id, those it classed no_access_not_household,
    all its failed ones). Its own tokens' attempts only (`contractor_id`, migration
    0031): staff's and visits' are not a contractor's word (ADR 0222)."""
    not_household = col(AccessAttempt.outcome) == AccessOutcome.NO_ACCESS_NOT_HOUSEHOLD
    failed = [*HELD_AGAINST_THE_HOUSEHOLD, AccessOutcome.NO_ACCESS_NOT_HOUSEHOLD]
    contractor = col(AccessAttempt.contractor_id)
    query = (
        select(contractor, func.count().filter(not_household), func.count())
        .where(
            contractor.is_not(None),
            col(AccessAttempt.outcome).in_(failed),
            col(AccessAttempt.attempted_at) >= start_of_london_day(first),
            col(AccessAttempt.attempted_at) < start_of_london_day(last + timedelta(days=1)),
        )
        .group_by(contractor)
        .order_by(contractor)
    )
    rows = (await session.execute(query)).tuples().all()
    return [(str(who), int(classed or 0), int(failures or 0)) for who, classed, failures in rows]


def add_certificate(session: AsyncSession, record: CertificateRecord) -> None:
    session.add(record)


async def get_certificate(session: AsyncSession, record_id: uuid.UUID) -> CertificateRecord | None:
    return await session.get(CertificateRecord, record_id)


def _certificate_not_corrected() -> ColumnElement[bool]:
    """The certificate is named by no correction (`corrects_id`, ADR 0158): one that is
    was replaced on its cycle and is not the latest, even when the correction is dated
    before it (ADR 0174). Served by ix_certificate_record_corrects."""
    correction = aliased(CertificateRecord)
    return ~exists().where(col(correction.corrects_id) == col(CertificateRecord.id))


async def latest_certificate(
    session: AsyncSession, uprn: str, check_type: CheckType
) -> CertificateRecord | None:
    """The latest certificate of this type the home or block holds (of the latest day,
    the one recorded last, a certificate a correction replaced aside, ADR 0174; None
    when it holds none): the cycle it completed is the one a certificate done the same
    day corrects (ADR 0139)."""
    query = (
        select(CertificateRecord)
        .where(
            col(CertificateRecord.uprn) == uprn,
            CertificateRecord.check_type == check_type,
            _certificate_not_corrected(),
        )
        .order_by(col(CertificateRecord.done_on).desc(), col(CertificateRecord.recorded_at).desc())
        .limit(1)
    )
    return (await session.execute(query)).scalars().first()


async def current_certificate(
    session: AsyncSession, uprn: str, check_type: CheckType, on: date
) -> CertificateRecord | None:
    """The home's latest certificate of this type done by `on` (of a same-day re-test,
    the one recorded last), when it is in date on `on` (through its expiry date,
    rules.in_date_on): the current EICR a new tenancy is given (as
    gas_safety_records.repository.current_for)."""
    query = (
        select(CertificateRecord)
        .where(
            col(CertificateRecord.uprn) == uprn,
            CertificateRecord.check_type == check_type,
            col(CertificateRecord.done_on) <= on,
            _certificate_not_corrected(),
        )
        .order_by(col(CertificateRecord.done_on).desc(), col(CertificateRecord.recorded_at).desc())
        .limit(1)
    )
    record = (await session.execute(query)).scalars().first()
    if record is None or record.expires_on is None or not in_date_on(on, record.expires_on):
        return None
    return record


async def certificate_held(
    session: AsyncSession, uprn: str, check_type: CheckType, certificate_reference: str
) -> bool:
    """Whether the home or block already holds a certificate of this type with this
    reference."""
    query = (
        select(CertificateRecord.id)
        .where(
            col(CertificateRecord.uprn) == uprn,
            CertificateRecord.check_type == check_type,
            col(CertificateRecord.certificate_reference) == certificate_reference,
        )
        .limit(1)
    )
    return (await session.execute(query)).first() is not None
