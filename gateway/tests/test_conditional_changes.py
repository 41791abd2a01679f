"""Every change a service guards with If-Match reaches it with the caller's If-Match,
and its ETag, 412 and 428 come back as the service gave them (the homes pattern:
PATCH /v1/homes/{uprn}, a resident, an arrears case's protocol steps, a check's
contractor)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from gateway_stand_ins import KNOWN_UPRN, StandIns, bearer_with_scopes

# A fixed id: parametrised test ids must be the same in every xdist worker.
ID = str(uuid.UUID("6f1c2a52-0b7e-4d3a-9a51-3c2e8f0d7b14"))
CHANGES = [
    ("compliance", "PATCH", f"/v1/homes/{KNOWN_UPRN}", "homes:write"),
    ("engagement", "PATCH", f"/v1/residents/{ID}", "residents:write"),
    ("income", "PATCH", f"/v1/rent-accounts/{ID}/arrears-case/protocol", "income:write"),
    ("compliance", "PUT", f"/v1/compliance/checks/{ID}/contractor", "compliance:write"),
]


@pytest.mark.parametrize(("service", "method", "path", "scope"), CHANGES)
async def test_if_match_goes_through_and_the_etag_comes_back(
    gateway: httpx.AsyncClient,
    stand_ins: StandIns,
    service: str,
    method: str,
    path: str,
    scope: str,
) -> None:
    token = bearer_with_scopes(scope)
    changed = await gateway.request(
        method, path, json={"x": 1}, headers={**token, "If-Match": '"1"'}
    )
    assert changed.status_code == 200, changed.text
    assert changed.headers["etag"] == '"2"'
    assert stand_ins.received(service, method, path)[-1].headers["if-match"] == '"1"'

    stale = await gateway.request(method, path, json={"x": 1}, headers={**token, "If-Match": '"0"'})
    assert stale.status_code == 412
    without = await gateway.request(method, path, json={"x": 1}, headers=token)
    assert without.status_code == 428
    assert without.json()["errors"][0]["field"] == "If-Match"
