"""Work orders from the SOR table, appointments from slot capacity, the contractor API
(isolation decided in the service's query), completion, and the webhook push; bad
input is a problem naming the field, with nothing changed and nothing published."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from pydantic import SecretStr, ValidationError
from sqlalchemy import select

from hearth_kit.db import Database
from hearth_kit.scheduler import ScheduledJob, run_until_done
from hearth_kit.tables import outbox_message
from repairs.settings import Contractor, RepairsSettings
from repairs.sor.service import import_schedule
from repairs.webhooks.rules import verify
from repairs.webhooks.service import WebhookSender
from services.repairs.tests.contractor_doubles import (
    WEBHOOK_SECRET,
    WebhookReceiver,
    contractor,
    manager,
)

SOR_CSV = """schedule,code,description,trade,unit,unit_price
PLB,20110,Renew tap washer,plumbing,each,12.50
PLB,20120,Renew kitchen tap,plumbing,each,85.00
PLB,20130,Renew copper pipe,plumbing,m,13.33
ELE,30010,Replace socket outlet,electrical,each,45.00
"""


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


async def published(db: Database, uprn: str, event: str | None = None) -> list[dict[str, Any]]:
    query = select(outbox_message.c.event_type).where(outbox_message.c.message_key == uprn)
    if event is not None:
        query = query.where(outbox_message.c.event_type.like(f"uk.hearth.repairs.{event}.v%"))
    async with db.sessionmaker() as session:
        return [dict(r._mapping) for r in (await session.execute(query)).all()]


async def published_data(db: Database, uprn: str, event_type: str) -> list[dict[str, Any]]:
    """The data of every event of `event_type` (its full type, version and all) in the
    outbox for the home, in the order published (an envelope stored whole: its data)."""
    async with db.sessionmaker() as session:
        payloads = (
            await session.scalars(
                select(outbox_message.c.payload)
                .where(
                    outbox_message.c.message_key == uprn,
                    outbox_message.c.event_type == event_type,
                )
                .order_by(outbox_message.c.id)
            )
        ).all()
    events = [json.loads(p) for p in payloads]
    return [event.get("data", event) for event in events]


async def schedule_of_rates(db: Database) -> None:
    async with db.sessionmaker() as session, session.begin():
        await import_schedule(session, SOR_CSV.splitlines(keepends=True))


async def a_repair(staff: httpx.AsyncClient, uprn: str, trade: str = "plumbing") -> dict[str, Any]:
    response = await staff.post(
        "/v1/repairs",
        json={
            "uprn": uprn,
            "description": "Kitchen tap dripping",
            "location": "kitchen",
            "trade": trade,
            "priority": "routine",
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


async def a_work_order(
    staff: httpx.AsyncClient, db: Database, uprn: str, trade: str = "plumbing"
) -> dict[str, Any]:
    await schedule_of_rates(db)
    repair = await a_repair(staff, uprn, trade)
    code = "PLB:20110" if trade == "plumbing" else "ELE:30010"
    response = await staff.post(
        "/v1/work-orders",
        json={
            "repair_id": repair["id"],
            "lines": [{"sor_code": code, "quantity": 2}],
            "alerts": ["dog_on_premises"],
            "access_information": "Key safe by the back door",
        },
    )
    assert response.status_code == 201, response.text
    return response.json()


async def a_work_order_reported(
    staff: httpx.AsyncClient,
    db: Database,
    uprn: str,
    reported_at: datetime,
    priority: str = "routine",
) -> dict[str, Any]:
    """A plumbing repair reported at `reported_at` (not when it is posted), its one
    work order a single schedule-of-rates line."""
    await schedule_of_rates(db)
    repair = await staff.post(
        "/v1/repairs",
        json={
            "uprn": uprn,
            "description": "Kitchen tap dripping",
            "location": "kitchen",
            "trade": "plumbing",
            "priority": priority,
            "reported_at": reported_at.isoformat(),
        },
    )
    assert repair.status_code == 201, repair.text
    order = await staff.post(
        "/v1/work-orders",
        json={
            "repair_id": repair.json()["id"],
            "lines": [{"sor_code": "PLB:20110", "quantity": 1}],
        },
    )
    assert order.status_code == 201, order.text
    return order.json()


async def test_a_work_order_prices_its_sor_lines_and_goes_to_the_trades_contractor(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    assert order["contractor_id"] == "plumbfast"
    assert order["lines"][0]["line_pence"] == 2500
    assert order["ordered_pence"] == 2500
    assert order["alerts"] == ["dog_on_premises"]
    assert order["priority"] == "routine"
    listed = await staff.get("/v1/work-orders", params={"uprn": uprn, "status": "raised"})
    assert [o["id"] for o in listed.json()["items"]] == [order["id"]]
    assert len(await published(repairs_database, uprn, "work-order-raised")) == 1


async def test_an_unknown_sor_code_is_refused_naming_the_line_and_nothing_is_published(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    await schedule_of_rates(repairs_database)
    uprn = a_uprn()
    repair = await a_repair(staff, uprn)
    before = await published(repairs_database, uprn)
    response = await staff.post(
        "/v1/work-orders",
        json={
            "repair_id": repair["id"],
            "lines": [
                {"sor_code": "PLB:20110", "quantity": 1},
                {"sor_code": "PLB:99999", "quantity": 1},
            ],
        },
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["lines.1.sor_code"]
    assert await published(repairs_database, uprn) == before
    listed = await staff.get("/v1/work-orders", params={"uprn": uprn})
    assert listed.json()["items"] == []


async def test_a_contractor_who_does_not_do_the_repairs_trade_is_refused_naming_contractor_id(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    await schedule_of_rates(repairs_database)
    uprn = a_uprn()
    repair = await a_repair(staff, uprn, "plumbing")
    before = await published(repairs_database, uprn)
    # sparks does electrical and general work, not plumbing (the contracted settings)
    response = await staff.post(
        "/v1/work-orders",
        json={
            "repair_id": repair["id"],
            "contractor_id": "sparks",
            "lines": [{"sor_code": "PLB:20110", "quantity": 1}],
        },
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["contractor_id"]
    assert await published(repairs_database, uprn) == before
    assert (await staff.get("/v1/work-orders", params={"uprn": uprn})).json()["items"] == []
    # the contractor named for the trade is taken
    response = await staff.post(
        "/v1/work-orders",
        json={
            "repair_id": repair["id"],
            "contractor_id": "plumbfast",
            "lines": [{"sor_code": "PLB:20110", "quantity": 1}],
        },
    )
    assert response.status_code == 201, response.text
    assert response.json()["contractor_id"] == "plumbfast"


async def test_one_appointment_for_the_homes_work_then_the_slot_is_full(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    free = await staff.get(
        "/v1/appointments/availability", params={"uprn": uprn, "trades": ["plumbing"]}
    )
    assert free.status_code == 200, free.text
    slot = free.json()["slots"][-1]  # the furthest out: no other test books it
    booked = await staff.post(
        "/v1/appointments",
        json={
            "work_order_ids": [order["id"]],
            "day": slot["day"],
            "slot": slot["slot"],
            "made_at_first_contact": True,
        },
    )
    assert booked.status_code == 201, booked.text
    appointment = booked.json()
    assert appointment["trades"] == ["plumbing"]
    assert len(await published(repairs_database, uprn, "appointment-booked")) == 1
    upcoming = await staff.get("/v1/appointments", params={"uprn": uprn, "status": "booked"})
    assert [a["id"] for a in upcoming.json()["items"]] == [appointment["id"]]

    other_home = a_uprn()
    other = await a_work_order(staff, repairs_database, other_home)
    full = await staff.post(
        "/v1/appointments",
        json={"work_order_ids": [other["id"]], "day": slot["day"], "slot": slot["slot"]},
    )
    assert full.status_code == 422
    assert [e["field"] for e in full.json()["errors"]] == ["slot"]
    assert await published(repairs_database, other_home, "appointment-booked") == []
    again = await staff.get(
        "/v1/appointments/availability", params={"uprn": other_home, "trades": ["plumbing"]}
    )
    assert (slot["day"], slot["slot"]) not in {(s["day"], s["slot"]) for s in again.json()["slots"]}


async def test_a_slot_in_the_past_is_refused_naming_the_day(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    response = await staff.post(
        "/v1/appointments",
        json={"work_order_ids": [order["id"]], "day": "2025-06-02", "slot": "am"},
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["day"]
    assert await published(repairs_database, uprn, "appointment-booked") == []


async def test_a_contractor_sees_and_changes_only_its_own_work_orders(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    order = await a_work_order(staff, repairs_database, a_uprn())
    path = f"/v1/contractor/work-orders/{order['id']}"
    own = await staff.get(path, auth=contractor("plumbfast"))
    assert own.status_code == 200
    for response in (
        await staff.get(path, auth=contractor("sparks")),
        await staff.post(
            f"{path}/status", json={"status": "in_progress"}, auth=contractor("sparks")
        ),
        await staff.post(
            f"{path}/completion",
            json={"completed_at": datetime.now(UTC).isoformat()},
            auth=contractor("sparks"),
        ),
    ):
        assert response.status_code == 404, response.text
    theirs = await staff.get("/v1/contractor/work-orders", auth=contractor("sparks"))
    assert order["id"] not in {o["id"] for o in theirs.json()["items"]}
    staff_token = await staff.get("/v1/contractor/work-orders")
    assert staff_token.status_code == 403


async def test_completion_on_time_right_first_time_publishes_repair_completed_once(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    path = f"/v1/contractor/work-orders/{order['id']}"
    moving = await staff.post(
        f"{path}/status",
        json={"status": "operative_on_the_way"},
        auth=contractor("plumbfast"),
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert moving.json()["status"] == "operative_on_the_way"
    body = {"completed_at": datetime.now(UTC).isoformat(), "photo_references": ["photo/1.jpg"]}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    done = await staff.post(
        f"{path}/completion", json=body, auth=contractor("plumbfast"), headers=key
    )
    assert done.status_code == 200, done.text
    assert done.json()["completed_on_time"] is True
    assert done.json()["right_first_time"] is True
    replay = await staff.post(
        f"{path}/completion", json=body, auth=contractor("plumbfast"), headers=key
    )
    assert replay.headers["Idempotent-Replayed"] == "true"
    second = await staff.post(f"{path}/completion", json=body, auth=contractor("plumbfast"))
    assert second.status_code == 409
    assert [e["field"] for e in second.json()["errors"]] == ["status"]
    assert len(await published(repairs_database, uprn, "repair-completed")) == 1
    repair = await staff.get(f"/v1/repairs/{order['repair_id']}")
    assert repair.json()["status"] == "completed"


async def test_completion_before_the_appointment_is_refused_and_nothing_changes(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn, trade="electrical")
    free = await staff.get(
        "/v1/appointments/availability", params={"uprn": uprn, "trades": ["electrical"]}
    )
    slot = free.json()["slots"][-1]
    booked = await staff.post(
        "/v1/appointments",
        json={"work_order_ids": [order["id"]], "day": slot["day"], "slot": slot["slot"]},
    )
    assert booked.status_code == 201, booked.text
    response = await staff.post(
        f"/v1/contractor/work-orders/{order['id']}/completion",
        json={"completed_at": datetime.now(UTC).isoformat()},
        auth=contractor("sparks"),
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["completed_at"]
    assert await published(repairs_database, uprn, "repair-completed") == []
    still = await staff.get(f"/v1/work-orders/{order['id']}")
    assert still.json()["status"] == "appointment_made"


async def test_a_variation_within_the_approvers_limit_is_done_and_above_it_refused(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    order = await a_work_order(staff, repairs_database, a_uprn())
    path = f"/v1/contractor/work-orders/{order['id']}"
    await staff.post(
        f"{path}/status",
        json={"status": "variation_requested", "variation_pence": 20_000},
        auth=contractor("plumbfast"),
    )
    too_much = await staff.post(
        f"/v1/work-orders/{order['id']}/variation-approval",
        json={"amount_pence": 60_000},
        auth=manager(),
    )
    assert too_much.status_code == 422
    assert [e["field"] for e in too_much.json()["errors"]] == ["amount_pence"]
    approved = await staff.post(
        f"/v1/work-orders/{order['id']}/variation-approval",
        json={"amount_pence": 20_000},
        auth=manager(),
    )
    assert approved.json()["variation_approved_pence"] == 20_000
    over = await staff.post(
        f"{path}/completion",
        json={"completed_at": datetime.now(UTC).isoformat(), "variation_pence": 25_000},
        auth=contractor("plumbfast"),
    )
    assert [e["field"] for e in over.json()["errors"]] == ["variation_pence"]
    done = await staff.post(
        f"{path}/completion",
        json={"completed_at": datetime.now(UTC).isoformat(), "variation_pence": 20_000},
        auth=contractor("plumbfast"),
    )
    assert done.json()["variation_pence"] == 20_000


async def test_a_webhook_failing_twice_is_delivered_once_on_the_third_try(
    staff: httpx.AsyncClient,
    repairs_database: Database,
    contracted_settings: RepairsSettings,
    webhook_receiver: WebhookReceiver,
) -> None:
    order = await a_work_order(staff, repairs_database, a_uprn())
    job = ScheduledJob(
        "contractor-webhooks", timedelta(seconds=10), WebhookSender(contracted_settings).run
    )
    now = datetime.now(UTC) + timedelta(seconds=1)

    def mine() -> list[tuple[dict[str, str], bytes, int]]:
        """What the receiver got for this work order."""
        return [
            r
            for r in webhook_receiver.received
            if json.loads(r[1])["sent_for"]["id"] == order["id"]
        ]

    await run_until_done(repairs_database, job, now)
    assert [status for _, _, status in mine()] == [503]
    await run_until_done(repairs_database, job, now + timedelta(seconds=10))  # not yet due
    assert len(mine()) == 1
    await run_until_done(repairs_database, job, now + timedelta(seconds=31))
    await run_until_done(repairs_database, job, now + timedelta(seconds=92))
    await run_until_done(repairs_database, job, now + timedelta(hours=5))
    attempts = mine()
    assert [status for _, _, status in attempts] == [503, 503, 200]
    event_ids = {headers["Hearth-Event-Id"] for headers, _, _ in attempts}
    assert len(event_ids) == 1
    headers, body, _ = attempts[-1]
    assert verify(
        WEBHOOK_SECRET,
        headers["Hearth-Signature"],
        body,
        int(headers["Hearth-Signature"].split(",")[0][2:]),
    )
    assert json.loads(body)["type"] == "raise-repair"


async def test_a_webhook_message_is_signed_with_the_time_it_is_sent_not_the_rounds(
    staff: httpx.AsyncClient,
    repairs_database: Database,
    contracted_settings: RepairsSettings,
    webhook_receiver: WebhookReceiver,
) -> None:
    """A round that started ten minutes before this message went out (many slow
    deliveries ahead of it) still signs it with the moment it is sent, so the
    contractor's five-minute check accepts it."""
    order = await a_work_order(staff, repairs_database, a_uprn())
    round_started = datetime.now(UTC) + timedelta(seconds=1)
    sent = round_started + timedelta(minutes=10)
    sender = WebhookSender(contracted_settings, clock=lambda: sent)
    job = ScheduledJob("contractor-webhooks", timedelta(seconds=10), sender.run)
    await run_until_done(repairs_database, job, round_started)
    [(headers, body, _)] = [
        r for r in webhook_receiver.received if json.loads(r[1])["sent_for"]["id"] == order["id"]
    ]
    stamp = int(headers["Hearth-Signature"].split(",")[0][2:])
    assert stamp == int(sent.timestamp())
    assert verify(WEBHOOK_SECRET, headers["Hearth-Signature"], body, int(sent.timestamp()))


