"""A contractor reads `follow_on_of` only when the work order it names is its own
(docs/adr/0191). A follow-on can go to another contractor than the work that asked for
it; its contractor read the first contractor's work order id in its work order (GET,
the list, the answer to its own status update and completion) and in the raise-repair
message sent to its webhook: another firm's work, which isolation keeps from it (its
GET of that id is a 404). Staff still read the link; a follow-on of the contractor's own
work shows it everywhere."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import select
from sqlmodel import col

from hearth_contracts.events.visits import Trade
from hearth_kit.db import Database
from repairs.models import WebhookDelivery
from repairs.settings import Contractor, RepairsSettings
from services.repairs.tests.contractor_doubles import WEBHOOK_SECRET, WebhookReceiver, contractor
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order


@pytest.fixture(scope="module")
def contracted_settings(repairs_db_url: str, webhook_receiver: WebhookReceiver) -> RepairsSettings:
    return two_plumbing_contractors(repairs_db_url, webhook_receiver)


def two_plumbing_contractors(
    repairs_db_url: str, webhook_receiver: WebhookReceiver
) -> RepairsSettings:
    """Two plumbing contractors, each with a webhook (so raise-repair is queued)."""
    with_webhook = {
        "webhook_url": webhook_receiver.url,
        "webhook_secret": SecretStr(WEBHOOK_SECRET),
    }
    return RepairsSettings(
        database_url=repairs_db_url,
        relay_enabled=False,
        consumer_enabled=False,
        contractors={
            "plumbfast": Contractor(trades=[Trade.PLUMBING], **with_webhook),
            "drainright": Contractor(trades=[Trade.PLUMBING], **with_webhook),
        },
        scheduler_enabled=False,
    )


async def asked_for_a_follow_on(staff: httpx.AsyncClient, db: Database) -> dict[str, Any]:
    """A plumbfast work order completed asking for a follow-on."""
    first = await a_work_order(staff, db, a_uprn())
    assert first["contractor_id"] == "plumbfast"
    done = await staff.post(
        f"/v1/contractor/work-orders/{first['id']}/completion",
        json={"completed_at": datetime.now(UTC).isoformat(), "follow_on_required": True},
        auth=contractor("plumbfast"),
    )
    assert done.status_code == 200, done.text
    return first


async def follow_on(
    staff: httpx.AsyncClient, first: dict[str, Any], contractor_id: str
) -> dict[str, Any]:
    raised = await staff.post(
        "/v1/work-orders",
        json={
            "repair_id": first["repair_id"],
            "contractor_id": contractor_id,
            "lines": [{"sor_code": "PLB:20120", "quantity": 1}],
            "follow_on_of": first["id"],
        },
    )
    assert raised.status_code == 201, raised.text
    order: dict[str, Any] = raised.json()
    assert order["follow_on_of"] == first["id"]  # staff read the link
    return order


async def raise_repair_sent(db: Database, work_order_id: str) -> dict[str, Any]:
    async with db.sessionmaker() as session:
        body = await session.scalar(
            select(WebhookDelivery.body).where(
                col(WebhookDelivery.work_order_id) == uuid.UUID(work_order_id),
                col(WebhookDelivery.event_type) == "raise-repair",
            )
        )
    assert body is not None
    sent: dict[str, Any] = json.loads(body)["sent_for"]
    return sent


async def as_its_contractor_reads_it(
    staff: httpx.AsyncClient, db: Database, order: dict[str, Any]
) -> list[str | None]:
    """`follow_on_of` in every contractor-facing read of the work order, in order: its
    GET, the list, the raise-repair message, the answer to a status update and to the
    completion."""
    auth = contractor(order["contractor_id"])
    path = f"/v1/contractor/work-orders/{order['id']}"
    one = await staff.get(path, auth=auth)
    assert one.status_code == 200, one.text
    listed = await staff.get("/v1/contractor/work-orders", params={"limit": 200}, auth=auth)
    assert listed.status_code == 200, listed.text
    [in_list] = [o for o in listed.json()["items"] if o["id"] == order["id"]]
    updated = await staff.post(
        f"{path}/status",
        json={"status": "in_progress", "at": datetime.now(UTC).isoformat()},
        auth=auth,
    )
    assert updated.status_code == 200, updated.text
    completed = await staff.post(
        f"{path}/completion",
        json={"completed_at": datetime.now(UTC).isoformat()},
        auth=auth,
    )
    assert completed.status_code == 200, completed.text
    return [
        one.json()["follow_on_of"],
        in_list["follow_on_of"],
        (await raise_repair_sent(db, order["id"]))["follow_on_of"],
        updated.json()["follow_on_of"],
        completed.json()["follow_on_of"],
    ]


async def test_another_contractors_follow_on_does_not_show_the_first_contractors_work_order(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    first = await asked_for_a_follow_on(staff, repairs_database)
    second = await follow_on(staff, first, "drainright")

    assert await as_its_contractor_reads_it(staff, repairs_database, second) == [None] * 5
    # staff still read the link
    read = await staff.get(f"/v1/work-orders/{second['id']}")
    assert read.json()["follow_on_of"] == first["id"]


async def test_a_follow_on_of_the_contractors_own_work_shows_it(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    first = await asked_for_a_follow_on(staff, repairs_database)
    second = await follow_on(staff, first, "plumbfast")

    assert await as_its_contractor_reads_it(staff, repairs_database, second) == [first["id"]] * 5
