"""Staff routes refuse a contractor's token in the service itself (issue 6: isolation is
decided here, not only at the gateway). The routes are read from the app, so a staff
route added later is checked too; variation approval and Awaab's Law writes also need
repairs:manage; the contractor API still answers a contractor."""

from __future__ import annotations

import random
import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from gateway.routes.repairs import ROUTES
from hearth_kit.db import Database
from repairs.app import create_app
from repairs.settings import RepairsSettings
from services.repairs.tests.contractor_doubles import contractor, manager
from services.repairs.tests.orders.test_work_orders import a_work_order
from tests.harness.tokens import STAFF_SCOPES, InternalTokenAuth


def staff_routes() -> list[tuple[str, str]]:
    """Every (method, path) of the service's public API, from its OpenAPI document,
    except the contractor API (the kit's /admin routes need the admin scope, which the
    gateway never grants)."""
    app = create_app(RepairsSettings(database_url="postgresql+asyncpg://unused/unused"))
    return sorted(
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/v1/") and not path.startswith("/v1/contractor/")
        for method in operations
    )


STAFF_ROUTES = staff_routes()

PATH_VALUES = {"uprn": "100000000001", "milestone": "investigate"}


def concrete(path: str) -> str:
    """The route's path with each parameter filled in (an id is a fresh UUID)."""
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), str(uuid.uuid4())), path)


CONTRACTOR_TOKENS = {
    "contractor": InternalTokenAuth("repairs", scopes={"contractor"}, contractor_id="sparks"),
    "contractor-with-staff-scopes": InternalTokenAuth(
        "repairs",
        scopes=STAFF_SCOPES | {"repairs:manage", "contractor"},
        contractor_id="sparks",
    ),
    "contractor-id-only": InternalTokenAuth(
        "repairs", scopes=STAFF_SCOPES | {"repairs:manage"}, contractor_id="sparks"
    ),
}


def test_the_staff_routes_are_all_found() -> None:
    """The parametrised list below is the app's, not a hand-kept one."""
    assert ("GET", "/v1/work-orders") in STAFF_ROUTES
    assert ("POST", "/v1/work-orders/{work_order_id}/variation-approval") in STAFF_ROUTES
    assert ("POST", "/v1/awaab-cases/{case_id}/clocks/{milestone}/pause") in STAFF_ROUTES
    passed_through = {
        (row.method, row.upstream_path or row.path)
        for row in ROUTES
        if not row.path.startswith("/v1/contractor/")
    }
    assert passed_through <= set(STAFF_ROUTES)


@pytest.mark.parametrize("token", list(CONTRACTOR_TOKENS))
@pytest.mark.parametrize(("method", "path"), STAFF_ROUTES)
async def test_every_staff_route_refuses_a_contractors_token(
    staff: httpx.AsyncClient, method: str, path: str, token: str
) -> None:
    response = await staff.request(
        method,
        concrete(path),
        json={} if method == "POST" else None,
        headers={"Idempotency-Key": str(uuid.uuid4())} if method == "POST" else None,
        auth=CONTRACTOR_TOKENS[token],
    )
    assert response.status_code == 403, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "contractor API" in response.json()["detail"]


async def test_a_contractor_cannot_read_or_approve_through_the_staff_routes(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    """The reviewer's cases: another contractor's work order by id and in the list, and a
    contractor approving its own variation; the contractor API still works."""
    uprn = str(random.randint(10**9, 10**12 - 1))
    order = await a_work_order(staff, repairs_database, uprn)  # plumbfast's
    path = f"/v1/work-orders/{order['id']}"
    assert (await staff.get(path, auth=contractor("sparks"))).status_code == 403
    assert (await staff.get("/v1/work-orders", auth=contractor("sparks"))).status_code == 403
    own = f"/v1/contractor/work-orders/{order['id']}"
    asked = await staff.post(
        f"{own}/status",
        json={"status": "variation_requested", "variation_pence": 20_000},
        auth=contractor("plumbfast"),
    )
    assert asked.status_code == 200, asked.text
    approved = await staff.post(
        f"{path}/variation-approval", json={"amount_pence": 20_000}, auth=contractor("plumbfast")
    )
    assert approved.status_code == 403
    mine = await staff.get(own, auth=contractor("plumbfast"))
    assert mine.status_code == 200
    assert mine.json()["variation_approved_pence"] is None
    listed = await staff.get("/v1/contractor/work-orders", auth=contractor("plumbfast"))
    assert order["id"] in {o["id"] for o in listed.json()["items"]}
    assert (await staff.get(own, auth=contractor("sparks"))).status_code == 404


async def test_variation_approval_and_awaab_writes_need_repairs_manage(
    staff: httpx.AsyncClient, repairs_database: Database
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    order = await a_work_order(staff, repairs_database, uprn)
    await staff.post(
        f"/v1/contractor/work-orders/{order['id']}/status",
        json={"status": "variation_requested", "variation_pence": 10_000},
        auth=contractor("plumbfast"),
    )
    approval = f"/v1/work-orders/{order['id']}/variation-approval"
    refused = await staff.post(approval, json={"amount_pence": 10_000})  # staff, no manage
    assert refused.status_code == 403
    assert refused.json()["missing_scopes"] == ["repairs:manage"]
    assert (await staff.get(f"/v1/work-orders/{order['id']}")).json()[
        "variation_approved_pence"
    ] is None
    approved = await staff.post(approval, json={"amount_pence": 10_000}, auth=manager())
    assert approved.status_code == 200, approved.text

    aware = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    case = {"uprn": uprn, "severity": "significant", "became_aware_at": aware}
    assert (await staff.post("/v1/awaab-cases", json=case)).status_code == 403
    assert (await staff.get("/v1/awaab-cases", params={"uprn": uprn})).json()["items"] == []
    opened = await staff.post("/v1/awaab-cases", json=case, auth=manager())
    assert opened.status_code == 201, opened.text
    clock = f"/v1/awaab-cases/{opened.json()['id']}/clocks/investigate"
    at = {"at": datetime.now(UTC).isoformat()}
    for action, body in (
        ("pause", {**at, "reason": "tenant_refused_access"}),
        ("resume", at),
        ("stop", {**at, "evidence": ["survey/1.pdf"]}),
    ):
        response = await staff.post(f"{clock}/{action}", json=body)
        assert response.status_code == 403, action
        assert response.json()["missing_scopes"] == ["repairs:manage"]
    assert (await staff.get("/v1/awaab-cases", params={"uprn": uprn})).json()["items"][0]["clocks"][
        0
    ]["pauses"] == []
