"""Faults while the contractor-webhooks job sends (a deploy stopping it mid-round, one
delivery whose send raises something httpx does not) push no contractor the same
message again: each delivery is sent and stamped in a transaction of its own, and one
delivery's error is that delivery's failure, never the round's. A real local HTTP
server is the contractor's endpoint; the database is real."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlmodel import col

from hearth_kit.db import Database
from hearth_kit.scheduler import ScheduledJob, run_until_done
from repairs.models import WebhookDelivery
from repairs.settings import RepairsSettings, WebhookRetry
from repairs.sor.service import import_schedule
from repairs.webhooks.service import WebhookSender
from services.repairs.tests.contractor_doubles import WebhookReceiver

SOR_CSV = """schedule,code,description,trade,unit,unit_price
PLB,20110,Renew tap washer,plumbing,each,12.50
"""


@pytest.fixture(scope="module")
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """The contractor's endpoint, answering 200 to every message."""
    with WebhookReceiver(failures=0) as receiver:
        yield receiver


class Network(httpx.AsyncBaseTransport):
    """The way to the contractor's endpoint (a real HTTP transport), where the `at`th
    request either waits until the job is stopped (`stop`) or raises an error httpx
    does not foresee (`break_`)."""

    def __init__(self, at: int, *, stop: bool = False) -> None:
        self.at = at
        self.stop = stop
        self.requests = 0
        self.waiting = asyncio.Event()
        self.real = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.requests == self.at:
            if self.stop:
                self.waiting.set()
                await asyncio.Event().wait()  # until cancelled
            raise RuntimeError("the connection pool's state is broken")
        return await self.real.handle_async_request(request)


