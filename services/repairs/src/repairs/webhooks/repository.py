"""All SQL about webhook deliveries."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from repairs.models import WebhookDelivery


async def due(session: AsyncSession, now: datetime, limit: int) -> list[WebhookDelivery]:
    """Undelivered messages whose next attempt is due, locked for this replica (rows
    another replica holds are skipped, so each attempt is made by one of them).

    A message waits while an older one about the same work order to the same contractor
    is undelivered (waiting for its back-off, or being pushed by another replica), so a
    contractor takes a work order's messages in the order they were queued: never its
    appointment before the work order, nor a cancellation before the booking it
    cancels. The older one is read unlocked, so one another replica is pushing still
    holds this back until that replica commits."""
    older = aliased(WebhookDelivery)
    waiting_behind = (
        select(older.id)
        .where(
            col(older.delivered_at).is_(None),
            older.contractor_id == WebhookDelivery.contractor_id,
            older.work_order_id == WebhookDelivery.work_order_id,
            older.created_at < WebhookDelivery.created_at,
        )
        .exists()
    )
    query = (
        select(WebhookDelivery)
        .where(
            col(WebhookDelivery.delivered_at).is_(None),
            WebhookDelivery.next_attempt_at <= now,
            ~waiting_behind,
        )
        .order_by(col(WebhookDelivery.next_attempt_at))
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list((await session.execute(query)).scalars().all())


async def for_event(session: AsyncSession, event_id: object) -> WebhookDelivery | None:
    query = select(WebhookDelivery).where(WebhookDelivery.event_id == event_id)
    return (await session.execute(query)).scalars().first()


def add(session: AsyncSession, delivery: WebhookDelivery) -> None:
    session.add(delivery)


@dataclass(frozen=True)
class ContractorBacklog:
    """One contractor's messages not yet taken: how many, and when the oldest was queued
    (it holds back the later messages about its work order)."""

    contractor_id: str
    undelivered: int
    oldest_queued_at: datetime


async def backlog(session: AsyncSession) -> list[ContractorBacklog]:
    """Every contractor with undelivered messages (served by ix_webhook_delivery_due)."""
    query = (
        select(
            WebhookDelivery.contractor_id,
            func.count(),
            func.min(WebhookDelivery.created_at),
        )
        .where(col(WebhookDelivery.delivered_at).is_(None))
        .group_by(col(WebhookDelivery.contractor_id))
        .order_by(col(WebhookDelivery.contractor_id))
    )
    rows = (await session.execute(query)).all()
    return [ContractorBacklog(contractor, count, oldest) for contractor, count, oldest in rows]


async def undelivered(
    session: AsyncSession, contractor_id: str | None, limit: int
) -> list[WebhookDelivery]:
    """Undelivered messages, oldest first (a contractor's only, when named)."""
    query = select(WebhookDelivery).where(col(WebhookDelivery.delivered_at).is_(None))
    if contractor_id is not None:
        query = query.where(WebhookDelivery.contractor_id == contractor_id)
    query = query.order_by(col(WebhookDelivery.created_at), col(WebhookDelivery.id)).limit(limit)
    return list((await session.execute(query)).scalars().all())


async def make_due(
    session: AsyncSession, now: datetime, *, ids: list[uuid.UUID] | None, contractor_id: str | None
) -> int:
    """Bring undelivered messages' next attempt forward to `now` (those named by id, or a
    contractor's); the job's next round sends them, in their order as ever. Returns how
    many were brought forward."""
    statement = (
        update(WebhookDelivery)
        .where(
            col(WebhookDelivery.delivered_at).is_(None),
            col(WebhookDelivery.next_attempt_at) > now,
        )
        .values(next_attempt_at=now)
    )
    if ids is not None:
        statement = statement.where(col(WebhookDelivery.id).in_(ids))
    if contractor_id is not None:
        statement = statement.where(col(WebhookDelivery.contractor_id) == contractor_id)
    result = await session.execute(statement)
    return int(getattr(result, "rowcount", 0) or 0)
