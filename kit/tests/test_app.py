"""The operations routes every service gets from create_service_app: liveness,
readiness of the database and the broker, Prometheus metrics, dead letters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, ClassVar

import httpx
import pytest
from asgi_lifespan import LifespanManager
from prometheus_client.parser import text_string_to_metric_families
from pydantic_settings import SettingsConfigDict

from hearth_kit.app import create_service_app
from hearth_kit.db import Database
from hearth_kit.settings import InsecureConfiguration, ServiceSettings
from hearth_kit.tables import kit_metadata
from tests.harness.infra import DatabaseFactory, free_port
from tests.harness.tokens import InternalTokenAuth


class EngagementSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="HEARTH_KIT_TEST_ENGAGEMENT_", extra="ignore")
    service_name: ClassVar[str] = "engagement"


async def create_kit_tables(db: Database) -> None:
    async with db.engine.begin() as conn:
        await conn.run_sync(kit_metadata.create_all)


@asynccontextmanager
async def running_service(
    settings: ServiceSettings, *, create_tables: bool = True
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_service_app(
        settings,
        title="Engagement",
        description="A service with no routes or handlers of its own",
        on_startup=create_kit_tables if create_tables else None,
    )
    transport = httpx.ASGITransport(app)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(
            transport=transport,
            base_url="http://engagement",
            auth=InternalTokenAuth("engagement"),  # as the gateway calls (admin scope)
        ) as client,
    ):
        yield client


def settings_for(database_url: str, kafka_bootstrap_servers: str) -> EngagementSettings:
    return EngagementSettings(
        database_url=database_url,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        relay_enabled=False,
        consumer_enabled=False,
    )


@pytest.fixture(scope="module")
async def database_url(databases: DatabaseFactory) -> str:
    return await databases.create("kit_app")


@pytest.fixture(scope="module")
async def service(kafka: str, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with running_service(settings_for(database_url, kafka)) as client:
        yield client


async def test_healthz_says_the_process_is_alive(service: httpx.AsyncClient) -> None:
    response = await service.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


async def test_readyz_is_200_when_the_database_and_kafka_answer(
    service: httpx.AsyncClient,
) -> None:
    response = await service.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "kafka": "ok"}}


async def test_readyz_stays_ready_but_degraded_naming_kafka_when_the_broker_is_unreachable(
    database_url: str,
) -> None:
    # The service still accepts work while Kafka is down (events wait in the outbox),
    # so it must not be taken out of rotation; the check still names Kafka.
    settings = settings_for(database_url, f"127.0.0.1:{free_port()}")
    async with running_service(settings) as client:
        response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "degraded",
        "checks": {"database": "ok", "kafka": "unreachable"},
    }


async def test_readyz_is_503_naming_the_database_when_it_is_unreachable(kafka: str) -> None:
    closed = f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/postgres"
    async with running_service(settings_for(closed, kafka), create_tables=False) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"].startswith("unreachable")
    assert checks["kafka"] == "ok"


def samples(text: str, name: str) -> list[Any]:
    return [
        sample
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == name
    ]


async def test_metrics_expose_request_durations_by_route_and_status(
    service: httpx.AsyncClient,
) -> None:
    await service.get("/healthz")
    await service.get("/no/such/route")
    response = await service.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    counts = {
        (s.labels["route"], s.labels["status"]): s.value
        for s in samples(response.text, "hearth_http_request_duration_seconds_count")
        if s.labels["service"] == "engagement" and s.labels["method"] == "GET"
    }
    assert counts[("/healthz", "200")] >= 1
    assert counts[("unmatched", "404")] >= 1


async def test_an_unknown_route_is_a_problem(service: httpx.AsyncClient) -> None:
    response = await service.get("/no/such/route")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_service_without_dead_letters_lists_none(service: httpx.AsyncClient) -> None:
    assert (await service.get("/admin/dead-letters")).json() == []
    assert (await service.get("/admin/dead-letters/count")).json() == {"unreplayed": 0}


async def test_replaying_a_dead_letter_of_a_service_that_consumes_nothing_is_404(
    service: httpx.AsyncClient,
) -> None:
    response = await service.post("/admin/dead-letters/1/replay")
    assert response.status_code == 404
    assert response.json()["detail"] == "This service consumes no events"


async def test_a_service_refuses_to_start_in_production_on_development_defaults(
    kafka: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No database URL: it used to start on a SQLite file inside the container; no
    bootstrap servers: on 127.0.0.1:9092, publishing nothing."""
    monkeypatch.delenv("KAFKA_BOOTSTRAP_SERVERS", raising=False)

    def production(**configured: str) -> EngagementSettings:
        return EngagementSettings(
            environment="production", relay_enabled=False, consumer_enabled=False, **configured
        )

    with pytest.raises(InsecureConfiguration, match="HEARTH_KIT_TEST_ENGAGEMENT_DATABASE_URL"):
        async with running_service(production(kafka_bootstrap_servers=kafka)):
            pass
    # A PostgreSQL URL whatever this run's database is (on SQLite the database's
    # refusal would come first): the refusal comes before anything connects.
    postgresql = "postgresql+asyncpg://hearth@db.invalid:5432/hearth"
    with pytest.raises(InsecureConfiguration, match="KAFKA_BOOTSTRAP_SERVERS"):
        async with running_service(production(database_url=postgresql)):
            pass
