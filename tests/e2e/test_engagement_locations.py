"""Every Location engagement answers a 201 with leads somewhere through the gateway
(docs/adr/0177): a role allowed the matching list follows it to what was created, a role
without that scope is refused before engagement is asked, on a real broker and
databases."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.auth import issue_development_token
from hearth_kit.working_days import london_day
from tests.harness.infra import DatabaseFactory
from tests.harness.platform import Platform, run_platform

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def platform(kafka: str, databases: DatabaseFactory) -> AsyncIterator[Platform]:
    async with run_platform(kafka, databases) as running:
        yield running


def token(role: str, *scopes: str) -> dict[str, str]:
    issued = issue_development_token(role=role, subject=f"{role}-1", scopes=scopes)
    return {"Authorization": f"Bearer {issued}"}


def now() -> str:
    return datetime.now(UTC).isoformat()


async def test_each_location_is_a_read_for_the_lists_roles_and_refused_to_others(
    platform: Platform,
) -> None:
    uprn = str(random.randint(10**9, 10**12 - 1))
    async with platform.client("gateway", headers=token("admin")) as admin:
        response = await admin.post(
            "/v1/surveys/responses",
            headers={"Idempotency-Key": str(uuid.uuid4())},
            json={
                "survey": "perception",
                "uprn": uprn,
                "answers": [{"question": "tp01_overall", "rating": "fairly_dissatisfied"}],
                "reasons": "Nobody calls back",
                "responded_at": now(),
            },
        )
        assert response.status_code == 201, response.text
        created: list[tuple[str, dict[str, Any], str, str]] = [
            # (path, body, a role that may read it, a role that may not)
            (
                "/v1/contacts",
                {
                    "uprn": uprn,
                    "direction": "inbound",
                    "medium": "phone",
                    "reason": "repair",
                    "contacted_at": now(),
                    "notes": "Called about the tap",
                },
                "visit_officer",
                "contractor",
            ),
            (
                "/v1/service-requests",
                {
                    "uprn": uprn,
                    "category": "estate_and_communal",
                    "medium": "online",
                    "summary": "Cut the grass",
                    "received_at": now(),
                },
                "complaints_handler",
                "repairs_manager",
            ),
            (
                "/v1/you-said-we-did",
                {
                    "you_said": "You were not called back",
                    "we_did": "We call back the same day",
                    "published_on": london_day(datetime.now(UTC)).isoformat(),
                    "survey_response_ids": [response.json()["id"]],
                },
                "repairs_manager",
                "contact_centre",
            ),
        ]
        answers = [("/v1/surveys/responses", response, "complaints_handler", "contact_centre")]
        for path, body, allowed, denied in created:
            answer = await admin.post(
                path, json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
            )
            assert answer.status_code == 201, answer.text
            answers.append((path, answer, allowed, denied))
    for path, answer, allowed, denied in answers:
        location = answer.headers["Location"]
        assert location == f"{path}/{answer.json()['id']}"
        async with platform.client("gateway", headers=token(allowed)) as reader:
            read = await reader.get(location)
        assert read.status_code == 200, (location, read.text)
        assert read.json() == answer.json()
        headers = (
            {"Authorization": token(denied)["Authorization"]}
            if denied != "contractor"
            else {
                "Authorization": "Bearer "
                + issue_development_token(role="contractor", subject="c", contractor_id="gasco")
            }
        )
        async with platform.client("gateway", headers=headers) as other:
            refused = await other.get(location)
        assert refused.status_code == 403, (location, refused.text)


async def test_a_vulnerabilitys_location_needs_the_need_to_know_read(
    platform: Platform,
) -> None:
    async with platform.client("gateway", headers=token("admin")) as admin:
        resident = await admin.post(
            "/v1/residents",
            json={"full_name": "Grace Mensah", "preferred_channel": "letter", "language": "en"},
        )
        assert resident.status_code == 201, resident.text
        recorded = await admin.post(
            f"/v1/residents/{resident.json()['id']}/vulnerabilities",
            headers={"Idempotency-Key": str(uuid.uuid4())},
            json={
                "category": "mental_health",
                "detail": "Anxious about visitors",
                "adjustments": [],
                "consent": True,
                "consent_given_at": now(),
                "review_on": f"{london_day(datetime.now(UTC)).year + 1}-01-05",
            },
        )
        assert recorded.status_code == 201, recorded.text
        location = recorded.headers["Location"]
        # admin may record (vulnerabilities:write) but not read
        refused = await admin.get(location)
    assert refused.status_code == 403, refused.text
    assert refused.json()["missing_scopes"] == ["vulnerabilities:read"]
    async with platform.client("gateway", headers=token("staff", "vulnerabilities:read")) as reader:
        read = await reader.get(location)
    assert read.status_code == 200, read.text
    assert read.json()["detail"] == "Anxious about visitors"
