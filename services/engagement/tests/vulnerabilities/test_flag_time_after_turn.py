"""A flag (vulnerability-recorded v2) is versioned by when it is published, and
consumers keep the latest. Changes to one resident's vulnerabilities take turns at the
resident's lock (test_flag_order), so the flag published last must also be the latest:
a change dates its flag once it has its turn, not when the request came in.

The two changes are interleaved on purpose: a record is held after it began, before it
takes the resident, while a removal of the resident's other vulnerability comes in and
commits; then the record goes on. PostgreSQL only (on SQLite the record's transaction
holds the whole database from its start, docs/adr/0027, so nothing can come between)."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime
from typing import Any

import pytest

from engagement.residents import repository as residents
from engagement.vulnerabilities.schemas import VulnerabilityCreate
from engagement.vulnerabilities.service import vulnerability_service
from hearth_kit.auth import Caller
from hearth_kit.db import Database
from tests.harness.tokens import STAFF_SCOPES

from ..residents.test_registration_race import on_postgresql
from .test_need_to_know import ClientWithScopes, a_tenant, a_vulnerability, flags


async def test_a_record_that_waited_for_its_turn_publishes_the_latest_flag(
    engagement_as: ClientWithScopes,
    engagement_database: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A record dated its flag before it waited for the resident: a removal that took
    the resident first and committed `vulnerable: false` carried a later time than the
    record's `true` published after it, so every consumer kept false for a resident
    with a vulnerability recorded."""
    on_postgresql(engagement_database)
    uprn, person_id = await a_tenant(engagement_database)
    writer = engagement_as(STAFF_SCOPES | {"vulnerabilities:write"})
    first = await writer.post(f"/v1/residents/{person_id}/vulnerabilities", json=a_vulnerability())
    assert first.status_code == 201, first.text

    before_the_turn = asyncio.Event()
    go_on = asyncio.Event()
    get = residents.get

    async def held_before_the_first_lock(session: Any, resident_id: Any, **kw: Any) -> Any:
        if not before_the_turn.is_set():
            before_the_turn.set()
            await go_on.wait()
        return await get(session, resident_id, **kw)

    monkeypatch.setattr(residents, "get", held_before_the_first_lock)

    async def record() -> None:
        async with engagement_database.sessionmaker() as session, session.begin():
            await vulnerability_service.record(
                session,
                person_id,
                VulnerabilityCreate.model_validate(a_vulnerability()),
                Caller(subject=f"officer-{uuid.uuid4().hex[:8]}", scopes=frozenset()),
            )

    recording = asyncio.create_task(record())
    await before_the_turn.wait()
    removed = await writer.delete(f"/v1/residents/{person_id}/vulnerabilities/{first.json()['id']}")
    assert removed.status_code == 204, removed.text
    go_on.set()
    await recording

    published = [json.loads(flag) for flag in await flags(engagement_database, uprn)]
    latest = max(published, key=lambda flag: datetime.fromisoformat(flag["recorded_at"]))
    assert latest["vulnerable"] is True
