"""Recording pre-action protocol steps takes If-Match with the arrears case's ETag, as
PATCH of a home does: without it a 428, with a stale one a 412 that changes nothing,
with the current one the steps and the next ETag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx


async def test_protocol_steps_need_the_cases_current_etag(
    income: httpx.AsyncClient, start_tenancy: Any
) -> None:
    account = (await start_tenancy())["rent_account_id"]
    case_path = f"/v1/rent-accounts/{account}/arrears-case"
    got = await income.get(case_path)
    assert got.status_code == 200, got.text
    etag = got.headers["etag"]
    assert etag == f'"{got.json()["version"]}"'
    contacted = (datetime.now(UTC) - timedelta(days=1)).isoformat()

    without = await income.patch(f"{case_path}/protocol", json={"tenant_contacted_at": contacted})
    assert without.status_code == 428
    assert without.json()["errors"][0]["field"] == "If-Match"

    recorded = await income.patch(
        f"{case_path}/protocol", json={"tenant_contacted_at": contacted}, headers={"If-Match": etag}
    )
    assert recorded.status_code == 200, recorded.text
    following = recorded.headers["etag"]
    assert following == f'"{got.json()["version"] + 1}"'

    stale = await income.patch(
        f"{case_path}/protocol",
        json={"statements_given_at": contacted},
        headers={"If-Match": etag},
    )
    assert stale.status_code == 412
    assert stale.json()["errors"][0]["field"] == "If-Match"
    now = await income.get(case_path)
    assert now.json()["statements_given_at"] is None
    assert now.json()["tenant_contacted_at"] is not None
    assert now.headers["etag"] == following
