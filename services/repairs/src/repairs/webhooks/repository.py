"""All SQL about webhook deliveries."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from repairs.models import WebhookDelivery


async def due(session: AsyncSession, now: datetime, limit: int) -> list[WebhookDelivery]:
    """Undelivered messages whose next attempt is due, locked for this replica (rows
    another replica holds are skipped, so each attempt is made by one of them)."""
    query = (
        select(WebhookDelivery)
        .where(col(WebhookDelivery.delivered_at).is_(None), WebhookDelivery.next_attempt_at <= now)
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