async def work_orders(
    staff: httpx.AsyncClient, db: Database, count: int, *, at_one_home: bool = False
) -> list[str]:
    async with db.sessionmaker() as session, session.begin():
        await import_schedule(session, SOR_CSV.splitlines(keepends=True))
    ids = []
    home = str(random.randint(10**9, 10**12 - 1))
    for _ in range(count):
        response = await staff.post(
            "/v1/repairs",
            json={
                "uprn": home if at_one_home else str(random.randint(10**9, 10**12 - 1)),
                "description": "Kitchen tap dripping",
                "location": "kitchen",
                "trade": "plumbing",
                "priority": "routine",
            },
        )
        assert response.status_code == 201, response.text
        response = await staff.post(
            "/v1/work-orders",
            json={
                "repair_id": response.json()["id"],
                "lines": [{"sor_code": "PLB:20110", "quantity": 1}],
            },
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def received_for(receiver: WebhookReceiver, order_id: str) -> int:
    return sum(
        1 for _, body, _ in receiver.received if json.loads(body)["sent_for"]["id"] == order_id
    )


async def delivery_of(db: Database, order_id: str) -> WebhookDelivery:
    async with db.sessionmaker() as session:
        query = select(WebhookDelivery).where(
            col(WebhookDelivery.work_order_id) == uuid.UUID(order_id)
        )
        found: WebhookDelivery = (await session.execute(query)).scalars().one()
        return found


def job(sender: WebhookSender) -> ScheduledJob:
    return ScheduledJob("contractor-webhooks", timedelta(seconds=10), sender.run)


async def a_round(db: Database, sender: WebhookSender, now: datetime) -> None:
    """One round as the Scheduler runs it: a round that raises is logged and the job
    tries again after its interval."""
    with contextlib.suppress(Exception):
        await run_until_done(db, job(sender), now)


async def test_a_job_stopped_mid_round_pushes_no_message_again(
    staff: httpx.AsyncClient,
    repairs_database: Database,
    contracted_settings: RepairsSettings,
    webhook_receiver: WebhookReceiver,
) -> None:
    """Three work orders raised; the job is stopped while the third goes out. The two
    the contractor took stay delivered, and the next round pushes only the third.
    Before, the round's one transaction rolled back and the two went again."""
    orders = await work_orders(staff, repairs_database, 3)
    now = datetime.now(UTC) + timedelta(seconds=1)
    network = Network(at=3, stop=True)
    async with httpx.AsyncClient(transport=network) as client:
        stopped = asyncio.create_task(
            run_until_done(repairs_database, job(WebhookSender(contracted_settings, client)), now)
        )
        await network.waiting.wait()
        stopped.cancel()
        with pytest.raises(asyncio.CancelledError):
            await stopped
    await a_round(repairs_database, WebhookSender(contracted_settings), now)
    assert [received_for(webhook_receiver, order) for order in orders] == [1, 1, 1]


async def test_a_delivery_whose_send_raises_holds_up_no_other_and_none_goes_twice(
    staff: httpx.AsyncClient,
    repairs_database: Database,
    contracted_settings: RepairsSettings,
    webhook_receiver: WebhookReceiver,
) -> None:
    """The second of two deliveries makes the client raise an error that is not an
    httpx.HTTPError: it is tried again after the back-off (not answered, status 0), and
    the first, pushed before it, is not pushed again. Before, the error escaped the
    round and its rollback un-stamped the first: every round pushed it again."""
    first, second = await work_orders(staff, repairs_database, 2)
    now = datetime.now(UTC) + timedelta(seconds=1)
    async with httpx.AsyncClient(transport=Network(at=2)) as client:
        await a_round(repairs_database, WebhookSender(contracted_settings, client), now)
    failed = await delivery_of(repairs_database, second)
    assert (failed.delivered_at, failed.attempts, failed.last_status) == (None, 1, 0)
    for later in (30, 90, 300):
        await a_round(
            repairs_database, WebhookSender(contracted_settings), now + timedelta(seconds=later)
        )
    assert [received_for(webhook_receiver, order) for order in (first, second)] == [1, 1]


class DownOnce(httpx.AsyncBaseTransport):
    """The way to the contractor's endpoint, down for the first request only."""

    def __init__(self) -> None:
        self.requests = 0
        self.real = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.requests == 1:
            raise httpx.ConnectError("connection refused", request=request)
        return await self.real.handle_async_request(request)


def pushed_about(receiver: WebhookReceiver, order_id: str) -> list[str]:
    """The types of the messages the contractor took about a work order, in order."""
    types = []
    for _, body, status in receiver.received:
        message = json.loads(body)
        about = message["sent_for"]
        if status == 200 and order_id in (about["id"], *about.get("work_order_ids", [])):
            types.append(message["type"])
    return types


async def test_a_message_waiting_to_be_pushed_again_is_not_overtaken_by_a_later_one(
    staff: httpx.AsyncClient,
    repairs_database: Database,
    contracted_settings: RepairsSettings,
    webhook_receiver: WebhookReceiver,
) -> None:
    """The contractor's endpoint is down when the work order's raise-repair is first
    pushed (next try in 30 s); the contact centre books its appointment meanwhile. The
    schedule-repair waits for the raise-repair: the contractor is never told of an
    appointment for a work order it has not been sent; another work order's message
    goes meanwhile. Before, the schedule-repair went at once (due first), and a
    cancellation could likewise overtake its booking."""
    [order] = await work_orders(staff, repairs_database, 1)
    now = datetime.now(UTC) + timedelta(seconds=1)
    async with httpx.AsyncClient(transport=DownOnce()) as client:
        sender = WebhookSender(contracted_settings, client)
        await a_round(repairs_database, sender, now)
        uprn = (await staff.get(f"/v1/work-orders/{order}")).json()["uprn"]
        slot = (
            await staff.get(
                "/v1/appointments/availability", params={"uprn": uprn, "trades": ["plumbing"]}
            )
        ).json()["slots"][-1]
        booked = await staff.post(
            "/v1/appointments",
            json={"work_order_ids": [order], "day": slot["day"], "slot": slot["slot"]},
        )
        assert booked.status_code == 201, booked.text
        [other] = await work_orders(staff, repairs_database, 1)
        await a_round(repairs_database, sender, now + timedelta(seconds=10))
        assert pushed_about(webhook_receiver, order) == []
        assert pushed_about(webhook_receiver, other) == ["raise-repair"]  # not held back
        await a_round(repairs_database, sender, now + timedelta(seconds=31))
    assert pushed_about(webhook_receiver, order) == ["raise-repair", "schedule-repair"]


class DownAt(httpx.AsyncBaseTransport):
    """The way to the contractor's endpoint, down for the `at`th request only."""

    def __init__(self, at: int) -> None:
        self.at = at
        self.requests = 0
        self.real = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.requests += 1
        if self.requests == self.at:
            raise httpx.ConnectError("connection refused", request=request)
        return await self.real.handle_async_request(request)


async def test_an_appointment_of_two_work_orders_waits_for_each_ones_raise_repair(
    staff: httpx.AsyncClient,
    repairs_database: Database,
    contracted_settings: RepairsSettings,
    webhook_receiver: WebhookReceiver,
) -> None:
    """Two work orders at one home; the contractor took the first's raise-repair, and
    its endpoint was down for the second's (next try in 30 s). The contact centre books
    both into one appointment, whose schedule-repair is queued under the first work
    order. It waits for the second's raise-repair all the same: the contractor is never
    told of an appointment for a work order it has not been sent (ADR 0185). Before,
    only the first work order's messages held it back, and it went at once."""
    first, second = await work_orders(staff, repairs_database, 2, at_one_home=True)
    uprn = (await staff.get(f"/v1/work-orders/{first}")).json()["uprn"]
    now = datetime.now(UTC) + timedelta(seconds=1)
    async with httpx.AsyncClient(transport=DownAt(2)) as client:
        sender = WebhookSender(contracted_settings, client)
        await a_round(repairs_database, sender, now)
        assert pushed_about(webhook_receiver, first) == ["raise-repair"]
        assert pushed_about(webhook_receiver, second) == []
        slot = (
            await staff.get(
                "/v1/appointments/availability", params={"uprn": uprn, "trades": ["plumbing"]}
            )
        ).json()["slots"][-1]
        booked = await staff.post(
            "/v1/appointments",
            json={"work_order_ids": [first, second], "day": slot["day"], "slot": slot["slot"]},
        )
        assert booked.status_code == 201, booked.text
        await a_round(repairs_database, sender, now + timedelta(seconds=10))
        assert pushed_about(webhook_receiver, second) == []
        assert pushed_about(webhook_receiver, first) == ["raise-repair"]
        await a_round(repairs_database, sender, now + timedelta(seconds=31))
    assert pushed_about(webhook_receiver, second) == ["raise-repair", "schedule-repair"]
    assert pushed_about(webhook_receiver, first) == ["raise-repair", "schedule-repair"]


async def test_a_message_refused_for_weeks_waits_its_hour_and_holds_up_no_other(
    staff: httpx.AsyncClient,
    repairs_database: Database,
    contracted_settings: RepairsSettings,
    webhook_receiver: WebhookReceiver,
) -> None:
    """A raise-repair the contractor's endpoint has refused 1,100 times (some six weeks
    of hourly tries) is refused again: its next try is an hour on, and the work order
    raised after it goes. Before, the back-off of its 1,101st try (30 s doubled 1,100
    times) overflowed a float: the round raised and rolled back, and the message, due
    first every round, held up every contractor's messages behind it for good. The
    back-off set in the environment (HEARTH_REPAIRS_WEBHOOK_RETRY__*) is read as floats."""
    settings = contracted_settings.model_copy(
        update={"webhook_retry": WebhookRetry.model_validate({"first_seconds": "30"})}
    )
    stuck, other = await work_orders(staff, repairs_database, 2)
    async with repairs_database.sessionmaker() as session, session.begin():
        delivery = await session.get(
            WebhookDelivery, (await delivery_of(repairs_database, stuck)).id
        )
        assert delivery is not None
        delivery.attempts = 1100
    now = datetime.now(UTC) + timedelta(seconds=1)
    async with httpx.AsyncClient(transport=DownAt(1)) as client:
        await a_round(repairs_database, WebhookSender(settings, client), now)
    refused = await delivery_of(repairs_database, stuck)
    assert (refused.attempts, refused.delivered_at) == (1101, None)
    assert refused.next_attempt_at == now + timedelta(hours=1)
    assert pushed_about(webhook_receiver, other) == ["raise-repair"]