def test_a_contractor_with_a_webhook_but_no_secret_is_refused_at_start_up(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its messages would be signed with an empty key: the settings refuse it, naming
    the contractor, so the service does not start."""
    for secret in (None, SecretStr(""), SecretStr("  ")):
        with pytest.raises(ValidationError, match="webhook_secret"):
            Contractor(webhook_url="https://plumbfast.example/hearth", webhook_secret=secret)
    monkeypatch.setenv(
        "HEARTH_REPAIRS_CONTRACTORS",
        json.dumps({"plumbfast": {"webhook_url": "https://plumbfast.example/hearth"}}),
    )
    with pytest.raises(ValidationError, match="plumbfast"):
        RepairsSettings(environment="development")
    assert Contractor(webhook_url=None).webhook_secret is None  # no webhook, no secret


async def test_a_measured_sor_item_takes_a_decimal_quantity_priced_half_up_to_whole_pence(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    await schedule_of_rates(repairs_database)
    uprn = a_uprn()
    repair = await a_repair(staff, uprn)
    response = await staff.post(
        "/v1/work-orders",
        json={
            "repair_id": repair["id"],
            "lines": [
                {"sor_code": "PLB:20130", "quantity": 2.5},
                {"sor_code": "PLB:20110", "quantity": 2},
            ],
        },
    )
    assert response.status_code == 201, response.text
    order = response.json()
    # 2.5 m at 1,333p is 3,332.5p: rounded half up to 3,333p
    assert [(line["quantity"], line["line_pence"]) for line in order["lines"]] == [
        (2.5, 3333),
        (2, 2500),
    ]
    assert order["ordered_pence"] == 5833
    fetched = (await staff.get(f"/v1/work-orders/{order['id']}")).json()
    assert fetched["lines"] == order["lines"]
    async with repairs_database.sessionmaker() as session:
        payload = await session.scalar(
            select(outbox_message.c.payload).where(
                outbox_message.c.message_key == uprn,
                outbox_message.c.event_type == "uk.hearth.repairs.work-order-raised.v2",
            )
        )
    assert payload is not None
    raised = json.loads(payload)
    raised = raised.get("data", raised)  # the event's data (the envelope's, if stored whole)
    assert [line["quantity"] for line in raised["lines"]] == [2.5, 2]


async def test_a_fraction_of_a_counted_item_or_a_third_decimal_place_is_refused_naming_the_line(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    await schedule_of_rates(repairs_database)
    uprn = a_uprn()
    repair = await a_repair(staff, uprn)
    before = await published(repairs_database, uprn)
    for quantity, field in (
        (1.5, "lines.1.quantity"),  # tap washers come each: whole units only
        (0, "lines.0.quantity"),
        (10_000.01, "lines.0.quantity"),
        (1.255, "lines.0.quantity"),
    ):
        lines = (
            [
                {"sor_code": "PLB:20130", "quantity": 1},
                {"sor_code": "PLB:20110", "quantity": quantity},
            ]
            if field == "lines.1.quantity"
            else [{"sor_code": "PLB:20130", "quantity": quantity}]
        )
        response = await staff.post(
            "/v1/work-orders", json={"repair_id": repair["id"], "lines": lines}
        )
        assert response.status_code == 422, (quantity, response.text)
        assert [e["field"] for e in response.json()["errors"]] == [field], quantity
    assert await published(repairs_database, uprn) == before
