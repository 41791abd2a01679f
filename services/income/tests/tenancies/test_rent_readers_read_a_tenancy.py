"""A rent reader (income:read without tenancies:read) reads one tenancy with its rent
summary, as it already read the list by home: the gateway's resident contact view shows
a resident's rent (`GET /v1/tenancies/{id}?include=rent_summary`) to whoever may read
rent, and a role with residents:read and income:read but not tenancies:read got a 403
there, shown as an income fault, instead of the rent."""

from __future__ import annotations

import httpx

from tests.harness.tokens import InternalTokenAuth

from .test_endpoints import a_tenancy, a_uprn


async def test_income_read_alone_reads_a_tenancy_with_its_rent_summary(
    income: httpx.AsyncClient,
) -> None:
    started = (await income.post("/v1/tenancies", json=a_tenancy(a_uprn()))).json()
    rent_only = InternalTokenAuth("income", scopes={"residents:read", "income:read"})
    response = await income.get(
        f"/v1/tenancies/{started['id']}", params={"include": "rent_summary"}, auth=rent_only
    )
    assert response.status_code == 200, response.text
    summary = (await income.get(f"/v1/rent-accounts/{started['rent_account_id']}/summary")).json()
    assert response.json() == {**started, "rent_summary": summary}
    listed = await income.get("/v1/tenancies", params={"uprn": started["uprn"]}, auth=rent_only)
    assert listed.status_code == 200, "the same exposure as the list by home"


async def test_without_either_scope_a_tenancy_is_refused(income: httpx.AsyncClient) -> None:
    started = (await income.post("/v1/tenancies", json=a_tenancy(a_uprn()))).json()
    residents_only = InternalTokenAuth("income", scopes={"residents:read"})
    refused = await income.get(f"/v1/tenancies/{started['id']}", auth=residents_only)
    assert refused.status_code == 403
    assert refused.json()["missing_scopes"] == ["tenancies:read"]
