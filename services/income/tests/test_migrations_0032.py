"""Migration 0032: a tenancy loaded from the old system keeps the balance it brought
forward and the day it was struck (ADR 0132), both null for every tenancy before. It
goes back and forward again, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from services.income.tests.migration_round_trip import at_the_head_and_back
from tests.harness.infra import DatabaseFactory

BROUGHT_FORWARD = {"balance_brought_forward_pence", "balance_brought_forward_as_at"}


def columns(connection: Connection) -> dict[str, bool]:
    return {
        column["name"]: column["nullable"] for column in inspect(connection).get_columns("tenancy")
    }


async def test_0032_adds_the_balance_brought_forward_and_goes_back(
    databases: DatabaseFactory,
) -> None:
    at_the_head, gone_back = await at_the_head_and_back(databases, "income_0032", "0031", columns)
    assert all(at_the_head[name] for name in BROUGHT_FORWARD)  # null before: none
    assert not BROUGHT_FORWARD & gone_back.keys()
    assert "withdrawal_reason" in gone_back
