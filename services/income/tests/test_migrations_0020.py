"""Migration 0020: a court hearing's claim issued date (nullable: hearings recorded
before it have none, and the trial rule reads the day recorded for them) and the
trial-end job's settlements. It goes back and forward again, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from services.income.tests.migration_round_trip import at_the_head_and_back
from tests.harness.infra import DatabaseFactory


def shape(connection: Connection) -> tuple[set[str], bool]:
    found = inspect(connection)
    return (
        {column["name"] for column in found.get_columns("court_hearing")},
        found.has_table("trial_settlement"),
    )


async def test_0020_adds_the_claim_date_and_settlements_and_goes_back(
    databases: DatabaseFactory,
) -> None:
    (columns, settlements), gone_back = await at_the_head_and_back(
        databases, "income_0020", "0019", shape
    )
    assert "claim_issued_on" in columns
    assert settlements
    columns, settlements = gone_back
    assert "claim_issued_on" not in columns
    assert not settlements
    assert "listed_for" in columns
