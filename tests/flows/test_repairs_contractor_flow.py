"""Repairs through the gateway on a real broker and databases: a repair reported,
triaged into a work order for the trade's contractor, an appointment booked from real
free slots, the contractor completing it through the contractor API; a contractor
never sees another's work order, through the gateway or directly on the service."""

from __future__ import annotations

import json
import os
import random
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from gateway.auth import issue_development_token
from hearth_kit.db import Database
from repairs.sor.service import import_schedule
from tests.harness.infra import DatabaseFactory
from tests.harness.platform import Platform, run_platform
from tests.harness.tokens import InternalTokenAuth

pytestmark = pytest.mark.integration

CONTRACTORS = {"plumbfast": {"trades": ["plumbing"]}, "sparks": {"trades": ["electrical"]}}
SOR_CSV = [
    "schedule,code,description,trade,unit,unit_price\n",
    "PLB,20110,Renew tap washer,plumbing,each,12.50\n",
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
    async with run_platform(kafka, databases) as running:
        db = Database(running.service("repairs").database_url)
        try:
            async with db.sessionmaker() as session, session.begin():
                await import_schedule(session, SOR_CSV)
        finally:
            await db.dispose()
        yield running


def bearer(role: str, subject: str, contractor_id: str | None = None) -> dict[str, str]:
    token = issue_development_token(role=role, subject=subject, contractor_id=contractor_id)
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
async def gateway(platform: Platform) -> AsyncIterator[httpx.AsyncClient]:
    async with platform.client("gateway") as client:
        yield client


async def a_work_order(gateway: httpx.AsyncClient, manager: dict[str, str]) -> dict[str, Any]:
    uprn = str(random.randint(10**9, 10**12 - 1))
    repair = await gateway.post(
        "/v1/repairs",
        headers=manager,
        json={
            "uprn": uprn,
            "description": "Kitchen tap dripping",
            "location": "kitchen",
            "trade": "plumbing",
            "triage": {"affects_daily_living": True},
        },
    )
    assert repair.status_code == 201, repair.text
    assert repair.json()["priority"] == "urgent"
    order = await gateway.post(
        "/v1/work-orders",
        headers=manager,
        json={
            "repair_id": repair.json()["id"],
            "lines": [{"sor_code": "PLB:20110", "quantity": 1}],
        },
    )
    assert order.status_code == 201, order.text
    return dict(order.json())


async def test_a_repair_from_report_to_completion_by_its_contractor(
    gateway: httpx.AsyncClient,
) -> None:
    manager = bearer("repairs_manager", "manager-1")
    plumbfast = bearer("contractor", "plumbfast-app", "plumbfast")
    order = await a_work_order(gateway, manager)
    assert order["contractor_id"] == "plumbfast"

    free = await gateway.get(
        "/v1/appointments/availability",
        headers=manager,
        params={"uprn": order["uprn"], "trades": "plumbing"},
    )
    assert free.status_code == 200, free.text
    other = await a_work_order(gateway, manager)
    slot = free.json()["slots"][0]
    booked = await gateway.post(
        "/v1/appointments",
        headers=manager,
        json={"work_order_ids": [other["id"]], "day": slot["day"], "slot": slot["slot"]},
    )
    assert booked.status_code == 201, booked.text
    upcoming = await gateway.get(
        "/v1/appointments", headers=manager, params={"uprn": other["uprn"], "status": "booked"}
    )
    assert [a["id"] for a in upcoming.json()["items"]] == [booked.json()["id"]]

    mine = await gateway.get("/v1/contractor/work-orders", headers=plumbfast)
    assert order["id"] in {o["id"] for o in mine.json()["items"]}
    done = await gateway.post(
        f"/v1/contractor/work-orders/{order['id']}/completion",
        headers={**plumbfast, "Idempotency-Key": f"complete-{order['id']}"},
        json={"completed_at": datetime.now(UTC).isoformat()},
    )
    assert done.status_code == 200, done.text
    assert done.json()["completed_on_time"] is True
    repair = await gateway.get(f"/v1/repairs/{order['repair_id']}", headers=manager)
    assert repair.json()["status"] == "completed"


async def test_another_contractors_work_order_is_not_found_through_the_gateway_or_directly(
    gateway: httpx.AsyncClient, platform: Platform
) -> None:
    order = await a_work_order(gateway, bearer("repairs_manager", "manager-2"))
    sparks = bearer("contractor", "sparks-app", "sparks")
    path = f"/v1/contractor/work-orders/{order['id']}"
    through_gateway = await gateway.get(path, headers=sparks)
    assert through_gateway.status_code == 404
    status = await gateway.post(f"{path}/status", headers=sparks, json={"status": "in_progress"})
    assert status.status_code == 404
    staff_route = await gateway.get(f"/v1/work-orders/{order['id']}", headers=sparks)
    assert staff_route.status_code == 403
    async with httpx.AsyncClient(
        base_url=platform.service("repairs").url,
        auth=InternalTokenAuth("repairs", scopes={"contractor"}, contractor_id="sparks"),
    ) as direct:
        assert (await direct.get(path)).status_code == 404
        assert (await direct.get("/v1/contractor/work-orders")).json()["items"] == []
    plumbfast = bearer("contractor", "plumbfast-app", "plumbfast")
    assert (await gateway.get(path, headers=plumbfast)).status_code == 200
