"""Alembic, once per service: each service keeps its own migrations/ folder whose env.py
calls `run_migrations(<the service's metadata>)`. The kit's own tables (outbox, inbox,
dead letters, idempotency records) live in every service's database too.

Run them with `python -m hearth_kit.migrations upgrade <service> [<service> ...]` (what
`make migrate` does), or `await upgrade(migrations_dir, url)` from code.

A migration runs while the release before it still serves (docs/adr/0004), so on
PostgreSQL it waits at most LOCK_WAIT for each lock it takes (`lock_timeout`), and is
tried again from the start after a pause, up to ATTEMPTS times: an ALTER TABLE behind a
long transaction (a stock import holds its homes a minute) otherwise waited in the
table's lock queue, and every read and write of that table queued behind it, so the
serving release stood still until that transaction ended (docs/adr/0137).

A migration that brings a stored value the release before it cannot read (a new status
or reason kept as text) refuses its downgrade while any row holds one, naming how many
(`refuse_downgrade_while_stored`, docs/adr/0152).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
from pathlib import Path
from typing import Any, Literal

import asyncpg
import sqlalchemy as sa
from alembic import command, context, op
from alembic.autogenerate.api import AutogenContext
from alembic.config import Config
from sqlalchemy import MetaData, event, pool
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from hearth_kit.db import AwareDateTime, errors_without_values
from hearth_kit.logs import get_logger
from hearth_kit.tables import kit_metadata

log = get_logger(__name__)

LOCK_WAIT = 5.0
"""The longest a migration waits for one lock on PostgreSQL (`lock_timeout`): what the
tables it changes stand still for, at most, while it waits."""
ATTEMPTS = 10
"""How often a migration that could not have its locks is tried, from the start."""
FIRST_PAUSE = 1.0
"""The pause after the first failed attempt, doubled after each (at most 30 s)."""
_LOCK_WAIT_KEY = "hearth_lock_wait"


def _render_item(type_: str, obj: Any, _autogen_context: AutogenContext) -> str | Literal[False]:
    """Render kit column types as plain SQLAlchemy types in generated migrations."""
    if type_ == "type" and isinstance(obj, AwareDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def migration_engine(url: str) -> AsyncEngine:
    """An engine for migrations whose errors carry no values, as the services' do
    (hearth_kit.db): a failed migration's error reaches the Job's log whole, and a
    statement's parameters, or PostgreSQL's DETAIL quoting the row a constraint refused
    (Key (email)=(...)), may be a resident's."""
    engine = create_async_engine(url, poolclass=pool.NullPool, hide_parameters=True)
    event.listen(engine.sync_engine, "handle_error", errors_without_values, insert=True)
    return engine


def alembic_config(migrations_dir: Path, url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def _configure(connection: Connection, metadata: MetaData) -> None:
    if connection.dialect.name == "postgresql":
        lock_wait = float(context.config.attributes.get(_LOCK_WAIT_KEY, LOCK_WAIT))
        # SET LOCAL: for the migration's own transaction only.
        connection.exec_driver_sql(f"SET LOCAL lock_timeout = {round(lock_wait * 1000)}")
    context.configure(
        connection=connection,
        target_metadata=[metadata, kit_metadata],
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations(metadata: MetaData) -> None:
    """The body of a service's migrations/env.py."""
    connection: Connection | None = context.config.attributes.get("connection")
    if connection is not None:
        _configure(connection, metadata)
        return
    if context.is_offline_mode():
        context.configure(
            url=context.config.get_main_option("sqlalchemy.url"),
            target_metadata=[metadata, kit_metadata],
            literal_binds=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        return
    url = context.config.get_main_option("sqlalchemy.url")
    assert url is not None

    async def online() -> None:
        engine = migration_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(_configure, metadata)
        await engine.dispose()

    asyncio.run(online())


async def upgrade(
    migrations_dir: Path,
    url: str,
    revision: str = "head",
    *,
    lock_wait: float = LOCK_WAIT,
    attempts: int = ATTEMPTS,
    first_pause: float = FIRST_PAUSE,
) -> None:
    """Migrate the database at `url` to `revision`, from inside a running event loop.
    On PostgreSQL each lock is waited for at most `lock_wait` seconds; a migration that
    could not have one is rolled back whole and tried again, `attempts` times in all."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = migration_engine(url)
    config = alembic_config(migrations_dir, url)
    config.attributes[_LOCK_WAIT_KEY] = lock_wait

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    pause = first_pause
    try:
        for attempt in range(1, attempts + 1):
            try:
                async with engine.begin() as conn:
                    await conn.run_sync(run)
                return
            except Exception as exc:
                if attempt == attempts or not _waited_too_long_for_a_lock(exc):
                    raise
                log.warning(
                    "migration waited too long for a lock; rolled back, trying again",
                    attempt=attempt,
                    pause_seconds=pause,
                )
                await asyncio.sleep(pause)
                pause = min(pause * 2, 30.0)
    finally:
        await engine.dispose()


def refuse_downgrade_while_stored(
    table: str,
    column: str,
    values: tuple[str, ...],
    *,
    rows: str,
    what: str,
    revision: str,
    service: str,
) -> None:
    """For a migration's downgrade: stop while any row of `table` holds one of `values`
    in `column`, values the release before `revision` cannot read (its enum has no such
    member: SQLAlchemy's LookupError, a 500 for the row and every list holding it), and
    has none that says what the row is, so the rows are settled by someone who knows
    first (docs/adr/0152). The error names how many rows (`rows`: "work order(s) are
    cancelled"), never which or anything in them: it reaches the migration Job's log."""
    stored = sa.table(table, sa.column(column, sa.String()))
    count = (
        op.get_bind()
        .execute(sa.select(sa.func.count()).select_from(stored).where(stored.c[column].in_(values)))
        .scalar_one()
    )
    if count:
        owner = f"{service}'" if service.endswith("s") else f"{service}'s"
        raise RuntimeError(
            f"{count} {rows}, {what} the release before {revision} cannot read: settle "
            f"them first (docs/runbooks/upgrading.md, {owner} {revision})"
        )


def _waited_too_long_for_a_lock(exc: BaseException) -> bool:
    """Whether PostgreSQL gave up a lock for the migration (lock_timeout, 55P03)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, asyncpg.exceptions.LockNotAvailableError):
            return True
        seen = seen.__cause__ or getattr(seen, "orig", None)
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description="Alembic for Hearth services")
    commands = parser.add_subparsers(dest="command", required=True)
    up = commands.add_parser("upgrade", help="migrate services' databases to head")
    up.add_argument("services", nargs="+", help="service packages, e.g. repairs visits")
    rev = commands.add_parser("revision", help="autogenerate a migration for one service")
    rev.add_argument("service")
    rev.add_argument("-m", "--message", required=True)
    args = parser.parse_args()
    if args.command == "upgrade":
        for name in args.services:
            module = importlib.import_module(f"{name}.settings")
            settings = module.settings_from_env()
            settings.refuse_development_defaults(broker=False)
            asyncio.run(upgrade(module.MIGRATIONS_DIR, settings.database_url))
            print(f"migrated {name}: {settings.database_url.split('@')[-1]}")
        return
    module = importlib.import_module(f"{args.service}.settings")
    url = module.settings_from_env().database_url
    asyncio.run(upgrade(module.MIGRATIONS_DIR, url))
    number = len(list((module.MIGRATIONS_DIR / "versions").glob("*.py"))) + 1
    command.revision(
        alembic_config(module.MIGRATIONS_DIR, url),
        args.message,
        autogenerate=True,
        rev_id=f"{number:04d}",
    )


if __name__ == "__main__":
    main()
