"""The upgrade's rebuild of engagement from income's topic (docs/runbooks/upgrading.md):
it is for the tenancy projection (ends engagement ignored before 0010, the tenancy
history), so it names tenancy-started and tenancy-ended. Income's topic also holds
arrears-stage-changed, whose handler only queues the arrears letter: engagement ignored
those events before its message pipeline, so replaying them would write to tenants
about arrears steps of months ago (the letter was never queued, so nothing stops it).
On a real broker and database, run twice, as an operator may."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlmodel import col
from typer.testing import CliRunner

from engagement.app import build_services
from engagement.handlers import on_tenancy_started
from engagement.models import Message, Resident
from engagement.settings import EngagementSettings
from hearth_contracts import Envelope, events_topic
from hearth_contracts.events.income import (
    ArrearsStage,
    ArrearsStageChanged,
    TenancyEnded,
    TenancyStarted,
    TenancyStartedV2,
)
from hearth_kit.cli import build_app
from hearth_kit.db import Database
from hearth_kit.kafka import ensure_topics, namespaced
from hearth_kit.projection_rebuild import rebuild_projection
from tests.harness.events import send_envelope

from .test_tenancy_ended import a_uprn, ended, handle, started

pytestmark = pytest.mark.integration

TENANCY_TYPES = [TenancyStarted.type, TenancyStartedV2.type, TenancyEnded.type]
"""The types the runbook's rebuild names: the ones that write the tenancy projection."""


async def test_the_upgrades_rebuild_ends_old_tenancies_and_writes_no_arrears_letter(
    kafka: str, engagement_db_url: str, engagement_database: Database
) -> None:
    tenant = uuid.uuid4()
    tenancy = started(a_uprn(), date(2019, 9, 2), tenant)
    # What engagement held before: the tenancy and its tenant; neither the end nor the
    # arrears step (both ignored by the engagement of the time).
    await handle(engagement_database, on_tenancy_started, Envelope(data=tenancy))
    namespace = f"rebuild{uuid.uuid4().hex[:8]}"
    settings = EngagementSettings(
        database_url=engagement_db_url, kafka_bootstrap_servers=kafka, kafka_namespace=namespace
    )
    topic = namespaced(events_topic("income"), namespace)
    await ensure_topics(settings, [topic])
    arrears = ArrearsStageChanged(
        tenancy_id=tenancy.tenancy_id,
        uprn=tenancy.uprn,
        stage=ArrearsStage.LETTER_1,
        previous_stage=ArrearsStage.TEXT_REMINDER,
        arrears_pence=52_000,
        changed_at=datetime(2022, 3, 7, 9, tzinfo=UTC),
        person_ids=[tenant],
    )
    for event in (tenancy, arrears, ended(tenancy, date(2023, 1, 8))):
        await send_envelope(kafka, namespace, Envelope(data=event))

    handlers = build_services(settings).handlers
    for _ in range(2):  # safe to run again
        count = await rebuild_projection(
            settings, handlers, engagement_database, topics=[topic], types=TENANCY_TYPES
        )
        assert (count.complete, count.read, count.applied, count.skipped) == (True, 3, 2, 1)

    async with engagement_database.sessionmaker() as session:
        resident = await session.get(Resident, tenant)
        letters = (
            await session.execute(
                select(func.count()).select_from(Message).where(col(Message.resident_id) == tenant)
            )
        ).scalar_one()
    assert resident is not None
    assert (resident.tenancy_id, resident.tenancy_ended_on) == (
        tenancy.tenancy_id,
        date(2023, 1, 8),
    )
    assert letters == 0


def test_a_rebuild_naming_a_type_the_service_does_not_handle_stops_before_reading() -> None:
    """A mistyped --type would apply nothing and still read "complete"."""
    result = CliRunner().invoke(
        build_app(),
        [
            "projection",
            "rebuild",
            "--service",
            "engagement",
            "--type",
            TenancyEnded.type,
            "--type",
            "uk.hearth.income.tenancy-ended.v9",
        ],
    )
    assert result.exit_code == 1
    assert "engagement handles no events of type uk.hearth.income.tenancy-ended.v9" in (
        result.output
    )
