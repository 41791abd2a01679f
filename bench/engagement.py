"""Engagement's scheduled jobs at stock size: the complaint-deadline sweep and the
message sender.

For each size (2,000 and 20,000 complaints at --scale 1, as many letters) on a fresh
migrated database:

- sweep: N stage 1 complaints, half of them past their acknowledgement day, then the
  complaint-deadlines job run to the end (`run_until_done`, batches of 500: one
  complaint-deadline-breached each, stamped), and once more when nothing is left;
- messages: N pending letters (the print room channel, no network) sent by the
  messages job to the end (batches of 50).

The ratio of the large run's time to the small one's shows whether the work is linear
(10x the rows: at most 11x the time)."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from bench.workbench import Workbench
from engagement.app import build_services
from engagement.models import (
    Complaint,
    ComplaintStageRecord,
    ComplaintStatus,
    Message,
    MessageStatus,
)
from engagement.settings import EngagementSettings
from hearth_contracts.events.engagement import (
    ComplaintCategory,
    ComplaintStage,
    ContactChannel,
    ContactMedium,
)
from hearth_kit.db import Database
from hearth_kit.scheduler import run_until_done
from hearth_kit.tables import outbox_message

NOW = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
LINEAR_LIMIT = 11.0
CHUNK = 2_000


async def add_rows(db: Database, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        async with db.sessionmaker() as session, session.begin():
            await session.execute(insert(model), rows[start : start + CHUNK])


async def seed(db: Database, count: int) -> None:
    complaints, stages, messages = [], [], []
    for number in range(count):
        complaint_id = uuid.uuid4()
        received = NOW - timedelta(days=3 + (number % 20))
        complaints.append(
            {
                "id": complaint_id,
                "uprn": str(10**10 + number),
                "category": ComplaintCategory.REPAIRS,
                "medium": ContactMedium.PHONE,
                "summary": "bench",
                "received_at": received,
                "stage": ComplaintStage.STAGE_1,
                "status": ComplaintStatus.OPEN,
                "compensation_pence": 0,
            }
        )
        stages.append(
            {
                "complaint_id": complaint_id,
                "stage": ComplaintStage.STAGE_1,
                "requested_at": received,
                "acknowledge_by": (received + timedelta(days=7)).date(),
            }
        )
        messages.append(
            {
                "id": uuid.uuid4(),
                "resident_id": uuid.uuid4(),
                "template": "check_due",
                "source_id": uuid.uuid4(),
                "language": "en",
                "formats": [],
                "channel": ContactChannel.LETTER,
                "subject": "bench",
                "body": "bench",
                "status": MessageStatus.PENDING,
                "attempts": 0,
                "next_attempt_at": NOW - timedelta(minutes=1),
                "created_at": NOW - timedelta(minutes=1),
            }
        )
    await add_rows(db, Complaint, complaints)
    await add_rows(db, ComplaintStageRecord, stages)
    await add_rows(db, Message, messages)


async def breaches_raised(db: Database) -> int:
    async with db.sessionmaker() as session:
        query = select(func.count()).where(
            outbox_message.c.event_type == "uk.hearth.engagement.complaint-deadline-breached.v1"
        )
        return int((await session.execute(query)).scalar_one())


async def one_size(bench: Workbench, count: int) -> dict[str, Any]:
    db = Database(await bench.service_database("engagement"))
    try:
        await seed(db, count)
        sweep, sender = build_services(EngagementSettings()).jobs
        started = time.perf_counter()
        handled = await run_until_done(db, sweep, NOW, service="engagement")
        sweep_seconds = time.perf_counter() - started
        started = time.perf_counter()
        again = await run_until_done(db, sweep, NOW, service="engagement")
        quiet_seconds = time.perf_counter() - started
        started = time.perf_counter()
        sent = await run_until_done(db, sender, NOW, service="engagement")
        send_seconds = time.perf_counter() - started
        return {
            "complaints": count,
            "sweep_seconds": round(sweep_seconds, 3),
            "sweep_breaches_raised": await breaches_raised(db),
            "sweep_items_handled": handled,
            "quiet_sweep_seconds": round(quiet_seconds, 3),
            "quiet_sweep_items_handled": again,
            "messages": count,
            "messages_sent": sent,
            "send_seconds": round(send_seconds, 3),
            "messages_per_second": round(sent / send_seconds) if send_seconds else None,
        }
    finally:
        await db.dispose()


async def run_engagement(bench: Workbench, *, scale: float = 1.0) -> dict[str, Any]:
    """The sweep and the sender at 2,000 and 20,000 rows (times `scale`), side by side
    in one run, with the large-to-small ratios."""
    small_count = max(100, round(2_000 * scale))
    small = await one_size(bench, small_count)
    large = await one_size(bench, small_count * 10)
    sweep_ratio = large["sweep_seconds"] / small["sweep_seconds"]
    send_ratio = large["send_seconds"] / small["send_seconds"]
    return {
        "small": small,
        "large": large,
        "sweep_ratio": round(sweep_ratio, 2),
        "send_ratio": round(send_ratio, 2),
        "linear_limit": LINEAR_LIMIT,
        "sweep_linear": sweep_ratio <= LINEAR_LIMIT,
        "send_linear": send_ratio <= LINEAR_LIMIT,
    }
