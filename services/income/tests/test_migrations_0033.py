"""Migration 0033: an arrears case keeps when the ladder last found its account clear
of arrears (ADR 0133), null for every case before (every protocol step recorded counts
until the ladder next finds it clear). It goes back and forward again, on SQLite and
PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from services.income.tests.migration_round_trip import at_the_head_and_back
from tests.harness.infra import DatabaseFactory


def columns(connection: Connection) -> dict[str, bool]:
    return {
        column["name"]: column["nullable"]
        for column in inspect(connection).get_columns("arrears_case")
    }


async def test_0033_adds_clear_of_arrears_at_and_goes_back(databases: DatabaseFactory) -> None:
    at_the_head, gone_back = await at_the_head_and_back(databases, "income_0033", "0032", columns)
    assert at_the_head["clear_of_arrears_at"] is True  # null before: not seen clear yet
    assert "clear_of_arrears_at" not in gone_back
    assert "vulnerability_considered_at" in gone_back
