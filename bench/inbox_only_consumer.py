"""The kit's consumer with a handler that writes nothing, in its own process, set up as
a service sets it up (`python -m bench.inbox_only_consumer <database url> <bootstrap
servers> <namespace>`).

Every event still goes through everything the kit does for it: the fetch, the envelope
parse, the inbox check and insert, the CONSUMER span (for an event of a sampled trace),
the transaction and the offset commit. Only the projection write is missing, so beside
income's consumer it separates what the kit's machinery costs from what the handler
costs.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Sequence

from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import PropertyRegistered
from hearth_kit.consumer import EventConsumer
from hearth_kit.db import Database
from hearth_kit.event_handlers import EventHandlers
from hearth_kit.logs import setup_logging
from hearth_kit.settings import ServiceSettings
from hearth_kit.tracing import setup_tracing

handlers = EventHandlers()


class InboxOnlySettings(ServiceSettings):
    service_name = "income"

    @property
    def consumer_group(self) -> str:
        """A group of its own, so that it reads every event income's group has read."""
        return f"{self.kafka_namespace}.income-inbox-only"


@handlers.on_batch(PropertyRegistered)
async def write_nothing(
    session: AsyncSession, envelopes: Sequence[Envelope[PropertyRegistered]]
) -> None:
    """Accept the run; the inbox records it."""


async def main(database_url: str, servers: str, namespace: str) -> None:
    settings = InboxOnlySettings(
        database_url=database_url, kafka_bootstrap_servers=servers, kafka_namespace=namespace
    )
    setup_logging(settings.log_level, settings.log_format)
    setup_tracing("hearth-bench-inbox-only", settings.otel_exporter)
    db = Database(database_url)
    SQLAlchemyInstrumentor().instrument(engine=db.engine.sync_engine)
    consumer = EventConsumer(settings, db, handlers)
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGINT, stop.set)
    task = asyncio.create_task(consumer.run())
    await stop.wait()
    await consumer.stop()
    task.cancel()
    await db.dispose()


if __name__ == "__main__":
    import uvloop

    uvloop.run(main(*sys.argv[1:4]))
