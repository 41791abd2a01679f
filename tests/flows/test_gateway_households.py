"""Through the gateway on real income and engagement (Kafka between them): a tenancy
ends and another starts at the same home, and the composites keep each household's
rent account, residents and complaints apart.

Income's tenancy-started and tenancy-ended reach engagement over Kafka, which makes the
first tenant a former tenant (`tenancy_ended_on`); the former tenant's contact view then
shows their own ended tenancy's rent account, never the next household's, and leaves out
the home's parts as they are now; each tenancy overview lists its own residents and its
own household's complaints only."""

from __future__ import annotations

import random
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from gateway.auth import issue_development_token
from hearth_kit.working_days import london_day
from tests.harness.events import eventually
from tests.harness.infra import DatabaseFactory
from tests.harness.platform import Platform, run_platform

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def platform(kafka: str, databases: DatabaseFactory) -> AsyncIterator[Platform]:
    async with run_platform(kafka, databases, services=("income", "engagement")) as running:
        yield running


async def start_tenancy(
    staff: httpx.AsyncClient,
    uprn: str,
    person_id: str,
    start: date,
    tenancy_type: str = "secure",
) -> dict[str, Any]:
    """A tenancy of `uprn` from `start` recorded at income through the gateway, its one
    tenant income's `person_id`: its public JSON."""
    response = await staff.post(
        "/v1/tenancies",
        json={
            "tenancy_reference": f"T{uuid.uuid4().hex[:9]}",
            "uprn": uprn,
            "tenants": [{"full_name": "A tenant", "person_id": person_id}],
            "start_date": str(start),
            "tenancy_type": tenancy_type,
            "weekly_rent_pence": 10_500,
        },
    )
    assert response.status_code == 201, response.text
    tenancy: dict[str, Any] = response.json()
    return tenancy


async def complain(staff: httpx.AsyncClient, uprn: str, resident_id: str, summary: str) -> str:
    response = await staff.post(
        "/v1/complaints",
        json={
            "uprn": uprn,
            "resident_id": resident_id,
            "category": "repairs",
            "medium": "phone",
            "summary": summary,
            "received_at": (datetime.now(UTC) - timedelta(hours=1)).isoformat(),
        },
    )
    assert response.status_code == 201, response.text
    complaint_id: str = response.json()["id"]
    return complaint_id


async def test_a_tenancy_ends_and_another_starts_and_the_households_stay_apart(
    platform: Platform,
) -> None:
    token = issue_development_token(role="staff", subject="contact-centre-reviewer-1")
    async with platform.client("gateway", headers={"Authorization": f"Bearer {token}"}) as staff:
        uprn = str(random.randint(10**9, 10**12 - 1))
        former, current = str(uuid.uuid4()), str(uuid.uuid4())
        first = await start_tenancy(
            staff, uprn, former, london_day(datetime.now(UTC)) - timedelta(days=90)
        )
        ended = await staff.post(
            f"/v1/tenancies/{first['id']}/end",
            json={
                "end_date": str(london_day(datetime.now(UTC)) - timedelta(days=2)),
                "reason": "notice_given",
            },
        )
        assert ended.status_code == 200, ended.text
        second = await start_tenancy(
            staff, uprn, current, london_day(datetime.now(UTC)) - timedelta(days=1)
        )

        async def both_placed() -> bool:
            answers = [await staff.get(f"/v1/residents/{who}") for who in (former, current)]
            if any(answer.status_code != 200 for answer in answers):
                return False
            was, now = (answer.json() for answer in answers)
            return bool(was["tenancy_ended_on"]) and now["tenancy_id"] == second["id"]

        assert await eventually(both_placed, timeout=30)
        theirs = await complain(staff, uprn, former, "About the former household's kitchen")
        ours = await complain(staff, uprn, current, "About the new household's boiler")

        view = await staff.get(f"/v1/residents/{former}/contact-view")
        assert view.status_code == 200, view.text
        contact = view.json()
        assert contact["former_tenant"] is True
        assert contact["rent"]["account_id"] == first["rent_account_id"]
        assert contact["rent"]["tenancy_ended"] is True
        assert contact["left_out"] == ["open_repairs", "next_appointments", "gas"]
        assert contact["degraded"] == []  # repairs and compliance were never asked
        assert [c["id"] for c in contact["open_complaints"]] == [theirs]

        new_view = (await staff.get(f"/v1/residents/{current}/contact-view")).json()
        assert new_view["former_tenant"] is False
        assert new_view["rent"]["account_id"] == second["rent_account_id"]

        old = (await staff.get(f"/v1/tenancies/{first['id']}/overview")).json()
        assert [r["id"] for r in old["residents"]] == [former]
        assert [c["id"] for c in old["open_complaints"]] == [theirs]
        assert old["tenancy_ended"] is True
        new = await staff.get(f"/v1/tenancies/{second['id']}/overview")
        assert [r["id"] for r in new.json()["residents"]] == [current]
        assert [c["id"] for c in new.json()["open_complaints"]] == [ours]
        assert "former household" not in new.text
