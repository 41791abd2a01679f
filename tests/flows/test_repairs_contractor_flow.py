"""Repairs through the gateway on a real broker and databases: a repair reported,
triaged into a work order for the trade's contractor, an appointment booked from real
free slots, the contractor completing it through the contractor API; a contractor
never sees another's work order, through the gateway or directly on the service.

Written to hold under a loaded machine: only repairs and the gateway run (nothing here
waits on another service's consumer); every write carries an Idempotency-Key and is
retried with it when the gateway gives up on a slow call (the retry gets the stored
response, so nothing is done twice); the slot booked starts well after the search, so
it cannot have started by the time it is booked; no fixed waits on the clock.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from gateway.auth import issue_development_token
from repairs.sor.service import import_schedule
from tests.harness.infra import DatabaseFactory
from tests.harness.platform import Platform, run_platform
from tests.harness.service import opened_database
from tests.harness.tokens import InternalTokenAuth

pytestmark = pytest.mark.integration

CONTRACTORS = {"plumbfast": {"trades": ["plumbing"]}, "sparks": {"trades": ["electrical"]}}
SOR_CSV = [
    "schedule,code,description,trade,unit,unit_price\n",
    "PLB,20110,Renew tap washer,plumbing,each,12.50\n",
    "PLB,20130,Renew copper pipe,plumbing,m,13.33\n",
]


@pytest.fixture(scope="module")
def two_contractors() -> Iterator[None]:
    """Repairs' contractors are configuration (HEARTH_REPAIRS_CONTRACTORS)."""
    before = os.environ.get("HEARTH_REPAIRS_CONTRACTORS")
    os.environ["HEARTH_REPAIRS_CONTRACTORS"] = json.dumps(CONTRACTORS)
    yield
    if before is None:
        del os.environ["HEARTH_REPAIRS_CONTRACTORS"]
    else:
        os.environ["HEARTH_REPAIRS_CONTRACTORS"] = before


@pytest.fixture(scope="module")
async def platform(
    kafka: str, databases: DatabaseFactory, two_contractors: None
) -> AsyncIterator[Platform]:
    async with run_platform(kafka, databases, services=("repairs",)) as running:
        async with (
            opened_database(running.service("repairs").database_url) as db,
            db.sessionmaker() as session,
            session.begin(),
        ):
            await import_schedule(session, SOR_CSV)
        yield running


def bearer(role: str, subject: str, contractor_id: str | None = None) -> dict[str, str]:
    token = issue_development_token(role=role, subject=subject, contractor_id=contractor_id)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
