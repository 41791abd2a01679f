"""Migration 0029: a tenancy withdrawn before its first day keeps when and by whom
(ADR 0111), null for every other. It goes back and forward again, on SQLite and
PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from services.income.tests.migration_round_trip import at_the_head_and_back
from tests.harness.infra import DatabaseFactory


def columns(connection: Connection) -> set[str]:
    return {column["name"] for column in inspect(connection).get_columns("tenancy")}


async def test_0029_adds_the_withdrawal_to_tenancies_and_goes_back(
    databases: DatabaseFactory,
) -> None:
    at_the_head, gone_back = await at_the_head_and_back(databases, "income_0029", "0028", columns)
    assert {"withdrawn_at", "withdrawn_by"} <= at_the_head
    assert not {"withdrawn_at", "withdrawn_by"} & gone_back
    assert "end_reason" in gone_back
