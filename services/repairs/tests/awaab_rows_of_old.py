"""Awaab's Law rows as earlier migrations had them, for the migration tests (0023, 0024):
written as SQL with the columns of the day, not through today's models, which have
columns the revision under test has not added yet."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hearth_kit.db import Database
from hearth_kit.migrations import upgrade
from repairs.settings import MIGRATIONS_DIR
from tests.harness.infra import DatabaseFactory

UPRN = "100023336956"


def old_clock_table(*added_since_0022: sa.ColumnClause[Any]) -> sa.TableClause:
    """awaab_clock with the columns it had at 0022, and those a later revision added."""
    return sa.table(
        "awaab_clock",
        sa.column("id", sa.Uuid()),
        sa.column("case_id", sa.Uuid()),
        sa.column("uprn", sa.String()),
        sa.column("milestone", sa.String()),
        sa.column("started_at", sa.DateTime(timezone=True)),
        sa.column("due_at", sa.DateTime(timezone=True)),
        sa.column("paused_at", sa.DateTime(timezone=True)),
        sa.column("pauses", sa.JSON()),
        sa.column("stopped_at", sa.DateTime(timezone=True)),
        sa.column("evidence", sa.JSON()),
        *added_since_0022,
    )


def old_case_table() -> sa.TableClause:
    """awaab_case with the columns it had from 0022 to 0037 (0038 added duplicate_of)."""
    return sa.table(
        "awaab_case",
        sa.column("id", sa.Uuid()),
        sa.column("uprn", sa.String()),
        sa.column("severity", sa.String()),
        sa.column("source", sa.String()),
        sa.column("hazard_id", sa.Uuid()),
        sa.column("complaint_id", sa.Uuid()),
        sa.column("became_aware_at", sa.DateTime(timezone=True)),
        sa.column("opened_at", sa.DateTime(timezone=True)),
        sa.column("status", sa.String()),
    )


def an_old_case(severity: str, source: str, became_aware_at: datetime) -> dict[str, object]:
    """An open case's row as those revisions wrote it, opened when the landlord became
    aware."""
    return {
        "id": uuid.uuid4(),
        "uprn": UPRN,
        "severity": severity,
        "source": source,
        "hazard_id": None,
        "complaint_id": None,
        "became_aware_at": became_aware_at,
        "opened_at": became_aware_at,
        "status": "open",
    }


def an_old_clock(
    case_id: uuid.UUID, milestone: str, started_at: datetime, due_at: datetime, **more: object
) -> dict[str, object]:
    """A running clock's row at 0022 (never paused, stopped or evidenced), `more` over it."""
    return {
        "id": uuid.uuid4(),
        "case_id": case_id,
        "uprn": UPRN,
        "milestone": milestone,
        "started_at": started_at,
        "due_at": due_at,
        "paused_at": None,
        "pauses": [],
        "stopped_at": None,
        "evidence": [],
        **more,
    }


@asynccontextmanager
async def a_database_at(
    databases: DatabaseFactory, name: str, revision: str
) -> AsyncIterator[tuple[str, Database]]:
    """A new repairs database migrated up to `revision` (its url and a Database on it,
    disposed of after), for a test to write rows of the day and then upgrade."""
    url = await databases.create(name)
    await upgrade(MIGRATIONS_DIR, url, revision)
    db = Database(url)
    try:
        yield url, db
    finally:
        await db.dispose()
