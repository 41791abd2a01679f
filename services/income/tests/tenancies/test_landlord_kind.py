"""A landlord records only the tenancy types its kind can grant (ADR 0150): a council its
secure, introductory and fixed-term tenancies, a housing association its assured,
starter, fixed-term and secure ones; another type is a 422 naming `tenancy_type`, with
nothing kept or published. Production's API does not start without the kind."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from hearth_contracts.events.income import TenancyType
from hearth_kit.auth import public_key_pem
from hearth_kit.db import Database
from hearth_kit.settings import InsecureConfiguration
from income.app import create_app
from income.settings import IncomeSettings, LandlordKind
from services.income.tests.conftest import a_uprn, events_of
from tests.harness.service import service_api

GRANTS = {
    LandlordKind.COUNCIL: {TenancyType.SECURE, TenancyType.INTRODUCTORY, TenancyType.FIXED_TERM},
    LandlordKind.HOUSING_ASSOCIATION: {
        TenancyType.ASSURED,
        TenancyType.STARTER,
        TenancyType.FIXED_TERM,
        TenancyType.SECURE,
    },
}
"""DOMAIN.md's introductory for councils and starter for housing associations, then
secure or assured; fixed-term for both (a council's flexible tenancy, an association's
fixed-term assured one); secure for an association too (one granted before 15 January
1989, or to its own secure tenant moving home: Housing Act 1988 s.35(4))."""


@pytest.fixture
async def landlord(
    request: pytest.FixtureRequest, income_db_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    """The income API of a landlord of the kind the test is parametrized with."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("HEARTH_INCOME_LANDLORD_KIND", request.param.value)
        async with service_api("income", income_db_url) as client:
            yield client


async def _record(
    client: httpx.AsyncClient, tenancy_type: TenancyType, uprn: str
) -> httpx.Response:
    return await client.post(
        "/v1/tenancies",
        json={
            "tenancy_reference": f"T-{uuid.uuid4().hex[:12].upper()}",
            "uprn": uprn,
            "tenants": [{"full_name": "Sam Okafor", "person_id": str(uuid.uuid4())}],
            "start_date": "2025-04-07",
            "tenancy_type": tenancy_type.value,
            "weekly_rent_pence": 10_000,
        },
    )


@pytest.mark.parametrize("landlord", list(LandlordKind), indirect=True, ids=str)
async def test_a_landlord_records_the_types_its_kind_grants_and_refuses_the_rest(
    landlord: httpx.AsyncClient, income_database: Database, request: pytest.FixtureRequest
) -> None:
    kind = LandlordKind(request.node.callspec.params["landlord"])
    for tenancy_type in TenancyType:
        uprn = a_uprn()
        response = await _record(landlord, tenancy_type, uprn)
        if tenancy_type in GRANTS[kind]:
            assert response.status_code == 201, (tenancy_type, response.text)
            assert response.json()["tenancy_type"] == tenancy_type.value
            continue
        assert response.status_code == 422, (tenancy_type, response.text)
        problem = response.json()
        assert problem["field"] == "tenancy_type"
        assert tenancy_type.value in problem["detail"]
        kept = await landlord.get("/v1/tenancies", params={"uprn": uprn})
        assert kept.status_code == 200
        assert kept.json()["items"] == []
        assert await events_of(income_database, uprn) == []


def _production(**overrides: object) -> IncomeSettings:
    settings = {
        "environment": "production",
        "database_url": "postgresql+asyncpg://hearth_income:unused@127.0.0.1:9/hearth_income",
        "kafka_bootstrap_servers": "kafka-1:9092",
        "kafka_allow_plaintext": True,
        "internal_token_public_keys": public_key_pem(Ed25519PrivateKey.generate().public_key()),
        "relay_enabled": False,
        "consumer_enabled": False,
        "scheduler_enabled": False,
        **overrides,
    }
    return IncomeSettings.model_validate(settings)


async def test_production_does_not_start_without_the_landlords_kind(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("HEARTH_INCOME_LANDLORD_KIND", raising=False)
    with pytest.raises(InsecureConfiguration, match="HEARTH_INCOME_LANDLORD_KIND"):
        async with LifespanManager(create_app(_production())):
            pass
    for kind in LandlordKind:
        _production(landlord_kind=kind).require_landlord_kind()


def test_development_without_the_kind_takes_every_type(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HEARTH_INCOME_LANDLORD_KIND", raising=False)
    IncomeSettings(environment="development").require_landlord_kind()


def test_a_kind_that_is_neither_is_refused_at_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEARTH_INCOME_LANDLORD_KIND", "SET-TO-council-OR-housing_association")
    with pytest.raises(ValueError, match="landlord_kind"):
        IncomeSettings()
