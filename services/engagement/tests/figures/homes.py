"""Homes for the figures' tests: the register's events that tell engagement a home and
its tenure, and an engagement database of the test's own (the figures count every home
and response in it)."""

from __future__ import annotations

import contextlib
import random
from collections.abc import AsyncIterator
from datetime import datetime

import httpx

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import PropertyRegistered, PropertyUpdated, Tenure
from hearth_kit.db import Database
from tests.harness.infra import DatabaseFactory
from tests.harness.service import migrated_database, opened_database, service_api

ENTRY = {
    "address_line_1": "1 Mare Street",
    "town": "London",
    "postcode": "E8 1HR",
    "property_type": "flat",
    "heating_fuel": "gas",
    "gas_supply": "live",
}


@contextlib.asynccontextmanager
async def own_engagement(
    databases: DatabaseFactory,
) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    """The engagement API and its Database on a newly migrated database."""
    url = await migrated_database(databases, "engagement")
    async with service_api("engagement", url) as client, opened_database(url) as db:
        yield client, db


def a_uprn() -> str:
    return str(random.randint(10**9, 10**12 - 1))


def registered(uprn: str, tenure: Tenure, at: datetime) -> Envelope[PropertyRegistered]:
    return Envelope(
        data=PropertyRegistered.model_validate(
            {"uprn": uprn, **ENTRY, "tenure": tenure, "registered_at": at.isoformat()}
        )
    )


def updated(uprn: str, tenure: Tenure, at: datetime) -> Envelope[PropertyUpdated]:
    return Envelope(
        data=PropertyUpdated.model_validate(
            {"uprn": uprn, **ENTRY, "tenure": tenure, "updated_at": at.isoformat()}
        )
    )
