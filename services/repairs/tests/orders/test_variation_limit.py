"""A variation is approved within the approver's limit (DOMAIN.md): exactly the limit
is within it, a penny more is refused naming amount_pence and changes nothing."""

from __future__ import annotations

import httpx

from hearth_kit.db import Database
from repairs.settings import RepairsSettings
from services.repairs.tests.contractor_doubles import contractor, manager
from services.repairs.tests.orders.test_work_orders import a_uprn, a_work_order


async def test_a_variation_of_exactly_the_approvers_limit_is_approved_and_a_penny_more_refused(
    staff: httpx.AsyncClient, repairs_database: Database, contracted_settings: RepairsSettings
) -> None:
    limit = contracted_settings.variation_approver_limit_pence
    order = await a_work_order(staff, repairs_database, a_uprn())
    requested = await staff.post(
        f"/v1/contractor/work-orders/{order['id']}/status",
        json={"status": "variation_requested", "variation_pence": limit + 1},
        auth=contractor("plumbfast"),
    )
    assert requested.status_code == 200, requested.text
    approval = f"/v1/work-orders/{order['id']}/variation-approval"
    over = await staff.post(approval, json={"amount_pence": limit + 1}, auth=manager())
    assert over.status_code == 422
    assert [e["field"] for e in over.json()["errors"]] == ["amount_pence"]
    unchanged = await staff.get(f"/v1/work-orders/{order['id']}")
    assert unchanged.json()["variation_approved_pence"] is None
    at_limit = await staff.post(approval, json={"amount_pence": limit}, auth=manager())
    assert at_limit.status_code == 200, at_limit.text
    assert at_limit.json()["variation_approved_pence"] == limit
