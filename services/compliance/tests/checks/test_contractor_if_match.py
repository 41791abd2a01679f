"""Assigning a check to a contractor takes If-Match with the check's ETag, as PATCH of
a home does: without it a 428, with a stale one a 412 that changes nothing, with the
current one the assignment and the next ETag."""

from __future__ import annotations

import random
from typing import Any

import httpx


async def an_open_gas_check(compliance: httpx.AsyncClient) -> dict[str, Any]:
    uprn = str(random.randint(10**9, 10**12 - 1))
    home = {
        "uprn": uprn,
        "address_line_1": "3 Well Street",
        "town": "London",
        "postcode": "E9 7PX",
        "property_type": "house",
        "heating_fuel": "gas",
        "gas_supply": "live",
    }
    assert (await compliance.post("/v1/homes", json=home)).status_code == 201
    checks = (await compliance.get(f"/v1/compliance/homes/{uprn}")).json()["checks"]
    check: dict[str, Any] = next(c for c in checks if c["check_type"] == "gas_safety")
    return check


async def test_assigning_a_contractor_needs_the_checks_current_etag(
    compliance: httpx.AsyncClient,
) -> None:
    check = await an_open_gas_check(compliance)
    path = f"/v1/compliance/checks/{check['id']}"
    got = await compliance.get(path)
    etag = got.headers["etag"]
    assert etag == '"1"' == f'"{check["version"]}"'

    without = await compliance.put(f"{path}/contractor", json={"contractor_id": "GASCO"})
    assert without.status_code == 428
    assert without.json()["errors"][0]["field"] == "If-Match"

    assigned = await compliance.put(
        f"{path}/contractor", json={"contractor_id": "GASCO"}, headers={"If-Match": etag}
    )
    assert assigned.status_code == 200, assigned.text
    assert assigned.headers["etag"] == '"2"'
    assert assigned.json()["version"] == 2

    stale = await compliance.put(
        f"{path}/contractor", json={"contractor_id": "OTHERCO"}, headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    assert stale.json()["errors"][0]["field"] == "If-Match"
    now = await compliance.get(path)
    assert now.json()["contractor_id"] == "GASCO"
    assert now.headers["etag"] == '"2"'
