"""Many events into the outbox in one statement: what `hearth_kit.outbox.publish` does
for one event, for a batch (an import's homes, a sweep's checks). The same rows, the
same transaction, one round trip instead of one per event."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope, Event, events_topic
from hearth_kit.tables import outbox_message
from hearth_kit.tracing import current_traceparent


async def publish_all(session: AsyncSession, events: Sequence[Event]) -> None:
    """Add many events to the outbox in one statement, in the session's transaction:
    what `hearth_kit.outbox.publish` does for one, for an import's batch of homes."""
    if not events:
        return
    traceparent, tracestate = current_traceparent()
    rows = []
    for event in events:
        envelope = Envelope(data=event, traceparent=traceparent, tracestate=tracestate)
        rows.append(
            {
                "event_id": envelope.id,
                "event_type": envelope.type,
                "topic": events_topic(event.service),
                "message_key": envelope.key,
                "headers": {k: v.decode() for k, v in envelope.headers()},
                "payload": envelope.value(),
                "created_at": envelope.time,
            }
        )
    await session.execute(insert(outbox_message), rows)
    session.sync_session.info["outbox_written"] = True
