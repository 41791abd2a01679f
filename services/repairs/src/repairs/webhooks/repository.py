"""All SQL about webhook deliveries."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col, select

from repairs.models import WebhookDelivery

SCHEDULE_REPAIR = "schedule-repair"
"""The one message about several work orders (its appointment's)."""


async def due(session: AsyncSession, now: datetime, limit: int) -> list[WebhookDelivery]:
    """Undelivered messages whose next attempt is due, locked for this replica (rows
    another replica holds are skipped, so each attempt is made by one of them).

    A message waits while an older one about any of its work orders to the same
    contractor is undelivered (waiting for its back-off, or being pushed by another
    replica), so a contractor takes a work order's messages in the order they were
    queued: never its appointment before the work order, nor a cancellation before the
    booking it cancels. A schedule-repair is about every work order of its appointment
    (`work_order_ids`), not only the first, under which it is queued: an appointment
    holding two work orders waits for both raise-repairs (ADR 0185). The older ones
    are read unlocked, so one another replica is pushing still holds this back until
    that replica commits."""
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
    # Unlocked: the ones held back by an appointment's other work orders are told apart
    # below, and only those sent are locked (locking every candidate would hold them
    # from the other replicas for the whole push). Read whole: what tells them apart
    # (the contractor, the work orders, when queued) never changes once queued, so a
    # held one costs its one look a round, never a lock as well.
    query = (
        select(WebhookDelivery)
        .where(
            col(WebhookDelivery.delivered_at).is_(None),
            WebhookDelivery.next_attempt_at <= now,
            ~waiting_behind,
        )
        .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
        .limit(CANDIDATES)
    )
    chosen: list[WebhookDelivery] = []
    # Page on past candidates held back: those are never tried, so they stay due first,
    # and a page of them alone would send nothing, for every contractor, for good
    # (the message they wait for due after them too).
    page = list((await session.execute(query)).scalars().all())
    while page:
        chosen += await _sendable(session, now, page, limit - len(chosen))
        if len(chosen) >= limit or len(page) < CANDIDATES:
            break
        last_id, last_due = page[-1].id, page[-1].next_attempt_at
        page = list(
            (
                await session.execute(
                    query.where(
                        or_(
                            WebhookDelivery.next_attempt_at > last_due,
                            and_(
                                WebhookDelivery.next_attempt_at == last_due,
                                col(WebhookDelivery.id) > last_id,
                            ),
                        )
                    )
                )
            )
            .scalars()
            .all()
        )
    return chosen


async def _sendable(
    session: AsyncSession, now: datetime, candidates: list[WebhookDelivery], limit: int
) -> list[WebhookDelivery]:
    """Up to `limit` of the candidates, locked, that no older message holds back: looked
    at before locking, so a held one costs one statement a round (it was locked first,
    two). An older message never appears later (queued after, it is newer), so one not
    held back when looked at is not held back when locked."""
    chosen: list[WebhookDelivery] = []
    for candidate in candidates:
        if await _behind_an_older_one(session, candidate):
            continue
        locked = (
            (
                await session.execute(
                    select(WebhookDelivery)
                    .where(
                        WebhookDelivery.id == candidate.id,
                        col(WebhookDelivery.delivered_at).is_(None),
                        WebhookDelivery.next_attempt_at <= now,
                    )
                    .with_for_update(skip_locked=True)
                    .execution_options(populate_existing=True)
                )
            )
            .scalars()
            .first()
        )
        if locked is None:
            continue  # another replica is pushing it, or it went meanwhile
        chosen.append(locked)
        if len(chosen) >= limit:
            break
    return chosen


CANDIDATES = 100
"""Due messages read at once while looking for one to send: beyond those the query's
own check lets through, a message may wait for another of its work orders (read on
past them, page by page)."""


def work_orders_of(delivery: WebhookDelivery) -> set[uuid.UUID]:
    """The work orders a message is about: the one it is queued under and, for a
    schedule-repair, every work order of its appointment."""
    about = {delivery.work_order_id}
    sent_for = json.loads(delivery.body).get("sent_for") or {}
    about.update(uuid.UUID(str(i)) for i in sent_for.get("work_order_ids") or [])
    return about


async def _behind_an_older_one(session: AsyncSession, delivery: WebhookDelivery) -> bool:
    """Whether an older undelivered message to the same contractor is about one of this
    one's work orders (queued under it, or a schedule-repair holding it)."""
    about = work_orders_of(delivery)
    older = (
        (
            await session.execute(
                select(WebhookDelivery).where(
                    col(WebhookDelivery.delivered_at).is_(None),
                    WebhookDelivery.contractor_id == delivery.contractor_id,
                    WebhookDelivery.created_at < delivery.created_at,
                    or_(
                        col(WebhookDelivery.work_order_id).in_(about),
                        # a schedule-repair naming one of them (checked below); read in
                        # the database, not every waiting message's body here
                        and_(
                            col(WebhookDelivery.event_type) == SCHEDULE_REPAIR,
                            or_(*(col(WebhookDelivery.body).contains(str(i)) for i in about)),
                        ),
                    ),
                )
            )
        )
        .scalars()
        .all()
    )
    return any(work_orders_of(other) & about for other in older if other.id != delivery.id)


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
