"""Homes for the figures' tests: the register's events that tell engagement a home and
its tenure, and an engagement database of the test's own (the figures count every home
and response in it)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import datetime

import httpx

from engagement.handlers import on_properties_registered, on_properties_updated
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


async def a_home(
    db: Database, tenure: Tenure, at: datetime, *, then: tuple[Tenure, datetime] | None = None
) -> str:
    """A home registered at `at` with `tenure`, its tenure changed by an update to `then`
    (the tenure, and when) if given: its UPRN."""
    uprn = a_uprn()
    async with db.sessionmaker() as session, session.begin():
        await on_properties_registered(session, [registered(uprn, tenure, at)])
        if then is not None:
            await on_properties_updated(session, [updated(uprn, *then)])
    return uprn


async def perception_answered(
    client: httpx.AsyncClient, uprn: str, rating: str, questions: Sequence[str]
) -> None:
    """A perception response at the home on 10 June 2025 rating each question alike."""
    response = await client.post(
        "/v1/surveys/responses",
        json={
            "survey": "perception",
            "uprn": uprn,
            "answers": [{"question": q, "rating": rating} for q in questions],
            "responded_at": "2025-06-10T12:00:00+00:00",
        },
    )
    assert response.status_code == 201, response.text
