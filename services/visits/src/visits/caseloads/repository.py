"""All SQL about caseload assignments."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import CursorResult, delete, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from hearth_contracts.events.visits import Caseload
from hearth_kit.projection import upsert_newer
from visits.models import CaseloadAssignment, CaseloadConcern, TenancyRecord


async def get(session: AsyncSession, tenancy_id: uuid.UUID) -> CaseloadAssignment | None:
    return await session.get(CaseloadAssignment, tenancy_id)


async def place(session: AsyncSession, tenancy_id: uuid.UUID, values: dict[str, Any]) -> None:
    """Hold the tenancy on a caseload unless a later placement is kept (version as_of)."""
    await upsert_newer(
        session, CaseloadAssignment, key={"tenancy_id": tenancy_id}, values=values, version="as_of"
    )


async def place_first(session: AsyncSession, tenancy_id: uuid.UUID, values: dict[str, Any]) -> None:
    """Hold a tenancy that started on its first caseload, unless a caseload holds it
    already. Whatever holds it is newer than the start, whatever its as_of says: a type
    decided from the first day (as_of that same day), a referral or a hand-back. So the
    start, delivered again or after them (a replayed dead letter), never puts the
    tenancy back where it began."""
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    await session.execute(
        insert(CaseloadAssignment)
        .values(tenancy_id=tenancy_id, **values)
        .on_conflict_do_nothing(index_elements=[col(CaseloadAssignment.tenancy_id)])
    )


async def community_officer_is(
    session: AsyncSession, uprns: Sequence[str], officer: str | None
) -> None:
    """The tenancies of these homes held on the community caseload are `officer`'s
    (one statement; the homes' tenancies found by ix_tenancy_uprn, their entries by
    key). Entries already theirs are left as they are."""
    tenancies = select(col(TenancyRecord.tenancy_id)).where(col(TenancyRecord.uprn).in_(uprns))
    await session.execute(
        update(CaseloadAssignment)
        .where(
            col(CaseloadAssignment.tenancy_id).in_(tenancies),
            col(CaseloadAssignment.caseload) == Caseload.COMMUNITY,
            col(CaseloadAssignment.officer).is_distinct_from(officer),
        )
        .values(officer=officer)
        .execution_options(synchronize_session=False)
    )


async def release(session: AsyncSession, tenancy_id: uuid.UUID) -> None:
    """The tenancy ended: no caseload holds it any more, nor its concerns."""
    await session.execute(
        delete(CaseloadAssignment).where(col(CaseloadAssignment.tenancy_id) == tenancy_id)
    )
    await session.execute(
        delete(CaseloadConcern).where(col(CaseloadConcern.tenancy_id) == tenancy_id)
    )


def add_concerns(session: AsyncSession, concerns: Sequence[CaseloadConcern]) -> None:
    session.add_all(concerns)


async def open_concerns(
    session: AsyncSession, tenancy_ids: Sequence[uuid.UUID]
) -> list[CaseloadConcern]:
    """The concerns still open on these tenancies' entries, oldest first."""
    if not tenancy_ids:
        return []
    query = (
        select(CaseloadConcern)
        .where(
            col(CaseloadConcern.tenancy_id).in_(tenancy_ids),
            col(CaseloadConcern.dealt_with_at).is_(None),
        )
        .order_by(col(CaseloadConcern.raised_at), col(CaseloadConcern.concern_id))
    )
    return list((await session.execute(query)).scalars().all())


async def deal_with_concerns(
    session: AsyncSession,
    *,
    tenancy_id: uuid.UUID,
    concern_ids: Sequence[uuid.UUID],
    at: datetime,
    visit_id: uuid.UUID,
) -> int:
    """Record the tenancy's open concerns among `concern_ids` dealt with; how many."""
    if not concern_ids:
        return 0
    result = cast(
        CursorResult[Any],
        await session.execute(
            update(CaseloadConcern)
            .where(
                col(CaseloadConcern.concern_id).in_(concern_ids),
                col(CaseloadConcern.tenancy_id) == tenancy_id,
                col(CaseloadConcern.dealt_with_at).is_(None),
            )
            .values(dealt_with_at=at, dealt_with_at_visit_id=visit_id)
            .execution_options(synchronize_session=False)
        ),
    )
    return result.rowcount


async def page(
    session: AsyncSession, *, officer: str, after: uuid.UUID | None, limit: int
) -> list[CaseloadAssignment]:
    query = (
        select(CaseloadAssignment)
        .where(col(CaseloadAssignment.officer) == officer)
        .order_by(col(CaseloadAssignment.tenancy_id))
        .limit(limit)
    )
    if after is not None:
        query = query.where(col(CaseloadAssignment.tenancy_id) > after)
    return list((await session.execute(query)).scalars().all())


async def reviews_overdue(
    session: AsyncSession, *, today: date, limit: int
) -> list[CaseloadAssignment]:
    """Sustainable tenancy referrals whose review date has passed and whose
    caseload-review-overdue is not yet raised, locked (FOR UPDATE SKIP LOCKED) so two
    replicas never raise the same one. Read in ix_caseload_assignment_review_due's
    order: those not raised yet, by caseload, review date and tenancy."""
    query = (
        select(CaseloadAssignment)
        .where(
            col(CaseloadAssignment.caseload) == Caseload.SUSTAINABLE_TENANCY,
            col(CaseloadAssignment.review_on) < today,
            col(CaseloadAssignment.review_overdue_raised_at).is_(None),
        )
        .order_by(col(CaseloadAssignment.review_on), col(CaseloadAssignment.tenancy_id))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(query)).scalars().all())
