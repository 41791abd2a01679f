"""Migration 0031: a tenancy withdrawn before its first day keeps why, when the officer
said (ADR 0111, amended), null for every tenancy before. It goes back and forward again,
on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from services.income.tests.migration_round_trip import at_the_head_and_back
from tests.harness.infra import DatabaseFactory


def columns(connection: Connection) -> set[str]:
    return {column["name"] for column in inspect(connection).get_columns("tenancy")}


async def test_0031_adds_the_withdrawal_reason_and_goes_back(databases: DatabaseFactory) -> None:
    at_the_head, gone_back = await at_the_head_and_back(databases, "income_0031", "0030", columns)
    assert "withdrawal_reason" in at_the_head
    assert "withdrawal_reason" not in gone_back
    assert {"withdrawn_at", "backdated_weeks_charged"} <= gone_back
