"""The transactional outbox on a broker that goes away: the API keeps accepting work,
and the events follow when the broker is back. Nothing is lost."""

from __future__ import annotations

import random
import shutil
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from gateway.auth import issue_development_token
from services.visits.tests.factories import a_household
from tests.harness.events import eventually
from tests.harness.infra import DatabaseFactory, LocalKafka
from tests.harness.platform import Platform, run_platform

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        shutil.which("java") is None or shutil.which("mvn") is None,
        reason="stopping and restarting a broker needs deploy/local (a JDK and Maven)",
    ),
]


@pytest.fixture(scope="module")
def broker() -> Iterator[LocalKafka]:
    kafka = LocalKafka(f"outbox-test-{random.randint(0, 10**6)}")
    kafka.start()
    try:
        yield kafka
    finally:
        kafka.stop()
        kafka.remove_data()


@pytest.fixture(scope="module")
async def platform(broker: LocalKafka, databases: DatabaseFactory) -> AsyncIterator[Platform]:
    async with run_platform(
        broker.bootstrap_servers, databases, services=("visits", "repairs")
    ) as running:
        yield running


async def test_a_report_made_while_kafka_is_down_is_accepted_and_its_repairs_follow(
    platform: Platform, broker: LocalKafka
) -> None:
    token = issue_development_token(role="staff", subject="officer")
    async with platform.client("gateway", headers={"Authorization": f"Bearer {token}"}) as api:
        uprn = str(random.randint(10**9, 10**12 - 1))
        visit = await api.post(
            "/v1/visits",
            json={
                "uprn": uprn,
                "kind": "full",
                "scheduled_for": (datetime.now(UTC) + timedelta(hours=2)).isoformat(),
            },
        )
        assert visit.status_code == 201, visit.text

        broker.stop()
        report = await api.post(
            f"/v1/visits/{visit.json()['id']}/report",
            json={
                "outcome": "completed",
                "visited_at": datetime.now(UTC).isoformat(),
                "repairs_found": [
                    {
                        "description": "Leaking waste pipe",
                        "location": "kitchen",
                        "trade": "plumbing",
                    },
                    {
                        "description": "Sticking back door",
                        "location": "kitchen",
                        "trade": "carpentry",
                    },
                    {
                        "description": "Broken light switch",
                        "location": "landing",
                        "trade": "electrical",
                    },
                ],
                "household": a_household(),
            },
        )
        assert report.status_code == 201, report.text
        broker.start()

        async def repairs_raised() -> list[dict[str, object]]:
            async with platform.client("repairs") as client:
                page = (await client.get("/v1/repairs", params={"uprn": uprn})).json()
            items: list[dict[str, object]] = page["items"]
            return items if len(items) >= 3 else []

        repairs = await eventually(repairs_raised, timeout=90)
        assert len(repairs) == 3
        async with platform.client("repairs") as client:
            requests = (await client.get("/v1/appointment-requests", params={"uprn": uprn})).json()[
                "items"
            ]
        assert len(requests) == 1
        assert len(requests[0]["repair_ids"]) == 3


async def test_the_outbox_is_empty_once_the_broker_is_back(platform: Platform) -> None:
    async def drained() -> bool:
        async with httpx.AsyncClient(base_url=platform.service("visits").url) as client:
            metrics = (await client.get("/metrics")).text
        return 'hearth_outbox_backlog{service="visits"} 0.0' in metrics

    assert await eventually(drained, timeout=30)
