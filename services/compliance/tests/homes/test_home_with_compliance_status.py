"""`GET /v1/homes/{uprn}?include=compliance_status`: one home with its compliance status
(what `GET /v1/compliance/homes/{uprn}` answers), so the gateway's home composite asks
compliance once, not twice (issue 11). The include needs `compliance:read` besides the
register's own scope; any other include is a 422 naming `include`."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx

from hearth_kit.db import Database
from services.compliance.tests.factories import a_record
from tests.harness.tokens import STAFF_SCOPES, InternalTokenAuth

from .test_endpoints import a_home, a_uprn, outbox_count

INCLUDE = {"include": "compliance_status"}


def status_reader() -> InternalTokenAuth:
    """Calls as a member of staff who may also read the programme (compliance:read)."""
    return InternalTokenAuth("compliance", scopes=STAFF_SCOPES | {"compliance:read"})


async def registered(compliance: httpx.AsyncClient, **overrides: object) -> dict[str, Any]:
    response = await compliance.post("/v1/homes", json=a_home(a_uprn(), **overrides))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def status_of(compliance: httpx.AsyncClient, uprn: str) -> dict[str, Any]:
    response = await compliance.get(f"/v1/compliance/homes/{uprn}", auth=status_reader())
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_a_gas_home_carries_the_status_the_status_route_answers(
    compliance: httpx.AsyncClient,
) -> None:
    home = await registered(compliance)
    uprn = home["uprn"]
    record = a_record(uprn, date.today())
    recorded = await compliance.post("/v1/gas-safety-records", json=record)
    assert recorded.status_code == 201, recorded.text
    plain = await compliance.get(f"/v1/homes/{uprn}")

    response = await compliance.get(f"/v1/homes/{uprn}", params=INCLUDE, auth=status_reader())

    assert response.status_code == 200, response.text
    assert response.headers["etag"] == plain.headers["etag"]
    status = await status_of(compliance, uprn)
    assert response.json() == {**plain.json(), "compliance_status": status}
    gas = [c for c in status["checks"] if c["check_type"] == "gas_safety"]
    assert len(gas) == 2  # the completed check and the next one
    assert status["gas_check_status"] is not None


async def test_a_home_without_gas_checks_carries_its_status_too(
    compliance: httpx.AsyncClient,
) -> None:
    home = await registered(compliance, heating_fuel="electric", gas_supply="none")
    uprn = home["uprn"]

    response = await compliance.get(f"/v1/homes/{uprn}", params=INCLUDE, auth=status_reader())

    assert response.status_code == 200, response.text
    status = await status_of(compliance, uprn)
    assert response.json() == {**home, "compliance_status": status}
    assert status["gas_status"] == "none"
    assert status["gas_check_status"] is None
    assert all(c["check_type"] != "gas_safety" for c in status["checks"])


async def test_without_include_the_home_is_as_it_was(compliance: httpx.AsyncClient) -> None:
    home = await registered(compliance)
    response = await compliance.get(f"/v1/homes/{home['uprn']}", auth=status_reader())
    assert response.status_code == 200, response.text
    assert response.json() == home
    assert "compliance_status" not in response.json()
    assert response.headers["etag"] == f'"{home["version"]}"'


async def test_include_needs_the_compliance_read_scope_and_changes_nothing(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    home = await registered(compliance)
    uprn = home["uprn"]
    events = await outbox_count(compliance_database, uprn)
    register_only = InternalTokenAuth("compliance", scopes=STAFF_SCOPES)

    refused = await compliance.get(f"/v1/homes/{uprn}", params=INCLUDE, auth=register_only)

    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"
    problem = refused.json()
    assert problem["missing_scopes"] == ["compliance:read"]
    assert "compliance:read" in problem["detail"]
    assert "checks" not in problem
    assert (await compliance.get(f"/v1/homes/{uprn}", auth=register_only)).json() == home
    assert await outbox_count(compliance_database, uprn) == events


async def test_include_takes_only_compliance_status(compliance: httpx.AsyncClient) -> None:
    home = await registered(compliance)
    response = await compliance.get(
        f"/v1/homes/{home['uprn']}", params={"include": "checks"}, auth=status_reader()
    )
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert (error["field"], error["location"]) == ("include", "query")


async def test_an_unknown_home_with_include_is_404(compliance: httpx.AsyncClient) -> None:
    response = await compliance.get(f"/v1/homes/{a_uprn()}", params=INCLUDE, auth=status_reader())
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_block_is_not_a_home_with_include(compliance: httpx.AsyncClient) -> None:
    """The status route answers for a block too; the home route does not (404 as without
    the include), so the include never turns a block into a home."""
    uprn = a_uprn()
    block = {"uprn": uprn, "name": "Lennox House"}
    assert (await compliance.post("/v1/blocks", json=block)).status_code == 201
    assert (await compliance.get(f"/v1/compliance/homes/{uprn}")).status_code == 200
    response = await compliance.get(f"/v1/homes/{uprn}", params=INCLUDE, auth=status_reader())
    assert response.status_code == 404


async def test_the_openapi_says_the_include_the_optional_field_and_the_403(
    compliance: httpx.AsyncClient,
) -> None:
    document = (await compliance.get("/openapi.json")).json()
    operation = document["paths"]["/v1/homes/{uprn}"]["get"]
    [include] = [p for p in operation["parameters"] if p["name"] == "include"]
    assert (include["in"], include["required"]) == ("query", False)
    assert {"const": "compliance_status", "type": "string"} in include["schema"]["anyOf"]
    assert "403" in operation["responses"]
    schemas = document["components"]["schemas"]
    ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    home = schemas[ref.rsplit("/", 1)[1]]
    assert "compliance_status" not in home["required"]
    assert {"$ref": "#/components/schemas/HomeCompliance"} in home["properties"][
        "compliance_status"
    ]["anyOf"]
    status_route = document["paths"]["/v1/compliance/homes/{uprn}"]["get"]
    assert status_route["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/HomeCompliance"
    }
