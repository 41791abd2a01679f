"""`GET /v1/compliance/figures` reads `from` and `to` as the kit's PeriodDep does (ISO
dates only, a bad one a 422 naming it), both optional."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from services.compliance.tests.factories import london_today


async def test_from_and_to_are_optional(compliance: httpx.AsyncClient) -> None:
    today = london_today()
    whole = (await compliance.get("/v1/compliance/figures")).json()
    assert (whole["from"], whole["to"]) == (
        (today - timedelta(days=364)).isoformat(),
        today.isoformat(),
    )
    given = (
        await compliance.get(
            "/v1/compliance/figures", params={"from": "2026-04-01", "to": "2026-06-30"}
        )
    ).json()
    assert (given["from"], given["to"]) == ("2026-04-01", "2026-06-30")
    only_to = (await compliance.get("/v1/compliance/figures", params={"to": "2026-06-30"})).json()
    assert only_to["from"] == "2025-07-01"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "yesterday"}, "from"),
        ({"from": "1767225600"}, "from"),
        ({"to": "2026-02-30"}, "to"),
        ({"from": "2026-13-01", "to": "2026-12-01"}, "from"),
        ({"from": "2026-05-01", "to": "2026-04-01"}, "to"),
        ({"from": "2010-01-01", "to": "2026-01-01"}, "to"),
    ],
)
async def test_a_bad_date_is_a_422_naming_it(
    compliance: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    response = await compliance.get("/v1/compliance/figures", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "0001-01-01", "to": "1000-01-01"}, "from"),
        ({"to": "0001-04-01"}, "to"),
        ({"to": "0999-12-31"}, "to"),
        ({"from": "8999-12-31", "to": "9999-12-31"}, "to"),
    ],
)
async def test_a_day_outside_years_1000_to_8999_is_refused_naming_it(
    compliance: httpx.AsyncClient, params: dict[str, str], field: str
) -> None:
    """Without `from`, the year before 0001-04-01 began in year 0: a 500 (ADR 0072)."""
    response = await compliance.get("/v1/compliance/figures", params=params)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field]
