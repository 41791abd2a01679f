"""The cross-check reports a block with a communal boiler and no gas check in the
programme, as it reports a home with gas and none. DOMAIN.md: the gas programme is
cross-checked against the stock register; a block's communal boiler is in the
programme (checks_for_block) and its check counts for BS01 (ADR 0088), but the
cross-check read homes only, so a communal boiler with no check was never reported."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import update
from sqlmodel import col

from compliance.models import Check
from hearth_kit.db import Database
from services.compliance.tests.checks.test_programme import a_gas_home, gas_check
from services.compliance.tests.factories import a_block, london_today


async def lose_the_gas_check(compliance: httpx.AsyncClient, database: Database, uprn: str) -> None:
    """The open gas check closed with no next cycle, as though it never followed."""
    check = await gas_check(compliance, uprn)
    async with database.sessionmaker() as session, session.begin():
        await session.execute(
            update(Check)
            .where(col(Check.id) == uuid.UUID(check["id"]))
            .values(completed_at=datetime.now(UTC))
        )


async def cross_check(compliance: httpx.AsyncClient, limit: int) -> list[dict[str, Any]]:
    listed: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = await compliance.get("/v1/compliance/cross-check", params=params)
        assert response.status_code == 200, response.text
        page = response.json()
        listed += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return listed


async def test_a_communal_boiler_with_no_gas_check_is_reported(
    compliance: httpx.AsyncClient, compliance_database: Database
) -> None:
    boiler = await a_block(compliance, communal_boiler=True)
    no_boiler = await a_block(compliance, communal_boiler=False)
    in_programme = await a_block(compliance, communal_boiler=True)
    homes = [await a_gas_home(compliance, london_today() + timedelta(days=100)) for _ in range(2)]
    for uprn in [boiler, *homes]:
        await lose_the_gas_check(compliance, compliance_database, uprn)

    for limit in (1, 200):  # one at a time, homes and blocks in one UPRN order
        listed = await cross_check(compliance, limit)
        assert [item["uprn"] for item in listed] == sorted([boiler, *homes])
        by_uprn = {item["uprn"]: item for item in listed}
        assert by_uprn[boiler] == {
            "uprn": boiler,
            "subject": "block",
            "heating_fuel": None,
            "gas_supply": None,
            "gas_status": "annual",
        }
        assert {by_uprn[home]["subject"] for home in homes} == {"home"}
        assert no_boiler not in by_uprn
        assert in_programme not in by_uprn
