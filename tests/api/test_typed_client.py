"""A typed client generated from gateway/openapi.json (openapi-python-client, into a
temporary folder) calls a running gateway: the document is good enough to build a
client from, and the client's types match what the gateway answers."""

from __future__ import annotations

import asyncio
import importlib
import sys
from pathlib import Path
from typing import Any

import pytest

from gateway.openapi_document import PUBLISHED
from tests.api.conftest import user_token
from tests.harness.platform import Platform

pytestmark = [pytest.mark.integration, pytest.mark.api]

PACKAGE = "hearth_api_client"


async def generate_client(folder: Path) -> Any:
    """The generated package, imported."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "openapi_python_client",
        "generate",
        "--path",
        str(PUBLISHED),
        "--output-path",
        str(folder / "client"),
        "--meta",
        "none",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode(errors="replace")
    # --meta none writes the package's modules straight into the output folder.
    (folder / PACKAGE).mkdir()
    for item in (folder / "client").iterdir():
        item.rename(folder / PACKAGE / item.name)
    sys.path.insert(0, str(folder))
    try:
        return importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))


async def test_a_client_generated_from_the_document_talks_to_the_gateway(
    platform: Platform, tmp_path: Path
) -> None:
    client_package = await generate_client(tmp_path)
    register = importlib.import_module(f"{PACKAGE}.api.homes.register_home_v1_homes_post")
    overview = importlib.import_module(f"{PACKAGE}.api.homes.home_overview_v1_homes_uprn_get")
    models = importlib.import_module(f"{PACKAGE}.models")

    client = client_package.AuthenticatedClient(
        base_url=platform.gateway_url, token=user_token(), raise_on_unexpected_status=True
    )
    async with client:
        home = models.HomeCreate.from_dict(
            {
                "uprn": "300000000042",
                "address_line_1": "42 Mare Street",
                "town": "London",
                "postcode": "E8 3RH",
                "property_type": "flat",
                "heating_fuel": "gas",
                "gas_supply": "live",
            }
        )
        created = await register.asyncio_detailed(client=client, body=home)
        assert created.status_code == 201
        assert created.parsed.uprn == "300000000042"

        answer = await overview.asyncio_detailed(client=client, uprn="300000000042")
        assert answer.status_code == 200
        assert isinstance(answer.parsed, models.HomeOverview)
        assert answer.parsed.uprn == "300000000042"
        assert answer.parsed.degraded == []
        # Its parts are the services' own records, typed (gateway.parts), not bare dicts.
        assert isinstance(answer.parsed.home, models.HomePublic)
        assert answer.parsed.home.address_line_1 == "42 Mare Street"
        assert isinstance(answer.parsed.gas, models.HomeCompliance)
        assert answer.parsed.gas.uprn == "300000000042"

        missing = await overview.asyncio_detailed(client=client, uprn="999999999998")
        assert missing.status_code == 404
        assert isinstance(missing.parsed, models.Problem)
