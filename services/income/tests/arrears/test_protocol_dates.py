"""A pre-action protocol step is dated when it was done: not in the future, and not
before the tenancy began (a contact, an offer or a statement then was not about this
tenancy's arrears, and would meet the protocol for a court step without a step taken).
Each a 422 naming the step, nothing recorded."""

from __future__ import annotations

from typing import Any

import httpx
import pytest


@pytest.mark.parametrize(
    "field",
    [
        "tenant_contacted_at",
        "arrangement_offered_at",
        "statements_given_at",
        "benefit_issues_pursued_at",
        "vulnerability_considered_at",
    ],
)
async def test_a_step_before_the_tenancy_started_is_refused(
    income: httpx.AsyncClient, start_tenancy: Any, field: str
) -> None:
    """Started 7 April 2025 (London): 6 April 23:30 in London (22:30 UTC) is the day
    before; 7 April 00:30 in London (6 April 23:30 UTC) is its first day."""
    account = (await start_tenancy(start_date="2025-04-07"))["rent_account_id"]
    case_path = f"/v1/rent-accounts/{account}/arrears-case"
    got = await income.get(case_path)
    seen = {"If-Match": got.headers["etag"]}
    refused = await income.patch(
        f"{case_path}/protocol", json={field: "2025-04-06T22:30:00Z"}, headers=seen
    )
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == field
    unchanged = await income.get(case_path)
    assert unchanged.json()[field] is None
    assert unchanged.headers["etag"] == got.headers["etag"]
    recorded = await income.patch(
        f"{case_path}/protocol", json={field: "2025-04-06T23:30:00Z"}, headers=seen
    )
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()[field] == "2025-04-06T23:30:00Z"
