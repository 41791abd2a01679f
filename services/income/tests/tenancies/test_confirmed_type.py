"""A trial confirmed becomes the type the law makes it: a council's introductory
tenancy secure (Housing Act 1996 s.125), a housing association's starter tenancy
assured. The decision took either, so an introductory tenancy confirmed as assured (or
a starter as secure) was kept and published: the wrong notice and grounds for
possession from then on, and a reinstatement putting back the wrong trial. Now a 422
naming tenancy_type, nothing kept or published."""

from __future__ import annotations

import httpx
import pytest

from hearth_kit.db import Database
from services.income.tests.conftest import StartTenancy
from services.income.tests.tenancies.test_endpoints import outbox_count


@pytest.mark.parametrize(
    ("trial", "wrong", "right"),
    [("introductory", "assured", "secure"), ("starter", "secure", "assured")],
)
async def test_a_trial_is_confirmed_only_as_the_type_it_becomes(
    income: httpx.AsyncClient,
    income_database: Database,
    start_tenancy: StartTenancy,
    trial: str,
    wrong: str,
    right: str,
) -> None:
    tenancy = await start_tenancy(start_date="2025-06-02", tenancy_type=trial)
    path = f"/v1/tenancies/{tenancy['id']}/type-decision"
    published = await outbox_count(income_database, tenancy["uprn"])

    refused = await income.post(
        path, json={"change": "confirmed", "tenancy_type": wrong, "effective_on": "2026-05-01"}
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["tenancy_type"]
    assert right in refused.json()["detail"]
    kept = (await income.get(f"/v1/tenancies/{tenancy['id']}")).json()
    assert (kept["tenancy_type"], kept["introductory_ends_on"]) == (trial, "2026-06-02")
    assert await outbox_count(income_database, tenancy["uprn"]) == published

    confirmed = await income.post(
        path, json={"change": "confirmed", "tenancy_type": right, "effective_on": "2026-05-01"}
    )
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["tenancy_type"] == right


async def test_the_decision_documents_only_the_changes_it_takes(
    income: httpx.AsyncClient, start_tenancy: StartTenancy
) -> None:
    """The decision takes `confirmed` or `extended`; the request schema said any of the
    event's changes (`demoted`, `other` too), so a request valid by the document was
    refused (Schemathesis, ST202). Now the document names the two, and `demoted` is
    the schema's own 422 naming change."""
    document = (await income.get("/openapi.json")).json()
    change = document["components"]["schemas"]["TenancyTypeDecision"]["properties"]["change"]
    assert change["enum"] == ["confirmed", "extended"]

    tenancy = await start_tenancy(start_date="2025-06-02", tenancy_type="introductory")
    refused = await income.post(
        f"/v1/tenancies/{tenancy['id']}/type-decision",
        json={"change": "demoted", "effective_on": "2026-05-01"},
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["change"]
