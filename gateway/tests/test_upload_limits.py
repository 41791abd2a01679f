"""Upload routes take larger bodies and longer: the stock import (`POST
/v1/homes/import`, 100,000 homes in one CSV, some 8 MiB, about a minute to apply)
passes through the gateway up to `max_upload_body_bytes` with `upload_timeout_seconds`
to answer, while every other route keeps the 1 MiB limit and the write budget."""

from __future__ import annotations

import pytest
from gateway_stand_ins import WRITE_TIMEOUT_SECONDS, OpenGateway, StandIns, bearer

from gateway.settings import GatewaySettings

TWO_MIB = 2 * 1024 * 1024


def stock_file(size: int) -> bytes:
    """A CSV of about `size` bytes (the stand-in answers whatever it gets)."""
    header = b"uprn,address_line_1,town,postcode,property_type,heating_fuel,gas_supply\n"
    row = b"100000000001,1 High Street,Townsville,AB1 2CD,flat,gas,live\n"
    return header + row * (size // len(row) + 1)


async def test_a_stock_import_over_1_mib_passes_through_to_compliance(
    open_gateway: OpenGateway, stand_ins: StandIns
) -> None:
    body = stock_file(TWO_MIB)
    before = len(stand_ins.received("compliance", "POST", "/v1/homes/import"))
    async with open_gateway() as gateway:
        response = await gateway.post(
            "/v1/homes/import",
            content=body,
            headers={**bearer("admin"), "Content-Type": "text/csv"},
        )
    assert response.status_code != 413
    received = stand_ins.received("compliance", "POST", "/v1/homes/import")
    assert len(received) == before + 1
    assert received[-1].body == body


async def test_a_body_over_1_mib_on_an_ordinary_route_is_still_a_413(
    open_gateway: OpenGateway, stand_ins: StandIns
) -> None:
    before = len(stand_ins.received("compliance", "POST", "/v1/blocks"))
    async with open_gateway() as gateway:
        response = await gateway.post(
            "/v1/blocks",
            content=b"{" + b" " * TWO_MIB + b"}",
            headers={**bearer("admin"), "Content-Type": "application/json"},
        )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["max_body_bytes"] == 1024 * 1024
    assert len(stand_ins.received("compliance", "POST", "/v1/blocks")) == before


async def test_an_import_over_the_upload_limit_is_a_413(
    open_gateway: OpenGateway, stand_ins: StandIns
) -> None:
    before = len(stand_ins.received("compliance", "POST", "/v1/homes/import"))
    async with open_gateway(max_upload_body_bytes=TWO_MIB) as gateway:
        response = await gateway.post(
            "/v1/homes/import",
            content=stock_file(TWO_MIB + 1024),
            headers={**bearer("admin"), "Content-Type": "text/csv"},
        )
    assert response.status_code == 413
    assert response.json()["max_body_bytes"] == TWO_MIB
    assert len(stand_ins.received("compliance", "POST", "/v1/homes/import")) == before


def test_upload_routes_are_method_and_path() -> None:
    settings = GatewaySettings(
        environment="development",
        upload_routes=["post /v1/homes/import"],
        max_upload_body_bytes=1000,
    )
    assert settings.upload_body_limits == {("POST", "/v1/homes/import"): 1000}
    with pytest.raises(ValueError, match="upload_routes"):
        GatewaySettings(environment="development", upload_routes=["/v1/homes/import"])


async def test_an_import_has_the_upload_budget_and_other_writes_the_write_budget(
    open_gateway: OpenGateway, stand_ins: StandIns
) -> None:
    """The slow stand-in answers after SLOW_SECONDS (5 s), past the write budget (1.5 s)."""
    async with open_gateway(
        compliance_url=stand_ins.slow_url, upload_timeout_seconds=30
    ) as gateway:
        imported = await gateway.post(
            "/v1/homes/import",
            content=stock_file(1000),
            headers={**bearer("admin"), "Content-Type": "text/csv"},
        )
        other = await gateway.post(
            "/v1/blocks",
            json={"uprn": "100000000002", "name": "Bridge House"},
            headers={**bearer("admin"), "Idempotency-Key": "block-1"},
        )
    assert imported.status_code == 200
    assert other.status_code == 503
    assert "timed out after" in other.json()["detail"]
    assert f"{WRITE_TIMEOUT_SECONDS:g}s" in other.json()["detail"]
