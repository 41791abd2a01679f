"""The engagement commands on `hearth`:

    uv run hearth engagement-jobs     # raise missed complaint deadlines and send due messages now

It talks to engagement's own database (HEARTH_ENGAGEMENT_DATABASE_URL) with the
channels its settings configure."""

from __future__ import annotations

import asyncio

import typer

from engagement.app import build_services
from engagement.settings import settings_from_env
from hearth_kit.db import Database
from hearth_kit.scheduler import run_until_done


async def _run_jobs() -> dict[str, int]:
    settings = settings_from_env()
    db = Database(settings.database_url)
    try:
        return {
            job.name: await run_until_done(db, job, service="engagement")
            for job in build_services(settings).jobs
        }
    finally:
        await db.dispose()


def run_jobs() -> None:
    """Run the complaint-deadline sweep and the message sender now, to the end (a breach
    is still raised once and a message sent once: the scheduled run finds nothing left)."""
    for name, handled in asyncio.run(_run_jobs()).items():
        typer.echo(f"{name}: {handled} handled")


def register(root: typer.Typer, imports: typer.Typer) -> None:
    """The engagement commands on `hearth`."""
    root.command("engagement-jobs")(run_jobs)
