"""Repairs' scheduled jobs: Awaab's Law breaches, contractor webhook deliveries, and
the overdue-repairs and webhook-backlog gauges. Each batch is safe across restarts and
replicas: due rows are locked FOR UPDATE SKIP LOCKED and stamped in the transaction that
publishes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from hearth_kit.scheduler import ScheduledJob
from repairs.awaab.service import AwaabService
from repairs.metrics import REPAIRS_OVERDUE, WEBHOOK_OLDEST_UNDELIVERED_AGE, WEBHOOKS_UNDELIVERED
from repairs.webhooks import repository as webhook_deliveries
from repairs.webhooks.service import WebhookSender
from repairs.work_orders import repository as repair_requests
from repairs.work_orders import rules


async def measure_overdue(session: AsyncSession, now: datetime) -> int:
    """Set hearth_repairs_overdue from the open repairs overdue at `now` (rules.overdue:
    a non-emergency repair from the start of the London day after its target day; an
    emergency made safe by its open follow-on's own target, counted as urgent:
    rules.overdue_priority, docs/adr/0218), one pass: returns 0 so the scheduler sleeps
    until the next interval."""
    counts = await repair_requests.count_overdue(session, now, rules.overdue_if_target_before(now))
    for priority in ("emergency", "urgent", "routine", "planned"):
        REPAIRS_OVERDUE.labels(priority=priority).set(counts.get(priority, 0))
    return 0


async def measure_webhook_backlog(session: AsyncSession, now: datetime) -> int:
    """Set each contractor's undelivered messages and the age of its oldest. A message the
    contractor refuses every time is retried for ever (at most an hour apart) and holds
    back its work order's later messages, as a parked outbox row holds its key's: these
    gauges are how anyone finds out (alert HearthContractorWebhooksNotTaken,
    docs/runbooks/contractor-webhooks.md). A contractor whose queue emptied leaves the
    series, which resolves its alert. One pass: returns 0."""
    found = await webhook_deliveries.backlog(session)
    # cleared and set with no await between: a scrape never sees the gauges half set
    WEBHOOKS_UNDELIVERED.clear()
    WEBHOOK_OLDEST_UNDELIVERED_AGE.clear()
    for contractor in found:
        WEBHOOKS_UNDELIVERED.labels(contractor=contractor.contractor_id).set(contractor.undelivered)
        WEBHOOK_OLDEST_UNDELIVERED_AGE.labels(contractor=contractor.contractor_id).set(
            max(0.0, (now - contractor.oldest_queued_at).total_seconds())
        )
    return 0


def scheduled_jobs(awaab: AwaabService, webhooks: WebhookSender) -> list[ScheduledJob]:
    return [
        ScheduledJob("awaab-deadline-breaches", timedelta(minutes=1), awaab.raise_breaches),
        ScheduledJob("contractor-webhooks", timedelta(seconds=10), webhooks.run),
        ScheduledJob("repairs-overdue", timedelta(minutes=5), measure_overdue),
        ScheduledJob("contractor-webhook-backlog", timedelta(minutes=1), measure_webhook_backlog),
    ]
