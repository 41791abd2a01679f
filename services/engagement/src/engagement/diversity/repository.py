"""All SQL about diversity profiles."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import String, cast, func
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from engagement.diversity.rules import NOT_STATED, Strand
from engagement.models import DiversityProfile, Resident


async def save(
    session: AsyncSession, resident_id: uuid.UUID, answers: dict[str, str | None], at: datetime
) -> None:
    """Keep the resident's profile (replacing any earlier one)."""
    values = {"resident_id": resident_id, **answers, "recorded_at": at}
    insert = pg_insert if session.bind.dialect.name == "postgresql" else sqlite_insert
    statement = insert(DiversityProfile).values(values)
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=["resident_id"],
            set_={k: statement.excluded[k] for k in values if k != "resident_id"},
        )
    )


async def delete(session: AsyncSession, resident_id: uuid.UUID) -> None:
    profile = await session.get(DiversityProfile, resident_id)
    if profile is not None:
        await session.delete(profile)


async def counts(session: AsyncSession, strand: Strand) -> dict[str, int]:
    """Residents per answer in one strand (no answer counts as not_stated)."""
    if strand == Strand.AGE_BAND:
        # As text: the enum type would refuse to read NOT_STATED back (a 500 before).
        column = func.coalesce(cast(Resident.age_band, String), NOT_STATED)
        query = select(column, func.count()).select_from(Resident).group_by(column)
    else:
        column = func.coalesce(getattr(DiversityProfile, strand.value), NOT_STATED)
        query = select(column, func.count()).select_from(DiversityProfile).group_by(column)
    return {str(value): int(count) for value, count in (await session.execute(query)).all()}


async def strand_of(
    session: AsyncSession, strand: Strand, resident_ids: list[uuid.UUID]
) -> dict[uuid.UUID, str]:
    """Each resident's answer in one strand (not_stated for no answer or no profile)."""
    found: dict[uuid.UUID, str] = dict.fromkeys(resident_ids, NOT_STATED)
    if not resident_ids:
        return found
    if strand == Strand.AGE_BAND:
        rows = await session.execute(
            select(Resident.id, Resident.age_band).where(col(Resident.id).in_(resident_ids))
        )
    else:
        rows = await session.execute(
            select(DiversityProfile.resident_id, getattr(DiversityProfile, strand.value)).where(
                col(DiversityProfile.resident_id).in_(resident_ids)
            )
        )
    for resident_id, value in rows.all():
        if value is not None:
            found[resident_id] = str(value)
    return found
