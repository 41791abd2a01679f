"""Each service's migrations create exactly what its models describe (a model changed
without a migration fails here), on the test database (PostgreSQL in CI)."""

from __future__ import annotations

import importlib

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData
from sqlalchemy.engine import Connection

from hearth_kit.db import Database
from hearth_kit.tables import kit_metadata
from tests.harness.infra import DatabaseFactory
from tests.harness.service import migrated_database

SERVICES = {
    "compliance": "ComplianceModel",
    "income": "IncomeModel",
    "engagement": "EngagementModel",
    "visits": "VisitsModel",
    "repairs": "RepairsModel",
}


def differences(connection: Connection, metadata: MetaData) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, [metadata, kit_metadata]))


@pytest.mark.parametrize("service", sorted(SERVICES))
async def test_migrations_match_the_models(databases: DatabaseFactory, service: str) -> None:
    url = await migrated_database(databases, service)
    models = importlib.import_module(f"{service}.models")
    metadata: MetaData = getattr(models, SERVICES[service]).metadata
    db = Database(url)
    try:
        async with db.engine.connect() as connection:
            diff = await connection.run_sync(differences, metadata)
    finally:
        await db.dispose()
    assert diff == [], (
        f"{service}: models and migrations differ; run "
        f"`uv run python -m hearth_kit.migrations revision {service} -m ...`"
    )
