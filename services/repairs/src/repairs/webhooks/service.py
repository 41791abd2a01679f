"""Pushing raised work orders to contractors' webhooks: queued in the transaction that
raised the work order (the delivery table is the contractors' outbox), sent by a
scheduled job, retried with back-off, delivered once per event id."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from hearth_kit.logs import get_logger
from repairs.metrics import WEBHOOK_ATTEMPTS
from repairs.models import WebhookDelivery
from repairs.orders import repository as work_orders
from repairs.settings import RepairsSettings
from repairs.webhooks import repository
from repairs.webhooks.rules import (
    EVENT_ID_HEADER,
    EVENT_TYPE_HEADER,
    SIGNATURE_HEADER,
    back_off,
    signature,
)

log = get_logger(__name__)
BATCH = 1
"""Deliveries per transaction. One: a message is pushed and stamped delivered before the
next is tried, so a job stopped mid-round (a deploy's SIGTERM, a killed process, the
database gone) leaves every message the contractor took stamped, and at most the one in
flight goes again. With many per transaction, one rollback un-stamped all those pushed
already and the next round pushed them again (the contractor dedupes by
Hearth-Event-Id, but need not be given the chance to get it wrong)."""


def queue(
    session: AsyncSession,
    settings: RepairsSettings,
    *,
    event_id: uuid.UUID,
    event_type: str,
    contractor_id: str,
    work_order_id: uuid.UUID,
    body: dict[str, Any],
    now: datetime,
) -> None:
    """Queue a message for the contractor's webhook, if it has one."""
    contractor = settings.contractors.get(contractor_id)
    if contractor is None or contractor.webhook_url is None:
        return
    message = {"id": str(event_id), "type": event_type, "sent_for": body}
    repository.add(
        session,
        WebhookDelivery(
            event_id=event_id,
            event_type=event_type,
            contractor_id=contractor_id,
            work_order_id=work_order_id,
            body=json.dumps(message, separators=(",", ":"), sort_keys=True),
            next_attempt_at=now,
            created_at=now,
        ),
    )


WORK_ORDER_MESSAGES = frozenset({"raise-repair", "cancel-repair"})
"""The messages whose body is the work order as its contractor reads it, `follow_on_of`
with it (docs/adr/0191)."""


async def without_anothers_work_order(session: AsyncSession, delivery: WebhookDelivery) -> str:
    """The delivery's body with `follow_on_of` null when it names another contractor's
    work order (docs/adr/0191), kept so (the stored body is what was sent). Messages are
    stored when queued, so a raise-repair or cancel-repair queued by a release before
    0191 and not yet taken (the contractor's endpoint down, a back-off) still named the
    other firm's work order. One lookup by primary key, only for a message naming one;
    a message queued since names none of another's, and passes unchanged."""
    if delivery.event_type not in WORK_ORDER_MESSAGES:
        return delivery.body
    message = json.loads(delivery.body)
    sent_for = message.get("sent_for") or {}
    named = sent_for.get("follow_on_of")
    if named is None:
        return delivery.body
    follow_on_of = uuid.UUID(str(named))
    theirs = await work_orders.contractors_of(session, {follow_on_of})
    if theirs.get(follow_on_of) == delivery.contractor_id:
        return delivery.body
    sent_for["follow_on_of"] = None
    delivery.body = json.dumps(message, separators=(",", ":"), sort_keys=True)
    log.info(
        "webhook message sent without another contractor's work order",
        contractor_id=delivery.contractor_id,
        event_id=str(delivery.event_id),
    )
    return delivery.body


def _wall_clock() -> datetime:
    return datetime.now(UTC)


class WebhookSender:
    """Sends due webhook messages; `run` is the scheduled job's batch. Each message is
    signed with the time it is sent (`clock`), not the round's `now`: a round of many
    slow deliveries would otherwise sign its later messages minutes in the past, and a
    contractor refuses a signature more than five minutes old."""

    def __init__(
        self,
        settings: RepairsSettings,
        client: httpx.AsyncClient | None = None,
        clock: Callable[[], datetime] = _wall_clock,
    ) -> None:
        self.settings = settings
        self.client = client
        self.clock = clock

    async def _post(self, url: str, content: bytes, headers: dict[str, str]) -> int:
        timeout = self.settings.webhook_retry.timeout_seconds
        if self.client is not None:
            response = await self.client.post(
                url, content=content, headers=headers, timeout=timeout
            )
            return response.status_code
        async with httpx.AsyncClient(timeout=timeout) as client:
            response = await client.post(url, content=content, headers=headers)
            return response.status_code

    async def run(self, session: AsyncSession, now: datetime) -> int:
        """Attempt the due deliveries of a batch (BATCH, one transaction): a 2xx marks it
        delivered for good; anything else (no answer, an error raised) schedules the
        next attempt after the back-off."""
        deliveries = await repository.due(session, now, BATCH)
        for delivery in deliveries:
            contractor = self.settings.contractors.get(delivery.contractor_id)
            if (
                contractor is None
                or contractor.webhook_url is None
                # settings.Contractor refuses a webhook without its secret; never send
                # a message signed with an empty key
                or contractor.webhook_secret is None
            ):
                delivery.next_attempt_at = now + back_off(
                    delivery.attempts + 1,
                    first_seconds=self.settings.webhook_retry.max_seconds,
                    max_seconds=self.settings.webhook_retry.max_seconds,
                )
                continue
            content = (await without_anothers_work_order(session, delivery)).encode()
            headers = {
                "Content-Type": "application/json",
                EVENT_ID_HEADER: str(delivery.event_id),
                EVENT_TYPE_HEADER: delivery.event_type,
                SIGNATURE_HEADER: signature(
                    contractor.webhook_secret.get_secret_value(),
                    int(self.clock().timestamp()),
                    content,
                ),
            }
            delivery.attempts += 1
            try:
                status = await self._post(contractor.webhook_url, content, headers)
            except Exception as exc:
                # httpx's errors (no answer), and any other a send raises (a URL httpx
                # cannot parse, a broken client): this delivery's failure, tried again
                # after the back-off; raised, it would roll the round back and come
                # first again every round, holding up every delivery behind it
                status = 0
                log.warning(
                    "webhook not answered",
                    contractor_id=delivery.contractor_id,
                    event_id=str(delivery.event_id),
                    error=type(exc).__name__,
                )
            delivery.last_status = status
            WEBHOOK_ATTEMPTS.labels(outcome="delivered" if 200 <= status < 300 else "failed").inc()
            if 200 <= status < 300:
                delivery.delivered_at = now
            else:
                delivery.next_attempt_at = now + back_off(
                    delivery.attempts,
                    first_seconds=self.settings.webhook_retry.first_seconds,
                    max_seconds=self.settings.webhook_retry.max_seconds,
                )
        await session.flush()
        return len(deliveries)
