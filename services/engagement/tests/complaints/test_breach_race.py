"""A stage's deadline breach is raised once, by the scheduled job or by a late
acknowledgement or answer, never by both: a change to a complaint reads its stages
locked, and the job skips stage rows another transaction holds (PostgreSQL row locks;
SQLite has one writer at a time, so the two never interleave there)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from engagement.complaints.service import ComplaintService
from engagement.settings import ComplaintTimescales
from hearth_kit.db import Database
from hearth_kit.scheduler import ScheduledJob, run_until_done
from hearth_kit.working_days import ENGLAND_AND_WALES

Published = Callable[[str, str], Awaitable[list[dict[str, Any]]]]


async def test_the_job_leaves_a_stage_being_acknowledged_to_the_acknowledgement(
    engagement: httpx.AsyncClient, engagement_database: Database, published: Published
) -> None:
    if engagement_database.url.get_backend_name() != "postgresql":
        pytest.skip("row locks between two transactions: PostgreSQL only")
    uprn = str(random.randint(10**9, 10**12 - 1))
    now = datetime.now(UTC)
    response = await engagement.post(
        "/v1/complaints",
        json={
            "uprn": uprn,
            "category": "repairs",
            "medium": "phone",
            "summary": "The boiler was left unrepaired for three weeks",
            "received_at": (now - timedelta(days=20)).isoformat(),
        },
    )
    assert response.status_code == 201, response.text
    complaint_id = response.json()["id"]
    service = ComplaintService(ComplaintTimescales().by_stage(), ENGLAND_AND_WALES)
    job = ScheduledJob("complaint-deadlines", timedelta(minutes=5), service.raise_breaches)

    # An acknowledgement has read the complaint and its stages (what acknowledge,
    # extend, respond and escalate do first) and has not yet written: the job, running
    # meanwhile, must leave the stage alone.
    async with engagement_database.sessionmaker() as changing, changing.begin():
        await service._with_stages(changing, uuid.UUID(complaint_id))
        await run_until_done(engagement_database, job, now)
        assert await published(uprn, "complaint-deadline-breached") == []

    # The late acknowledgement raises the breach; the job afterwards raises nothing more.
    acknowledged = await engagement.post(
        f"/v1/complaints/{complaint_id}/acknowledge",
        json={"acknowledged_at": now.isoformat(), "handler": "staff-1"},
    )
    assert acknowledged.status_code == 200, acknowledged.text
    await run_until_done(engagement_database, job, now + timedelta(minutes=5))
    [breach] = await published(uprn, "complaint-deadline-breached")
    assert (breach["complaint_id"], breach["deadline"]) == (complaint_id, "acknowledge")
