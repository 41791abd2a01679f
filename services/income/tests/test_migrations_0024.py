"""Migration 0024: court_outcome_correction, each correction of a hearing's outcome
with the outcome it replaced (ADR 0086). It goes back and forward again."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from services.income.tests.migration_round_trip import at_the_head_and_back
from tests.harness.infra import DatabaseFactory


def tables(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def test_0024_adds_the_corrections_table_and_goes_back(databases: DatabaseFactory) -> None:
    at_the_head, gone_back = await at_the_head_and_back(databases, "income_0024", "0023", tables)
    assert "court_outcome_correction" in at_the_head
    assert "court_outcome_correction" not in gone_back
    assert "court_hearing" in gone_back
