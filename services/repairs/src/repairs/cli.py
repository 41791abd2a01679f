"""Repairs' `hearth` commands.

    uv run hearth import sor schedule-of-rates.csv

Imports the landlord's Schedule of Rates into repairs' own database (from its settings,
HEARTH_REPAIRS_DATABASE_URL), a batch at a time with a progress bar. A bad row is
reported with its line number and does not stop the rest; importing the same file
twice changes nothing. Exit status 1 when any row was bad.

Registered through the `hearth.commands` entry point (repairs/pyproject.toml).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress

from hearth_kit.db import Database
from repairs.settings import settings_from_env
from repairs.sor.service import BATCH, ImportReport, parse, save_batch

console = Console(stderr=True)


async def _import(path: Path) -> ImportReport:
    with path.open(newline="", encoding="utf-8-sig") as file:
        good, bad = parse(file)
    report = ImportReport(bad_rows=bad)
    db = Database(settings_from_env().database_url)
    try:
        with Progress(console=console) as progress:
            task = progress.add_task("Schedule of Rates", total=len(good))
            for start in range(0, len(good), BATCH):
                batch = good[start : start + BATCH]
                async with db.sessionmaker() as session, session.begin():
                    await save_batch(session, batch, report)
                progress.advance(task, len(batch))
    finally:
        await db.dispose()
    return report


def import_sor(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="the SOR CSV")
    ],
) -> None:
    """Import the Schedule of Rates from a CSV (schedule, code, description, trade,
    unit, unit_price)."""
    report = asyncio.run(_import(file))
    for bad in report.bad_rows:
        typer.echo(f"line {bad.line}: {bad.column}: {bad.problem}", err=True)
    typer.echo(
        f"added {report.added}, updated {report.updated}, unchanged {report.unchanged}, "
        f"bad rows {len(report.bad_rows)}"
    )
    if report.bad_rows:
        raise typer.Exit(1)


def register(root: typer.Typer, imports: typer.Typer) -> None:
    """Add repairs' commands: `hearth import sor FILE`."""
    imports.command("sor")(import_sor)
