"""A home and a block never share a UPRN (ADR 0106). A communal boiler's gas safety
record is taken at the block's UPRN (ADR 0101); a home registered there too would make
that record, and the check it completes, the home's or the block's. Before, POST
/v1/homes and the stock import registered a home at a block's UPRN, and POST /v1/blocks
a block at a home's."""

from __future__ import annotations

from typing import Any

import httpx

from services.compliance.tests.conftest import Published
from services.compliance.tests.factories import a_block, a_uprn

HEADER = (
    "uprn,address_line_1,address_line_2,town,postcode,property_type,tenure,heating_fuel,"
    "gas_supply,block_id,estate_id,gas_certificate_expires_on,electrical_certificate_expires_on"
)


def a_home(uprn: str) -> dict[str, Any]:
    return {
        "uprn": uprn,
        "address_line_1": "Flat 1, Hollis House",
        "town": "London",
        "postcode": "E8 1DY",
        "property_type": "flat",
        "heating_fuel": "district",
        "gas_supply": "none",
    }


def row(uprn: str) -> str:
    return f"{uprn},1 Hollis House,,London,E8 1DY,flat,general_needs,district,none,,,,"


async def test_a_home_at_a_blocks_uprn_is_a_409_naming_uprn_and_nothing_is_kept(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    block = await a_block(compliance, communal_boiler=True)
    response = await compliance.post("/v1/homes", json=a_home(block))
    assert response.status_code == 409, response.text
    assert response.json()["field"] == "uprn"
    assert (await compliance.get(f"/v1/homes/{block}")).status_code == 404
    assert await published("property-registered", block) == []
    # the block and its communal boiler's check are as they were
    assert (await compliance.get(f"/v1/blocks/{block}")).status_code == 200
    other = await compliance.post("/v1/homes", json=a_home(a_uprn()) | {"block_id": block})
    assert other.status_code == 201, other.text


async def test_an_import_row_at_a_blocks_uprn_is_refused_by_line_and_the_rest_go_in(
    compliance: httpx.AsyncClient, published: Published
) -> None:
    block = await a_block(compliance, communal_boiler=True)
    good = a_uprn()
    text = "\n".join([HEADER, row(good), row(block)]) + "\n"
    response = await compliance.post(
        "/v1/homes/import", content=text.encode(), headers={"Content-Type": "text/csv"}
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["registered"], result["rejected"]) == (1, 1)
    assert [(e["line"], e["field"]) for e in result["errors"]] == [(3, "uprn")]
    assert block not in result["errors"][0]["reason"]
    assert (await compliance.get(f"/v1/homes/{block}")).status_code == 404
    assert await published("property-registered", block) == []
    assert (await compliance.get(f"/v1/homes/{good}")).status_code == 200


async def test_a_block_at_a_homes_uprn_is_a_409_naming_uprn_and_nothing_is_kept(
    compliance: httpx.AsyncClient,
) -> None:
    home = a_uprn()
    assert (await compliance.post("/v1/homes", json=a_home(home))).status_code == 201
    response = await compliance.post(
        "/v1/blocks", json={"uprn": home, "name": "Hollis House", "communal_boiler": True}
    )
    assert response.status_code == 409, response.text
    assert response.json()["field"] == "uprn"
    assert (await compliance.get(f"/v1/blocks/{home}")).status_code == 404
    status = (await compliance.get(f"/v1/compliance/homes/{home}")).json()
    assert [c["check_type"] for c in status["checks"] if c["check_type"] == "gas_safety"] == []
