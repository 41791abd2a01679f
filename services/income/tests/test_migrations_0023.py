"""Migration 0023: the court's terms on a hearing's outcome and the day they were broken
(nullable: no terms, as for every outcome recorded before it; ADR 0084). It goes back
and forward again, on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from services.income.tests.migration_round_trip import at_the_head_and_back
from tests.harness.infra import DatabaseFactory

TERMS = {
    "terms_arrears_instalment_pence",
    "terms_frequency",
    "terms_first_instalment_on",
    "terms_arrears_pence",
    "terms_broken_on",
}


def columns(connection: Connection) -> dict[str, bool]:
    return {
        column["name"]: column["nullable"]
        for column in inspect(connection).get_columns("court_hearing")
    }


async def test_0023_adds_the_court_terms_and_goes_back(databases: DatabaseFactory) -> None:
    found, gone_back = await at_the_head_and_back(databases, "income_0023", "0022", columns)
    assert {name: found.get(name) for name in TERMS} == dict.fromkeys(TERMS, True)
    assert not TERMS & gone_back.keys()
    assert "claim_issued_on" in gone_back
