"""The flag engagement publishes (vulnerability-recorded v2) is the resident's
vulnerabilities as they stand, and the latest flag is the one consumers keep (income
pauses arrears letters on it). So changes to one resident's vulnerabilities take their
turns: each locks the resident first, and its flag counts what the one before it
committed.

The two transactions are interleaved on purpose: a record is held uncommitted while a
removal of the resident's other vulnerability comes in, then committed. PostgreSQL
only: the wait is a row lock, seen in pg_stat_activity (on SQLite a writer holds the
whole database, docs/adr/0027)."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime

from engagement.vulnerabilities.schemas import VulnerabilityCreate
from engagement.vulnerabilities.service import vulnerability_service
from hearth_kit.auth import Caller
from hearth_kit.db import Database
from tests.harness.locks import until_a_backend_waits_for_a_lock
from tests.harness.tokens import STAFF_SCOPES

from ..residents.test_registration_race import on_postgresql
from .test_need_to_know import ClientWithScopes, a_tenant, a_vulnerability, flags


async def test_a_removal_while_another_is_recorded_publishes_a_flag_that_counts_it(
    engagement_as: ClientWithScopes, engagement_database: Database
) -> None:
    """A removal of the resident's only committed vulnerability, made while a new one
    was being recorded, read none left and published `vulnerable: false` after the
    record's `true`: the resident was vulnerable, and every consumer kept false."""
    on_postgresql(engagement_database)
    uprn, person_id = await a_tenant(engagement_database)
    writer = engagement_as(STAFF_SCOPES | {"vulnerabilities:write"})
    first = await writer.post(f"/v1/residents/{person_id}/vulnerabilities", json=a_vulnerability())
    assert first.status_code == 201, first.text

    async with engagement_database.sessionmaker() as session, session.begin():
        await vulnerability_service.record(  # not yet committed
            session,
            person_id,
            VulnerabilityCreate.model_validate(a_vulnerability()),
            Caller(subject=f"officer-{uuid.uuid4().hex[:8]}", scopes=frozenset()),
        )
        removed = asyncio.create_task(
            writer.delete(f"/v1/residents/{person_id}/vulnerabilities/{first.json()['id']}")
        )
        waited = asyncio.create_task(until_a_backend_waits_for_a_lock(engagement_database))
        await asyncio.wait({removed, waited}, return_when=asyncio.FIRST_COMPLETED)
        waited.cancel()
    response = await removed
    assert response.status_code == 204, response.text

    # Consumers keep the flag with the latest recorded_at (income's save_flag).
    published = [json.loads(flag) for flag in await flags(engagement_database, uprn)]
    latest = max(published, key=lambda flag: datetime.fromisoformat(flag["recorded_at"]))
    assert latest["vulnerable"] is True
