"""Writes under load, through the gateway to a real service: the write budget holds a
burst of registrations without a 503, and a write retried with the same
Idempotency-Key returns the original result without writing again."""

from __future__ import annotations

import asyncio
import uuid

import httpx
import pytest

from tests.api.conftest import user_token
from tests.harness.platform import Platform

pytestmark = [pytest.mark.integration, pytest.mark.api]

WRITES = 100
CONCURRENCY = 16


def a_home(n: int) -> dict[str, str]:
    return {
        "uprn": str(400_000_000_000 + n),
        "address_line_1": f"{n} Mare Street",
        "town": "London",
        "postcode": "E8 3RH",
        "property_type": "flat",
        "heating_fuel": "gas",
        "gas_supply": "live",
    }


async def test_a_burst_of_writes_all_land_and_each_retry_returns_the_first_answer(
    platform: Platform,
) -> None:
    keys = [str(uuid.uuid4()) for _ in range(WRITES)]
    gate = asyncio.Semaphore(CONCURRENCY)
    headers = {"Authorization": f"Bearer {user_token()}"}
    async with platform.client("gateway", headers=headers) as gateway:

        async def register(n: int) -> httpx.Response:
            async with gate:
                return await gateway.post(
                    "/v1/homes", json=a_home(n), headers={"Idempotency-Key": keys[n]}
                )

        first = await asyncio.gather(*(register(n) for n in range(WRITES)))
        assert [r.status_code for r in first] == [201] * WRITES, {
            r.status_code: r.text for r in first if r.status_code != 201
        }
        again = await asyncio.gather(*(register(n) for n in range(WRITES)))
    for original, retried in zip(first, again, strict=True):
        assert retried.status_code == 201
        assert retried.headers["idempotent-replayed"] == "true"
        assert retried.json() == original.json()
        assert retried.headers["location"] == original.headers["location"]
