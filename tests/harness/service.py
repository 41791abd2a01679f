"""One service's API on a freshly migrated real database, for its own tests.

The relay and the consumer are off, so the events an endpoint publishes stay in the
outbox table, where tests read them; the scheduled jobs are off too, so a test runs a
job itself at the moment it chooses and no job woken by the real clock takes its rows
first (tests/test_service_harness.py). See services/<name>/tests/conftest.py.
"""

from __future__ import annotations

import contextlib
import importlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
from alembic import command
from asgi_lifespan import LifespanManager
from sqlalchemy.engine import Connection

from hearth_kit.db import Database
from hearth_kit.migrations import alembic_config, upgrade
from tests.harness.infra import DatabaseFactory
from tests.harness.platform import settings_class
from tests.harness.tokens import InternalTokenAuth


async def migrated_database(databases: DatabaseFactory, service: str) -> str:
    """A fresh database for `service`, migrated to head; returns its URL."""
    return await databases.migrated(
        service, importlib.import_module(f"{service}.settings").MIGRATIONS_DIR
    )


@contextlib.asynccontextmanager
async def service_api(service: str, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client on the service's app (lifespan started), relay and consumer off.
    It calls as the gateway would: each request carries a fresh internal token for the
    service with staff scopes and admin (see tests/harness/tokens.py). Relay, consumer
    and scheduled jobs are off: the tests run each job themselves."""
    settings = settings_class(service)(
        database_url=database_url,
        relay_enabled=False,
        consumer_enabled=False,
        scheduler_enabled=False,
    )
    app = importlib.import_module(f"{service}.app").create_app(settings)
    async with (
        LifespanManager(app) as manager,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(manager.app),
            base_url=f"http://{service}",
            auth=InternalTokenAuth(service),
        ) as client,
    ):
        yield client


@contextlib.asynccontextmanager
async def opened_database(database_url: str) -> AsyncIterator[Database]:
    db = Database(database_url)
    try:
        yield db
    finally:
        await db.dispose()


async def upgraded(db: Database, migrations_dir: Path, revision: str = "head") -> None:
    """hearth_kit.migrations.upgrade of `db` to `revision`: the way back up after
    `downgraded`."""
    await upgrade(migrations_dir, db.url.render_as_string(hide_password=False), revision)


async def downgraded(db: Database, migrations_dir: Path, revision: str) -> None:
    """Alembic's downgrade to `revision` in one transaction (a refused one leaves nothing
    behind). On SQLite with foreign keys unchecked meanwhile, as in a batch migration of
    a table others refer to: the copy drops the table they name."""

    def downgrade(connection: Connection) -> None:
        config = alembic_config(migrations_dir, db.url.render_as_string(hide_password=False))
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    def foreign_keys(on: bool) -> Callable[[Connection], None]:
        def pragma(connection: Connection) -> None:
            if db.is_sqlite:  # outside a transaction, where SQLite heeds it
                dbapi = connection.connection.dbapi_connection
                assert dbapi is not None  # a live connection's
                cursor = dbapi.cursor()
                cursor.execute(f"PRAGMA foreign_keys = {'ON' if on else 'OFF'}")
                cursor.close()

        return pragma

    async with db.engine.connect() as connection:
        await connection.run_sync(foreign_keys(False))
        try:
            async with connection.begin():
                await connection.run_sync(downgrade)
        finally:
            await connection.run_sync(foreign_keys(True))
