"""All SQL about webhook deliveries."""

from __future__ import annotations

from datetime import datetime

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
