"""PATCH /v1/blocks/{uprn} corrects a block's entry as a home's PATCH does (If-Match with
its ETag: 428 without, 412 stale), and its communal checks follow: a communal boiler
taken out withdraws the block's gas check, a lift put in raises its inspection. Before,
a block could only be registered: a mistyped name stayed, and a boiler removed left its
gas check overdue and escalated for good."""

from __future__ import annotations

from typing import Any

import httpx

from services.compliance.tests.conftest import Published
from services.compliance.tests.factories import a_block


async def open_check_types(compliance: httpx.AsyncClient, uprn: str) -> set[str]:
    body = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()
    return {c["check_type"] for c in body["checks"] if c["completed_at"] is None}


async def test_a_blocks_entry_is_corrected_and_its_checks_follow(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    block = await a_block(compliance, communal_boiler=True)
    read = await compliance.get(f"/v1/blocks/{block}")
    assert read.headers["ETag"] == '"1"'
    assert "gas_safety" in await open_check_types(compliance, block)
    assert "lift" not in await open_check_types(compliance, block)

    body: dict[str, Any] = {
        "name": "Hollis House North",
        "communal_boiler": False,
        "has_lift": True,
    }
    missing = await compliance.patch(f"/v1/blocks/{block}", json=body)
    assert missing.status_code == 428, missing.text
    changed = await compliance.patch(f"/v1/blocks/{block}", json=body, headers={"If-Match": '"1"'})
    assert changed.status_code == 200, changed.text
    assert changed.headers["ETag"] == '"2"'
    assert (changed.json()["name"], changed.json()["version"]) == ("Hollis House North", 2)
    assert changed.json()["updated_at"] is not None
    types = await open_check_types(compliance, block)
    assert "gas_safety" not in types
    assert "lift" in types
    [withdrawn] = await published("check-withdrawn", block)
    assert withdrawn["check_type"] == "gas_safety"

    stale = await compliance.patch(
        f"/v1/blocks/{block}", json={"name": "Hollis House"}, headers={"If-Match": '"1"'}
    )
    assert stale.status_code == 412, stale.text
    assert [e["field"] for e in stale.json()["errors"]] == ["If-Match"]
    removed = await compliance.patch(
        f"/v1/blocks/{block}", json={"name": None}, headers={"If-Match": '"2"'}
    )
    assert removed.status_code == 422, removed.text
    assert [e["field"] for e in removed.json()["errors"]] == ["name"]
    assert (await compliance.get(f"/v1/blocks/{block}")).json()["name"] == "Hollis House North"


async def test_a_block_not_registered_is_a_404(compliance: httpx.AsyncClient) -> None:
    response = await compliance.patch(
        "/v1/blocks/999999999999", json={"name": "Nowhere"}, headers={"If-Match": '"1"'}
    )
    assert response.status_code == 404, response.text
