"""TP01 to TP12 are the shares of the perception survey's respondents among the tenants
of homes let to them, as CH01 counts complaints per 1,000 of those homes: a leaseholder's
or a shared owner's answers are left out (their homes are held on a long lease, not
let; the regulator asks them apart). A home engagement was never told the tenure of
counts as let, as in CH01. Fixed past dates (June 2025)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest

from hearth_contracts.events.compliance import Tenure
from hearth_kit.db import Database
from services.engagement.tests.figures.homes import (
    a_home,
    a_uprn,
    own_engagement,
    perception_answered,
)
from tests.harness.infra import DatabaseFactory

REGISTERED = datetime(2025, 1, 6, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
async def fresh(databases: DatabaseFactory) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    """Figures count everything in the database, so this module has its own."""
    async with own_engagement(databases) as client_and_db:
        yield client_and_db


async def home(db: Database, tenure: Tenure) -> str:
    return await a_home(db, tenure, REGISTERED)


async def answered(client: httpx.AsyncClient, uprn: str, rating: str) -> None:
    await perception_answered(client, uprn, rating, ["tp01_overall", "tp05_safe_home"])


async def test_leaseholders_and_shared_owners_are_not_counted_in_tp01_to_tp12(
    fresh: tuple[httpx.AsyncClient, Database],
) -> None:
    client, db = fresh
    await answered(client, await home(db, Tenure.GENERAL_NEEDS), "very_satisfied")
    await answered(client, await home(db, Tenure.SHELTERED), "fairly_dissatisfied")
    await answered(client, await home(db, Tenure.LEASEHOLD), "very_dissatisfied")
    await answered(client, await home(db, Tenure.SHARED_OWNERSHIP), "very_dissatisfied")
    await answered(client, a_uprn(), "fairly_satisfied")  # a home of unknown tenure
    figures = await client.get(
        "/v1/engagement/figures", params={"from": "2025-06-01", "to": "2025-06-30"}
    )
    assert figures.status_code == 200, figures.text
    measures = {m["code"]: m for m in figures.json()["measures"]}
    for code in ("TP01", "TP05"):
        assert (measures[code]["numerator"], measures[code]["denominator"]) == (2, 3), code
