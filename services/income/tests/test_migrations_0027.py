"""Migration 0027: a trial reinstatement names the correction of a court outcome that
put the trial back (ADR 0093), null for an officer's own. It goes back and forward
again, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from services.income.tests.migration_round_trip import at_the_head_and_back
from tests.harness.infra import DatabaseFactory


def columns(connection: Connection) -> set[str]:
    return {column["name"] for column in inspect(connection).get_columns("trial_reinstatement")}


async def test_0027_adds_the_correction_to_reinstatements_and_goes_back(
    databases: DatabaseFactory,
) -> None:
    at_the_head, gone_back = await at_the_head_and_back(databases, "income_0027", "0026", columns)
    assert "correction_id" in at_the_head
    assert "correction_id" not in gone_back
    assert "reinstated_by" in gone_back
