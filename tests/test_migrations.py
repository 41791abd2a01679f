"""Each service's migrations create exactly what its models describe (a model changed
without a migration fails here), on the test database (PostgreSQL in CI); and the kit
tables' v3 downgrade keeps what is still to be sent readable by an older relay."""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import MetaData, insert, inspect, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.schema import CreateIndex

from compliance.settings import MIGRATIONS_DIR
from hearth_contracts import Envelope
from hearth_contracts.events.compliance import (
    GasSupply,
    HeatingFuel,
    PropertyRegistered,
    PropertyType,
)
from hearth_kit.db import Database
from hearth_kit.migrations import alembic_config, upgrade
from hearth_kit.outbox import outbox_row
from hearth_kit.tables import kit_metadata, outbox_message
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
    found = list(compare_metadata(context, [metadata, kit_metadata]))
    if connection.dialect.name == "sqlite":
        return without_sort_order_misread(connection, found)
    return found


def without_sort_order_misread(connection: Connection, found: list[Any]) -> list[Any]:
    """SQLAlchemy reflects no column sort order from SQLite (an index on `score DESC`
    reads back as on `score`), so Alembic reports every index with a DESC column as
    removed and added again. Such a pair is no difference when the CREATE INDEX that
    SQLite stored for the migrated database is the one the model's index compiles to;
    any other difference stays."""
    added = {change[1].name: change[1] for change in found if change[0] == "add_index"}
    removed = {change[1].name for change in found if change[0] == "remove_index"}

    def stored(name: str) -> str:
        sql = connection.execute(
            text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :name"),
            {"name": name},
        ).scalar_one_or_none()
        return " ".join(str(sql).split())

    same = {
        name
        for name in added.keys() & removed
        if stored(name) == " ".join(str(CreateIndex(added[name]).compile(connection)).split())
    }
    return [
        change
        for change in found
        if not (change[0] in ("add_index", "remove_index") and change[1].name in same)
    ]


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


async def test_going_back_before_kafka_headers_gives_unsent_rows_their_json_headers(
    databases: DatabaseFactory,
) -> None:
    """Kit tables v3 (ADR 0023) keeps new rows' headers only as the Kafka record carries
    them; a downgrade gives every row still to be sent its JSON headers back, which is
    all an older relay reads."""
    url = await migrated_database(databases, "compliance")
    envelope = Envelope(
        data=PropertyRegistered(
            uprn="100023336956",
            address_line_1="1 Church Road",
            town="Leeds",
            postcode="LS6 2AB",
            property_type=PropertyType.HOUSE,
            heating_fuel=HeatingFuel.GAS,
            gas_supply=GasSupply.LIVE,
            registered_at=datetime.now(UTC),
        ),
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    )
    engine = create_async_engine(url)

    def downgrade(connection: Connection) -> None:
        config = alembic_config(MIGRATIONS_DIR, url)
        config.attributes["connection"] = connection
        command.downgrade(config, "0006")

    try:
        async with engine.begin() as connection:
            await connection.execute(insert(outbox_message).values(**outbox_row(envelope)))
            await connection.run_sync(downgrade)
        async with engine.connect() as connection:
            headers = (await connection.execute(select(outbox_message.c.headers))).scalar_one()
    finally:
        await engine.dispose()
    assert headers == {name: value.decode() for name, value in envelope.headers()}
    await upgrade(MIGRATIONS_DIR, url)  # and forward again


async def test_the_time_a_check_was_done_goes_and_comes_back_as_a_column(
    databases: DatabaseFactory,
) -> None:
    """Compliance 0015 adds `checked_at` to gas safety and certificate records (ADR
    0040), nullable with no backfill; its downgrade drops both, and upgrading again adds
    them back."""

    def columns(connection: Connection) -> dict[str, set[str]]:
        inspector = inspect(connection)
        return {
            table: {c["name"] for c in inspector.get_columns(table)}
            for table in ("gas_safety_record", "certificate_record")
        }

    url = await migrated_database(databases, "compliance")
    engine = create_async_engine(url)

    def downgrade(connection: Connection) -> None:
        config = alembic_config(MIGRATIONS_DIR, url)
        config.attributes["connection"] = connection
        command.downgrade(config, "0014")

    try:
        async with engine.connect() as connection:
            assert all("checked_at" in c for c in (await connection.run_sync(columns)).values())
        async with engine.begin() as connection:
            await connection.run_sync(downgrade)
        async with engine.connect() as connection:
            assert not any("checked_at" in c for c in (await connection.run_sync(columns)).values())
        await upgrade(MIGRATIONS_DIR, url)
        async with engine.connect() as connection:
            assert all("checked_at" in c for c in (await connection.run_sync(columns)).values())
    finally:
        await engine.dispose()
