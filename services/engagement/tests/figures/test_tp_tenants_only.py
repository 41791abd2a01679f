"""TP01 to TP12 are the shares of the perception survey's respondents among the tenants
of homes let to them, as CH01 counts complaints per 1,000 of those homes: a leaseholder's
or a shared owner's answers are left out (their homes are held on a long lease, not
let; the regulator asks them apart). A home engagement was never told the tenure of
counts as let, as in CH01. Fixed past dates (June 2025)."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator

import httpx
import pytest

from engagement.handlers import on_properties_registered
from hearth_contracts import Envelope
from hearth_contracts.events.compliance import PropertyRegistered, Tenure
from hearth_kit.db import Database
from tests.harness.infra import DatabaseFactory
from tests.harness.service import migrated_database, opened_database, service_api

REGISTERED = "2025-01-06T09:00:00+00:00"
ENTRY = {
    "address_line_1": "1 Mare Street",
    "town": "London",
    "postcode": "E8 1HR",
    "property_type": "flat",
    "heating_fuel": "gas",
    "gas_supply": "live",
}


@pytest.fixture(scope="module")
async def fresh(databases: DatabaseFactory) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    """Figures count everything in the database, so this module has its own."""
    url = await migrated_database(databases, "engagement")
    async with service_api("engagement", url) as client, opened_database(url) as db:
        yield client, db


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


async def home(db: Database, tenure: Tenure) -> str:
    uprn = a_uprn()
    event = Envelope(
        data=PropertyRegistered.model_validate(
            {"uprn": uprn, **ENTRY, "tenure": tenure, "registered_at": REGISTERED}
        )
    )
    async with db.sessionmaker() as session, session.begin():
        await on_properties_registered(session, [event])
    return uprn


async def answered(client: httpx.AsyncClient, uprn: str, rating: str) -> None:
    response = await client.post(
        "/v1/surveys/responses",
        json={
            "survey": "perception",
            "uprn": uprn,
            "answers": [
                {"question": "tp01_overall", "rating": rating},
                {"question": "tp05_safe_home", "rating": rating},
            ],
            "responded_at": "2025-06-10T12:00:00+00:00",
        },
    )
    assert response.status_code == 201, response.text


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
