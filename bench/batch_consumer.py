"""The kit's consumer with a batch handler, in its own process, as a service would run it
(`python -m bench.batch_consumer <database url> <bootstrap servers> <namespace>`).

Income's own handler takes one event at a time (`EventHandlers.on`). This one projects
the same property-registered events into the same `home` table with `on_batch`: one
versioned multi-row upsert per run of events, which is what the kit offers a projection
that must keep up with tens of thousands of events a second. Measured beside income's
handler, it separates what the kit's consumer can do from what a handler costs.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Sequence
from typing import Any

from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from sqlalchemy import or_
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import PropertyRegistered
from hearth_kit.consumer import EventConsumer
from hearth_kit.db import Database
from hearth_kit.event_handlers import EventHandlers
from hearth_kit.logs import setup_logging
from hearth_kit.settings import ServiceSettings
from hearth_kit.tracing import setup_tracing
from income.models import Home

handlers = EventHandlers()
HOME = Home.metadata.tables["home"]


class BatchIncomeSettings(ServiceSettings):
    service_name = "income"

    @property
    def consumer_group(self) -> str:
        """A group of its own, so that it reads every event income's group has read."""
        return f"{self.kafka_namespace}.income-batch"


@handlers.on_batch(PropertyRegistered)
async def save_homes(
    session: AsyncSession, envelopes: Sequence[Envelope[PropertyRegistered]]
) -> None:
    """One upsert for the run; the newest event of each home wins, and an older event
    never overwrites a newer one already stored."""
    newest: dict[str, dict[str, Any]] = {}
    for envelope in envelopes:
        home = envelope.data
        row = {
            "uprn": home.uprn,
            "postcode": home.postcode,
            "address_line_1": home.address_line_1,
            "as_of": home.registered_at,
        }
        kept = newest.get(home.uprn)
        if kept is None or kept["as_of"] <= row["as_of"]:
            newest[home.uprn] = row
    table = HOME
    statement = insert(table).values(list(newest.values()))
    await session.execute(
        statement.on_conflict_do_update(
            index_elements=[table.c.uprn],
            set_={
                name: statement.excluded[name] for name in ("postcode", "address_line_1", "as_of")
            },
            where=or_(table.c.as_of.is_(None), table.c.as_of <= statement.excluded.as_of),
        )
    )


async def main(database_url: str, servers: str, namespace: str) -> None:
    settings = BatchIncomeSettings(
        database_url=database_url, kafka_bootstrap_servers=servers, kafka_namespace=namespace
    )
    setup_logging(settings.log_level, settings.log_format)
    setup_tracing("hearth-bench-batch-consumer", settings.otel_exporter)
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
