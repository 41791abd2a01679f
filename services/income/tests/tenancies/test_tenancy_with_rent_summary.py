"""`GET /v1/tenancies/{id}?include=rent_summary`: one tenancy with its rent account's
summary, so the gateway's tenancy overview asks income once, not twice in a row
(docs/adr/0022-composite-per-request-work.md)."""

from __future__ import annotations

import uuid

import httpx

from tests.harness.tokens import STAFF_SCOPES, InternalTokenAuth

from .test_endpoints import a_tenancy, a_uprn


def rent_reader() -> InternalTokenAuth:
    return InternalTokenAuth("income", scopes=STAFF_SCOPES | {"income:read"})


async def test_a_tenancy_by_id_carries_its_rent_summary_when_asked(
    income: httpx.AsyncClient,
) -> None:
    started = (await income.post("/v1/tenancies", json=a_tenancy(a_uprn()))).json()
    response = await income.get(
        f"/v1/tenancies/{started['id']}", params={"include": "rent_summary"}, auth=rent_reader()
    )
    assert response.status_code == 200, response.text
    summary = (await income.get(f"/v1/rent-accounts/{started['rent_account_id']}/summary")).json()
    assert response.json() == {**started, "rent_summary": summary}


async def test_without_include_a_tenancy_by_id_is_as_it_was(income: httpx.AsyncClient) -> None:
    started = (await income.post("/v1/tenancies", json=a_tenancy(a_uprn()))).json()
    response = await income.get(f"/v1/tenancies/{started['id']}")
    assert response.json() == started


async def test_include_on_a_tenancy_by_id_needs_the_rent_scope(income: httpx.AsyncClient) -> None:
    started = (await income.post("/v1/tenancies", json=a_tenancy(a_uprn()))).json()
    tenancies_only = InternalTokenAuth("income", scopes={"tenancies:read"})
    refused = await income.get(
        f"/v1/tenancies/{started['id']}", params={"include": "rent_summary"}, auth=tenancies_only
    )
    assert refused.status_code == 403
    assert refused.json()["missing_scopes"] == ["income:read"]


async def test_an_unknown_tenancy_with_include_is_404(income: httpx.AsyncClient) -> None:
    response = await income.get(
        f"/v1/tenancies/{uuid.uuid4()}", params={"include": "rent_summary"}, auth=rent_reader()
    )
    assert response.status_code == 404
