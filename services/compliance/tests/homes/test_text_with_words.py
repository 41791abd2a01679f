"""A block's name of whitespace alone is refused, naming it, nothing kept; one kept
before that rule is still shown (the read does not hold stored rows to the new rule,
which would have made the block a 500)."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import httpx

from compliance.models import Block
from hearth_kit.db import Database


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


async def test_a_block_named_with_whitespace_alone_is_refused_naming_name(
    compliance: httpx.AsyncClient,
) -> None:
    block = a_uprn()
    response = await compliance.post("/v1/blocks", json={"uprn": block, "name": " \t "})
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["name"]
    assert (await compliance.get(f"/v1/blocks/{block}")).status_code == 404


async def test_a_block_named_with_whitespace_alone_before_the_rule_is_still_shown(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    block = a_uprn()
    async with compliance_database.sessionmaker() as session, session.begin():
        session.add(Block(uprn=block, name="   ", registered_at=datetime(2025, 1, 6, tzinfo=UTC)))
    response = await compliance.get(f"/v1/blocks/{block}")
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "   "


async def test_an_estate_code_no_estate_can_have_is_refused_naming_estate_id(
    compliance: httpx.AsyncClient,
) -> None:
    """NUL went to PostgreSQL (a problem naming no field), spaces to a 404."""
    for code in ("a%00b", "%20%20"):
        response = await compliance.get(f"/v1/estates/{code}")
        assert response.status_code == 422, response.text
        [error] = response.json()["errors"]
        assert (error["field"], error["location"]) == ("estate_id", "path")
