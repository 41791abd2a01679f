"""Migration 0022: a notice's withdrawal (nullable: not withdrawn), the trial's end a
settlement kept (nullable: settlements made before it), and the reinstatements officers
make (ADR 0081). It goes back and forward again, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from services.income.tests.migration_round_trip import at_the_head_and_back
from tests.harness.infra import DatabaseFactory


def shape(connection: Connection) -> tuple[set[str], set[str], bool]:
    found = inspect(connection)
    return (
        {column["name"] for column in found.get_columns("possession_notice")},
        {column["name"] for column in found.get_columns("trial_settlement")},
        found.has_table("trial_reinstatement"),
    )


async def test_0022_adds_withdrawals_and_reinstatements_and_goes_back(
    databases: DatabaseFactory,
) -> None:
    (notices, settlements, reinstatements), gone_back = await at_the_head_and_back(
        databases, "income_0022", "0021", shape
    )
    assert {"withdrawn_on", "withdrawn_at", "withdrawn_by"} <= notices
    assert "trial_ended_on" in settlements
    assert reinstatements
    notices, settlements, reinstatements = gone_back
    assert not {"withdrawn_on", "withdrawn_at", "withdrawn_by"} & notices
    assert "trial_ended_on" not in settlements
    assert not reinstatements
    assert "served_at" in notices
