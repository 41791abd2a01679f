"""A tenant's name of whitespace alone is no name: a 422 naming it, nothing kept (it
was kept as given and published on tenancy-started)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from hearth_kit.db import Database
from services.income.tests.tenancies.test_endpoints import outbox_count, tenancy_count


@pytest.mark.parametrize(
    ("where", "field"),
    [("full_name", "tenants.0.full_name"), ("tenancy_reference", "tenancy_reference")],
)
async def test_whitespace_alone_is_refused_naming_the_field(
    income: httpx.AsyncClient, income_database: Database, where: str, field: str
) -> None:
    uprn = str(10**11 + uuid.uuid4().int % (9 * 10**11))
    body = {
        "tenancy_reference": f"T-{uuid.uuid4().hex[:12].upper()}",
        "uprn": uprn,
        "tenants": [{"full_name": "Sam Okafor", "person_id": str(uuid.uuid4())}],
        "start_date": "2025-04-07",
        "tenancy_type": "secure",
        "weekly_rent_pence": 10_000,
    }
    if where == "full_name":
        body["tenants"] = [{"full_name": " \t ", "person_id": str(uuid.uuid4())}]
    else:
        body[where] = "   "
    response = await income.post("/v1/tenancies", json=body)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
    assert await tenancy_count(income_database, uprn) == 0
    assert await outbox_count(income_database, uprn) == 0


async def test_a_name_holding_nul_is_refused_naming_it(
    income: httpx.AsyncClient, income_database: Database
) -> None:
    """PostgreSQL cannot store NUL: the problem names the field that held it (it named
    none), and nothing is kept."""
    uprn = str(10**11 + uuid.uuid4().int % (9 * 10**11))
    response = await income.post(
        "/v1/tenancies",
        json={
            "tenancy_reference": f"T-{uuid.uuid4().hex[:12].upper()}",
            "uprn": uprn,
            "tenants": [{"full_name": "Sam\u0000Okafor", "person_id": str(uuid.uuid4())}],
            "start_date": "2025-04-07",
            "tenancy_type": "secure",
            "weekly_rent_pence": 10_000,
        },
    )
    assert response.status_code == 422, response.text
    assert [(e["field"], e["location"]) for e in response.json()["errors"]] == [
        ("tenants.0.full_name", "body")
    ]
    assert "Okafor" not in response.text
    assert await tenancy_count(income_database, uprn) == 0
    assert await outbox_count(income_database, uprn) == 0
