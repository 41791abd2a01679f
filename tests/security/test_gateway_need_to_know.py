"""Through the whole platform (real services, broker and databases): the services answer
only the gateway, the gateway passes the caller on, and the home overview shows each
part only to a token with its read scope, naming what it left out."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import pytest

from gateway.auth import issue_development_token
from gateway.roles import DEFAULT_ROLES
from gateway.settings import DEVELOPMENT_JWT_SECRET
from hearth_kit.working_days import london_day
from tests.harness.infra import DatabaseFactory
from tests.harness.platform import Platform, run_platform

pytestmark = pytest.mark.integration

REVIEW_ON = (london_day(datetime.now(UTC)) + timedelta(days=35)).isoformat()
"""A review five weeks ahead, whenever the suite runs (a fixed day would fall outside
the next-review window, or into the past, as the calendar moves on)."""


def bearer(scope: str, *, contractor_id: str | None = None) -> dict[str, str]:
    """A user token with exactly `scope`, as the identity provider might issue it."""
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "iss": "hearth-dev",
        "aud": "hearth",
        "sub": "someone",
        "iat": now,
        "exp": now + timedelta(minutes=5),
        "scope": scope,
    }
    if contractor_id:
        claims["contractor_id"] = contractor_id
    return {"Authorization": f"Bearer {jwt.encode(claims, DEVELOPMENT_JWT_SECRET, 'HS256')}"}


@pytest.fixture(scope="module")
async def platform(kafka: str, databases: DatabaseFactory) -> AsyncIterator[Platform]:
    async with run_platform(kafka, databases) as running:
        yield running


@pytest.fixture(scope="module")
async def home_with_a_resident(platform: Platform) -> str:
    """A home, its tenancy and one resident, recorded through the gateway."""
    uprn = str(random.randint(10**9, 10**12 - 1))
    token = issue_development_token(role="staff", subject="housing-officer-3")
    async with platform.client("gateway", headers={"Authorization": f"Bearer {token}"}) as api:
        home = await api.post(
            "/v1/homes",
            json={
                "uprn": uprn,
                "address_line_1": "3 Well Street",
                "town": "London",
                "postcode": "E9 7PX",
                "property_type": "flat",
                "heating_fuel": "gas",
                "gas_supply": "live",
            },
        )
        assert home.status_code == 201, home.text
        tenancy = await api.post(
            "/v1/tenancies",
            json={
                "tenancy_reference": f"T{uprn[-8:]}",
                "uprn": uprn,
                "tenants": [{"full_name": "Grace Mensah"}],
                "start_date": "2025-01-06",
                "tenancy_type": "secure",
                "weekly_rent_pence": 12_000,
            },
        )
        assert tenancy.status_code == 201, tenancy.text
        resident = await api.post(
            "/v1/residents",
            json={
                # tenancy-started names no one: the tenant's details go under its person id.
                "person_id": tenancy.json()["tenants"][0]["person_id"],
                "tenancy_id": tenancy.json()["id"],
                "uprn": uprn,
                "full_name": "Grace Mensah",
                "preferred_channel": "letter",
                "language": "en",
            },
        )
        assert resident.status_code == 201, resident.text
    return uprn


async def test_a_service_called_directly_without_the_gateways_token_is_401(
    platform: Platform, home_with_a_resident: str
) -> None:
    # The issue's example: engagement listing residents' contact details to anyone.
    async with platform.client("engagement", auth=None) as direct:
        response = await direct.get("/v1/residents", params={"uprn": home_with_a_resident})
    assert response.status_code == 401
    assert "Grace" not in response.text


async def test_the_overview_withholds_and_names_the_parts_the_token_has_no_scope_for(
    platform: Platform, home_with_a_resident: str
) -> None:
    uprn = home_with_a_resident
    async with platform.client("gateway") as api:
        full = await api.get(
            f"/v1/homes/{uprn}",
            headers=bearer(
                "homes:read tenancies:read residents:read visits:read repairs:read "
                "compliance:read income:read"
            ),
        )
        partial = await api.get(f"/v1/homes/{uprn}", headers=bearer("homes:read tenancies:read"))
    assert full.status_code == partial.status_code == 200, partial.text
    assert [r["full_name"] for r in full.json()["residents"]] == ["Grace Mensah"]
    assert full.json()["withheld"] == []

    overview = partial.json()
    assert set(overview["withheld"]) == {
        "residents",
        "visits",
        "open_repairs",
        "appointment_requests",
        "gas",
        "rent",
    }
    assert overview["residents"] == []
    assert "Grace" not in str(overview["residents"])
    assert overview["home"]["uprn"] == uprn
    assert overview["tenancy"]["uprn"] == uprn
    assert overview["degraded"] == []


@pytest.mark.parametrize("staff_scope", ["homes:read", "residents:write", "repairs:write"])
async def test_a_contractor_token_carrying_a_staff_scope_is_refused(
    platform: Platform, home_with_a_resident: str, staff_scope: str
) -> None:
    headers = bearer(f"contractor repairs:read {staff_scope}", contractor_id="gasco")
    async with platform.client("gateway", headers=headers) as api:
        response = await api.get(f"/v1/homes/{home_with_a_resident}")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert "staff scopes" in response.json()["detail"]


async def test_the_overview_without_homes_read_is_403(
    platform: Platform, home_with_a_resident: str
) -> None:
    async with platform.client("gateway", headers=bearer("residents:read")) as api:
        response = await api.get(f"/v1/homes/{home_with_a_resident}")
    assert response.status_code == 403
    assert response.json()["missing_scopes"] == ["homes:read"]


ALL_BROAD_SCOPES = " ".join(DEFAULT_ROLES["admin"])
"""Every scope a role can grant (the admin role's): no need-to-know one."""

VULNERABILITY_DETAIL = "Probe detail: hospital stay in March"
DIVERSITY_CODES = {
    "ethnicity": "probe_ethnicity_code",
    "disability": "probe_disability_code",
    "religion": "probe_religion_code",
    "sexual_orientation": "probe_orientation_code",
}


async def test_no_read_without_the_need_to_know_scope_carries_vulnerabilities_or_diversity(
    platform: Platform, home_with_a_resident: str
) -> None:
    """A resident's vulnerability (its category and detail) and diversity profile,
    recorded through the gateway, appear in nothing a token without vulnerabilities:read
    and diversity:read reads: the resident, the residents lists, the contact view, the
    home and tenancy overviews, the reviews due (the reviewer's: 403), the diversity
    aggregate and survey results by strand (403), and the problems those
    answer."""
    uprn = home_with_a_resident
    writer = bearer(ALL_BROAD_SCOPES)
    async with platform.client("gateway", headers=writer) as api:
        residents = (await api.get("/v1/residents", params={"uprn": uprn})).json()["items"]
        resident = residents[0]
        recorded = await api.post(
            f"/v1/residents/{resident['id']}/vulnerabilities",
            headers={"Idempotency-Key": f"probe-{uprn}"},
            json={
                "category": "mental_health",
                "detail": VULNERABILITY_DETAIL,
                "adjustments": [],
                "consent": True,
                "consent_given_at": "2026-01-05T10:00:00Z",
                "review_on": REVIEW_ON,
            },
        )
        assert recorded.status_code == 201, recorded.text
        profile = await api.put(f"/v1/residents/{resident['id']}/diversity", json=DIVERSITY_CODES)
        assert profile.status_code == 204, profile.text
        tenancy_id = resident["tenancy_id"]
        reads = {
            path: await api.get(path, params=params)
            for path, params in [
                (f"/v1/residents/{resident['id']}", None),
                ("/v1/residents", {"uprn": uprn}),
                ("/v1/residents", {"tenancy_id": tenancy_id}),
                (f"/v1/residents/{resident['id']}/contact-view", None),
                (f"/v1/homes/{uprn}", None),
                (f"/v1/tenancies/{tenancy_id}/overview", None),
                (f"/v1/residents/{resident['id']}/vulnerabilities", None),
                ("/v1/vulnerabilities/reviews-due", {"due_by": REVIEW_ON, "limit": 200}),
                ("/v1/diversity", {"strand": "ethnicity"}),
                ("/v1/surveys/results", {"survey": "perception", "strand": "religion"}),
            ]
        }
    assert reads[f"/v1/residents/{resident['id']}"].status_code == 200
    assert reads[f"/v1/homes/{uprn}"].status_code == 200
    assert reads[f"/v1/residents/{resident['id']}/vulnerabilities"].status_code == 403
    # The reviews due are the reviewer's (vulnerabilities:read and :write): each is a
    # stored review date, which a token that may record but not read does not get.
    assert reads["/v1/vulnerabilities/reviews-due"].status_code == 403
    assert reads["/v1/vulnerabilities/reviews-due"].json()["missing_scopes"] == [
        "vulnerabilities:read"
    ]
    assert reads["/v1/diversity"].status_code == 403
    assert reads["/v1/surveys/results"].status_code == 403
    for path, response in reads.items():
        text = response.text
        assert VULNERABILITY_DETAIL not in text, path
        assert "mental_health" not in text, path
        for code in DIVERSITY_CODES.values():
            assert code not in text, path
    # The need-to-know holder does see it: the probe recorded what it looks for.
    async with platform.client(
        "gateway", headers=bearer(f"{ALL_BROAD_SCOPES} vulnerabilities:read")
    ) as api:
        seen = await api.get(f"/v1/residents/{resident['id']}/vulnerabilities")
        due = await api.get(
            "/v1/vulnerabilities/reviews-due", params={"due_by": REVIEW_ON, "limit": 200}
        )
    assert VULNERABILITY_DETAIL in seen.text
    # The reviewer (both scopes) gets the list: the resident whose review has come, and
    # nothing of the need itself.
    assert resident["id"] in due.text
    assert VULNERABILITY_DETAIL not in due.text
    assert "mental_health" not in due.text
