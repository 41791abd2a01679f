"""All SQL about gas safety records and the defects found at them."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ColumnElement, exists, inspect, literal, or_, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from compliance.checks.rules import in_date_on
from compliance.models import GasSafetyRecord, MissingAlarm, SafetyDefect


def add(session: AsyncSession, record: GasSafetyRecord) -> None:
    session.add(record)


def add_defects(session: AsyncSession, defects: list[SafetyDefect]) -> None:
    session.add_all(defects)


async def get(session: AsyncSession, record_id: uuid.UUID) -> GasSafetyRecord | None:
    return await session.get(GasSafetyRecord, record_id)


def _not_corrected() -> ColumnElement[bool]:
    """The record is named by no correction (`corrects_id`, ADR 0158): one that is was
    replaced on its cycle, and is no longer the home's latest whatever the two days. A
    correction may be dated before it (ADR 0174: the day the CP12 was typed up corrected
    to the inspection's), so the latest by day alone would still be the record replaced.
    Served by ix_gas_safety_record_corrects."""
    correction = aliased(GasSafetyRecord)
    return ~exists().where(col(correction.corrects_id) == col(GasSafetyRecord.id))


async def current_for(session: AsyncSession, uprn: str, on: date) -> GasSafetyRecord | None:
    """The home's latest gas safety record, when it is in date on `on`: through its
    expiry date (rules.in_date_on); the next day the check is overdue (rules.status_on)
    and certificate-expired is raised (ADR 0221)."""
    query = (
        select(GasSafetyRecord)
        .where(
            col(GasSafetyRecord.uprn) == uprn,
            col(GasSafetyRecord.check_date) <= on,
            col(GasSafetyRecord.superseded).is_(False),
            _not_corrected(),
        )
        .order_by(col(GasSafetyRecord.check_date).desc(), col(GasSafetyRecord.recorded_at).desc())
        .limit(1)
    )
    record = (await session.execute(query)).scalars().first()
    return record if record is not None and in_date_on(on, record.expires_on) else None


async def reference_held(session: AsyncSession, uprn: str, certificate_reference: str) -> bool:
    """Whether the home already holds a gas safety record with this certificate
    reference."""
    query = (
        select(GasSafetyRecord.id)
        .where(
            col(GasSafetyRecord.uprn) == uprn,
            col(GasSafetyRecord.certificate_reference) == certificate_reference,
        )
        .limit(1)
    )
    return (await session.execute(query)).first() is not None


async def latest_for(session: AsyncSession, uprn: str) -> GasSafetyRecord | None:
    """The home's latest gas safety record by check date (the one that set its expiry),
    superseded ones and those a correction replaced aside (ADR 0174); None when it has
    none."""
    query = (
        select(GasSafetyRecord)
        .where(
            col(GasSafetyRecord.uprn) == uprn,
            col(GasSafetyRecord.superseded).is_(False),
            _not_corrected(),
        )
        .order_by(col(GasSafetyRecord.check_date).desc(), col(GasSafetyRecord.recorded_at).desc())
        .limit(1)
    )
    return (await session.execute(query)).scalars().first()


async def defects_of(session: AsyncSession, record_ids: list[uuid.UUID]) -> list[SafetyDefect]:
    if not record_ids:
        return []
    query = (
        select(SafetyDefect)
        .where(col(SafetyDefect.record_id).in_(record_ids))
        .order_by(col(SafetyDefect.found_at), col(SafetyDefect.id))
    )
    return list((await session.execute(query)).scalars().all())


async def page(
    session: AsyncSession,
    *,
    uprn: str | None,
    contractor_id: str | None,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
) -> list[GasSafetyRecord]:
    query = (
        select(GasSafetyRecord)
        .order_by(col(GasSafetyRecord.recorded_at).desc(), col(GasSafetyRecord.id).desc())
        .limit(limit)
    )
    if uprn is not None:
        query = query.where(GasSafetyRecord.uprn == uprn)
    if contractor_id is not None:
        query = query.where(GasSafetyRecord.contractor_id == contractor_id)
    if after is not None:
        # A row comparison, which the index seeks to (an OR of the columns is a filter,
        # or a bitmap of every record before the cursor, sorted for each page).
        recorded_at, record_id = after
        record = inspect(GasSafetyRecord).local_table
        position = (record.c.recorded_at, record.c.id)
        query = query.where(
            tuple_(*position)
            < tuple_(literal(recorded_at, position[0].type), literal(record_id, position[1].type))
        )
    return list((await session.execute(query)).scalars().all())


async def mark_remedied(
    session: AsyncSession, defect_id: uuid.UUID, repair_id: uuid.UUID, remedied_at: datetime
) -> bool:
    """The repair for a defect was completed; True the first time (a replay changes
    nothing). `defect_id` is the repair's safety defect: a defect's own id, or a
    register's missing alarm's, which remedies the gas records' findings of that alarm
    too (missing_alarm_id) and notes the alarm repaired (MissingAlarm.repaired_at; ADR
    0120). True when a defect was remedied."""
    result = await session.execute(
        update(SafetyDefect)
        .where(
            or_(
                col(SafetyDefect.id) == defect_id,
                col(SafetyDefect.missing_alarm_id) == defect_id,
            ),
            col(SafetyDefect.remedied_at).is_(None),
        )
        .values(repair_id=repair_id, remedied_at=remedied_at)
    )
    await session.execute(
        update(MissingAlarm)
        .where(col(MissingAlarm.id) == defect_id, col(MissingAlarm.repaired_at).is_(None))
        .values(repaired_at=remedied_at)
    )
    return bool(getattr(result, "rowcount", 0))
