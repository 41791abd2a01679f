"""Migration 0030: a tenancy keeps how many rent weeks were charged when it was recorded
(ADR 0112), 0 for every tenancy before. It goes back and forward again, on SQLite and
PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from services.income.tests.migration_round_trip import at_the_head_and_back
from tests.harness.infra import DatabaseFactory


def columns(connection: Connection) -> dict[str, object]:
    return {
        column["name"]: column.get("default")
        for column in inspect(connection).get_columns("tenancy")
    }


async def test_0030_adds_the_weeks_charged_back_and_goes_back(databases: DatabaseFactory) -> None:
    at_the_head, gone_back = await at_the_head_and_back(databases, "income_0030", "0029", columns)
    assert "backdated_weeks_charged" in at_the_head
    assert "0" in str(at_the_head["backdated_weeks_charged"])  # a tenancy before: none
    assert "backdated_weeks_charged" not in gone_back
    assert "withdrawn_at" in gone_back