async def gateway(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with platform.client("gateway") as client:
        yield client


RETRIED = {409, 502, 503, 504}
"""What a write is retried on, with the same Idempotency-Key: the gateway gave up on a
slow call (502/503/504), or the first attempt is still being processed (409 naming
Idempotency-Key). The retry is answered with the first attempt's stored response."""


async def write(
    client: httpx.AsyncClient, path: str, headers: dict[str, str], body: dict[str, Any]
) -> httpx.Response:
    """POST once in effect: an Idempotency-Key, retried with it (for up to a minute)."""
    keyed = {**headers, "Idempotency-Key": f"flow-{uuid.uuid4()}"}
    async with asyncio.timeout(60):
        while True:
            try:
                response = await client.post(path, headers=keyed, json=body)
            except httpx.TimeoutException:
                continue
            if response.status_code not in RETRIED or (
                response.status_code == 409
                and "Idempotency-Key"
                not in {e.get("field") for e in response.json().get("errors", [])}
            ):
                return response
            await asyncio.sleep(0.5)


async def read(client: httpx.AsyncClient, path: str, **kwargs: Any) -> httpx.Response:
    """GET, asked again when the gateway gave up on a slow call (a read changes nothing)."""
    async with asyncio.timeout(60):
        while True:
            try:
                response = await client.get(path, **kwargs)
            except httpx.TimeoutException:
                continue
            if response.status_code not in {502, 503, 504}:
                return response
            await asyncio.sleep(0.5)


async def a_work_order(
    gateway: httpx.AsyncClient,
    manager: dict[str, str],
    lines: list[dict[str, Any]] | None = None,
    **reported: Any,
) -> dict[str, Any]:
    uprn = str(random.randint(10**9, 10**12 - 1))
    repair = await write(
        gateway,
        "/v1/repairs",
        manager,
        {
            "uprn": uprn,
            "description": "Kitchen tap dripping",
            "location": "kitchen",
            "trade": "plumbing",
            "triage": {"affects_daily_living": True},
            **reported,
        },
    )
    assert repair.status_code == 201, repair.text
    assert repair.json()["priority"] == "urgent"
    order = await write(
        gateway,
        "/v1/work-orders",
        manager,
        {
            "repair_id": repair.json()["id"],
            "lines": lines or [{"sor_code": "PLB:20110", "quantity": 1}],
        },
    )
    assert order.status_code == 201, order.text
    return dict(order.json())


async def test_a_repair_from_report_to_completion_by_its_contractor(
    gateway: httpx.AsyncClient,
) -> None:
    manager = bearer("repairs_manager", "manager-1")
    plumbfast = bearer("contractor", "plumbfast-app", "plumbfast")
    complaint_id = str(uuid.uuid4())
    order = await a_work_order(
        gateway,
        manager,
        [{"sor_code": "PLB:20130", "quantity": 2.5}, {"sor_code": "PLB:20110", "quantity": 1}],
        source="complaint",
        complaint_id=complaint_id,
    )
    assert order["contractor_id"] == "plumbfast"
    # 2.5 m at 1,333p is 3,332.5p, rounded half up
    assert [(line["quantity"], line["line_pence"]) for line in order["lines"]] == [
        (2.5, 3333),
        (1, 1250),
    ]

    free = await read(
        gateway,
        "/v1/appointments/availability",
        headers=manager,
        params={"uprn": order["uprn"], "trades": "plumbing"},
    )
    assert free.status_code == 200, free.text
    other = await a_work_order(gateway, manager)
    # a slot starting soon after the search may have started by the time it is booked
    # on a slow machine (then the service rightly refuses it): book one well ahead
    well_ahead = datetime.now(UTC) + timedelta(hours=2)
    slot = next(
        s for s in free.json()["slots"] if datetime.fromisoformat(s["window_start"]) > well_ahead
    )
    booked = await write(
        gateway,
        "/v1/appointments",
        manager,
        {"work_order_ids": [other["id"]], "day": slot["day"], "slot": slot["slot"]},
    )
    assert booked.status_code == 201, booked.text
    upcoming = await read(
        gateway,
        "/v1/appointments",
        headers=manager,
        params={"uprn": other["uprn"], "status": "booked"},
    )
    assert [a["id"] for a in upcoming.json()["items"]] == [booked.json()["id"]]

    mine = await read(
        gateway, "/v1/contractor/work-orders", headers=plumbfast, params={"limit": 200}
    )
    assert order["id"] in {o["id"] for o in mine.json()["items"]}
    done = await write(
        gateway,
        f"/v1/contractor/work-orders/{order['id']}/completion",
        plumbfast,
        {"completed_at": datetime.now(UTC).isoformat()},
    )
    assert done.status_code == 200, done.text
    assert done.json()["completed_on_time"] is True
    repair = await read(gateway, f"/v1/repairs/{order['repair_id']}", headers=manager)
    assert repair.json()["status"] == "completed"
    assert (repair.json()["source"], repair.json()["complaint_id"]) == ("complaint", complaint_id)


async def test_another_contractors_work_order_is_not_found_through_the_gateway_or_directly(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    order = await a_work_order(gateway, bearer("repairs_manager", "manager-2"))
    sparks = bearer("contractor", "sparks-app", "sparks")
    path = f"/v1/contractor/work-orders/{order['id']}"
    through_gateway = await read(gateway, path, headers=sparks)
    assert through_gateway.status_code == 404
    status = await write(gateway, f"{path}/status", sparks, {"status": "in_progress"})
    assert status.status_code == 404
    staff_route = await read(gateway, f"/v1/work-orders/{order['id']}", headers=sparks)
    assert staff_route.status_code == 403
    async with httpx.AsyncClient(
        base_url=platform.service("repairs").url,
        auth=InternalTokenAuth("repairs", scopes={"contractor"}, contractor_id="sparks"),
    ) as direct:
        assert (await read(direct, path)).status_code == 404
        assert (await read(direct, "/v1/contractor/work-orders")).json()["items"] == []
    plumbfast = bearer("contractor", "plumbfast-app", "plumbfast")
    assert (await read(gateway, path, headers=plumbfast)).status_code == 200
