"""A reference a request lists (an Awaab's Law clock's evidence, a completion's photos)
is something besides whitespace: a clock stopped on evidence of [" "] was met with
nothing to show for it. A 422 naming the item, nothing changed."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx

from hearth_kit.db import Database
from services.repairs.tests.awaab.test_cases import a_uprn
from services.repairs.tests.contractor_doubles import contractor, manager
from services.repairs.tests.orders.test_work_orders import a_work_order, published


async def test_a_clock_stopped_on_evidence_of_whitespace_is_refused_naming_it(
    staff: httpx.AsyncClient,
) -> None:
    aware = datetime.now(UTC) - timedelta(days=3)
    opened = await staff.post(
        "/v1/awaab-cases",
        json={"uprn": a_uprn(), "severity": "significant", "became_aware_at": aware.isoformat()},
        auth=manager(),
    )
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["id"]
    stopped = await staff.post(
        f"/v1/awaab-cases/{case_id}/clocks/investigate/stop",
        json={"at": datetime.now(UTC).isoformat(), "evidence": ["survey/1.pdf", "  "]},
        auth=manager(),
    )
    assert stopped.status_code == 422, stopped.text
    assert [e["field"] for e in stopped.json()["errors"]] == ["evidence.1"]
    case = (await staff.get(f"/v1/awaab-cases/{case_id}", auth=manager())).json()
    [clock] = case["clocks"]
    assert (clock["met"], clock["evidence"]) == (None, [])


async def test_a_completion_photo_of_whitespace_is_refused_naming_it(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = a_uprn()
    order = await a_work_order(staff, repairs_database, uprn)
    done = await staff.post(
        f"/v1/contractor/work-orders/{order['id']}/completion",
        json={"completed_at": datetime.now(UTC).isoformat(), "photo_references": [""]},
        auth=contractor("plumbfast"),
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert done.status_code == 422, done.text
    assert [e["field"] for e in done.json()["errors"]] == ["photo_references.0"]
    assert await published(repairs_database, uprn, "repair-completed") == []
