"""A raise-repair or cancel-repair queued before ADR 0191 and not yet taken is sent with
`follow_on_of` null when it names another contractor's work order. Messages are stored
when queued: one queued by the release before (its contractor's endpoint down, waiting
for its back-off) named the first firm's work order in the follow-on's message to the
second, and the sender pushed it as stored. The sender now blanks it as it sends, and
keeps the body so; a follow-on of the contractor's own work keeps its link."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update
from sqlmodel import col

from hearth_kit.db import Database
from repairs.models import WebhookDelivery
from repairs.settings import RepairsSettings
from repairs.webhooks.rules import verify
from repairs.webhooks.service import WebhookSender
from services.repairs.tests.contractor_doubles import WEBHOOK_SECRET, WebhookReceiver
from services.repairs.tests.orders.test_contractor_sees_only_its_own_follow_on_of import (
    asked_for_a_follow_on,
    follow_on,
    two_plumbing_contractors,
)


@pytest.fixture(scope="module")
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """The contractors' endpoint, taking every message at once."""
    with WebhookReceiver(failures=0) as receiver:
        yield receiver


@pytest.fixture(scope="module")
def contracted_settings(repairs_db_url: str, webhook_receiver: WebhookReceiver) -> RepairsSettings:
    return two_plumbing_contractors(repairs_db_url, webhook_receiver)


async def queued_as_before_0191(db: Database, work_order_id: str, follow_on_of: str) -> None:
    """Store the work order's messages as the release before queued them: the work
    order as staff read it, `follow_on_of` whoever's it names."""
    async with db.sessionmaker() as session, session.begin():
        deliveries = (
            await session.scalars(
                select(WebhookDelivery).where(
                    col(WebhookDelivery.work_order_id) == uuid.UUID(work_order_id)
                )
            )
        ).all()
        assert {d.event_type for d in deliveries} == {"raise-repair", "cancel-repair"}
        for delivery in deliveries:
            message = json.loads(delivery.body)
            message["sent_for"]["follow_on_of"] = follow_on_of
            await session.execute(
                update(WebhookDelivery)
                .where(col(WebhookDelivery.id) == delivery.id)
                .values(body=json.dumps(message, separators=(",", ":"), sort_keys=True))
            )


async def sent(
    db: Database, settings: RepairsSettings, receiver: WebhookReceiver, work_order_id: str
) -> dict[str, Any]:
    """Run the sender until nothing is due; the work order's messages as the contractor
    took them (each signature checked over the body sent), and as stored, by type."""
    sender = WebhookSender(settings)
    now = datetime.now(UTC) + timedelta(seconds=1)
    while True:
        async with db.sessionmaker() as session, session.begin():
            if not await sender.run(session, now):
                break
    took: dict[str, Any] = {}
    for headers, body, status in receiver.received:
        message = json.loads(body)
        if message["sent_for"]["id"] != work_order_id or status != 200:
            continue
        assert verify(WEBHOOK_SECRET, headers["Hearth-Signature"], body, int(now.timestamp()))
        took[message["type"]] = message["sent_for"]["follow_on_of"]
    async with db.sessionmaker() as session:
        stored = {
            d.event_type: json.loads(d.body)["sent_for"]["follow_on_of"]
            for d in await session.scalars(
                select(WebhookDelivery).where(
                    col(WebhookDelivery.work_order_id) == uuid.UUID(work_order_id)
                )
            )
        }
    assert stored == took
    return took


async def cancelled(staff: httpx.AsyncClient, order: dict[str, Any]) -> None:
    response = await staff.post(
        f"/v1/work-orders/{order['id']}/cancel", json={"reason": "raised_in_error"}
    )
    assert response.status_code == 200, response.text


async def sent_for_a_follow_on_to(
    staff: httpx.AsyncClient,
    db: Database,
    settings: RepairsSettings,
    receiver: WebhookReceiver,
    contractor_id: str,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """A follow-on of plumbfast's work raised for the contractor and cancelled, its two
    messages stored as before 0191 named plumbfast's work order, then sent: plumbfast's
    work order and what the contractor took."""
    first = await asked_for_a_follow_on(staff, db)
    second = await follow_on(staff, first, contractor_id)
    await cancelled(staff, second)
    await queued_as_before_0191(db, second["id"], first["id"])
    return first, await sent(db, settings, receiver, second["id"])


async def test_a_message_naming_another_contractors_work_order_is_sent_without_it(
    staff: httpx.AsyncClient,
    repairs_database: Database,
    contracted_settings: RepairsSettings,
    webhook_receiver: WebhookReceiver,
) -> None:
    _, took = await sent_for_a_follow_on_to(
        staff, repairs_database, contracted_settings, webhook_receiver, "drainright"
    )
    assert took == {"raise-repair": None, "cancel-repair": None}


async def test_a_message_naming_the_contractors_own_work_order_keeps_it(
    staff: httpx.AsyncClient,
    repairs_database: Database,
    contracted_settings: RepairsSettings,
    webhook_receiver: WebhookReceiver,
) -> None:
    first, took = await sent_for_a_follow_on_to(
        staff, repairs_database, contracted_settings, webhook_receiver, "plumbfast"
    )
    assert took == {"raise-repair": first["id"], "cancel-repair": first["id"]}
