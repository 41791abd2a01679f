"""Inbox retention: a handled event's inbox row is kept while the event can still be
delivered again, and no longer.

The inbox (`inbox_event`, hearth_kit.inbox) holds one row per event a consumer group
handled, so a redelivery has no second effect. An event can be delivered again only
while it is on its topic (deploy/k8s/topics.yaml keeps 30 days): a consumer group's
offsets lost or reset re-reads what the topics hold. A row older than that guards
nothing, and every consumer's inbox check and insert pays for the table's size. Every
service's scheduler runs `inbox_retention_job(settings)` (hearth_kit.app adds it), which
deletes the rows handled more than `inbox_retention_days` ago (60 by default), a batch
a transaction, oldest first. The rows hold no personal data (ids, types, offsets).

A dead letter is replayed once (a second replay is refused, hearth_kit.dead_letters), so
a replay never depends on its event's inbox row still being there.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import partial

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_kit.scheduler import ScheduledJob
from hearth_kit.settings import ServiceSettings
from hearth_kit.tables import inbox_event

PRUNE_BATCH = 5_000
"""Inbox rows deleted a transaction: small enough that the consumer's inserts (which
the deletes do not block: different rows) and the WAL see no burst."""


async def prune_handled(session: AsyncSession, now: datetime, *, keep: timedelta) -> int:
    """Delete up to PRUNE_BATCH inbox rows handled before `now - keep`, oldest first
    (found by ix_inbox_event_handled_at), and say how many."""
    past_retention = (
        select(inbox_event.c.event_id, inbox_event.c.consumer_group)
        .where(inbox_event.c.handled_at < now - keep)
        .order_by(inbox_event.c.handled_at)
        .limit(PRUNE_BATCH)
    )
    result = await session.execute(
        delete(inbox_event).where(
            tuple_(inbox_event.c.event_id, inbox_event.c.consumer_group).in_(past_retention)
        )
    )
    return int(getattr(result, "rowcount", 0) or 0)


def inbox_retention_job(settings: ServiceSettings) -> ScheduledJob:
    """The service's inbox retention, hourly, batch by batch until none is past it."""
    return ScheduledJob(
        "inbox-retention",
        timedelta(hours=1),
        partial(prune_handled, keep=timedelta(days=settings.inbox_retention_days)),
    )
