"""Homes for the figures' tests: the register's events that tell engagement a home and
its tenure, and an engagement database of the test's own (the figures count every home
and response in it)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import datetime

import httpx

from hearth_contracts import Envelope
from hearth_contracts.events.compliance import PropertyRegistered, PropertyUpdated, Tenure
from hearth_kit.db import Database
from services.engagement.tests.home_events import A_GAS_FLAT
from services.engagement.tests.home_events import a_uprn as a_uprn  # for the figures tests
from tests.harness.infra import DatabaseFactory
from tests.harness.service import migrated_database, opened_database, service_api


@contextlib.asynccontextmanager
async def own_engagement(
    databases: DatabaseFactory,
) -> AsyncIterator[tuple[httpx.AsyncClient, Database]]:
    """The engagement API and its Database on a newly migrated database."""
    url = await migrated_database(databases, "engagement")
    async with service_api("engagement", url) as client, opened_database(url) as db:
        yield client, db


def registered(uprn: str, tenure: Tenure, at: datetime) -> Envelope[PropertyRegistered]:
    return Envelope(
        data=PropertyRegistered.model_validate(
            {"uprn": uprn, **A_GAS_FLAT, "tenure": tenure, "registered_at": at.isoformat()}
        )
    )


def updated(uprn: str, tenure: Tenure, at: datetime) -> Envelope[PropertyUpdated]:
    return Envelope(
        data=PropertyUpdated.model_validate(
            {"uprn": uprn, **A_GAS_FLAT, "tenure": tenure, "updated_at": at.isoformat()}
        )
    )
