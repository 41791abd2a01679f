"""Many events into the outbox in one statement: what `hearth_kit.outbox.publish` does
for one event, for a batch (an import's homes, a sweep's checks). The same rows, the
same transaction, one round trip instead of one per event."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope, Event
from hearth_kit.outbox import outbox_row
from hearth_kit.tables import outbox_message
from hearth_kit.tracing import current_traceparent


async def publish_all(session: AsyncSession, events: Sequence[Event]) -> None:
    """Add many events to the outbox in one statement, in the session's transaction:
    what `hearth_kit.outbox.publish` does for one, for an import's batch of homes."""
    if not events:
        return
    traceparent, tracestate = current_traceparent()
    rows = [
        outbox_row(Envelope(data=event, traceparent=traceparent, tracestate=tracestate))
        for event in events
    ]
    await session.execute(insert(outbox_message), rows)
    session.sync_session.info["outbox_written"] = True
