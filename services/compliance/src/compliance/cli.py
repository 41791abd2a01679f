"""The compliance commands on `hearth`:

    uv run hearth import homes stock.csv     # the stock file, batch by batch, with progress
    uv run hearth compliance-sweep           # run the daily sweep now, to the end

Both talk to compliance's own database (HEARTH_COMPLIANCE_DATABASE_URL). The service's
modules are imported inside the commands: every `hearth` command loads this module."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from compliance.homes.schemas import ImportResult

MAX_ERRORS_SHOWN = 50


async def _import(path: Path) -> ImportResult:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from compliance.checks.service import ProgrammeService
    from compliance.homes.schemas import ImportResult
    from compliance.homes.service import HomeService, StatisticsAsTheStockGrows, read_homes_csv
    from compliance.settings import settings_from_env
    from hearth_kit.db import Database

    settings = settings_from_env()
    service = HomeService(ProgrammeService(settings.programme))
    with path.open(encoding="utf-8-sig", newline="") as counted:
        rows = max(0, sum(1 for _ in counted) - 1)
    total = ImportResult(rows=0, registered=0, updated=0, unchanged=0, rejected=0, errors=[])
    db = Database(settings.database_url)
    try:
        with (
            path.open(encoding="utf-8-sig", newline="") as lines,
            Progress(
                TextColumn("importing homes"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
            ) as progress,
        ):
            task = progress.add_task("homes", total=rows)
            statistics = StatisticsAsTheStockGrows()
            for parsed in read_homes_csv(lines):
                async with db.sessionmaker() as session, session.begin():
                    await service.import_parsed(
                        session, parsed, total, datetime.now(UTC), statistics
                    )
                progress.advance(task, parsed.lines)
    finally:
        await db.dispose()
    total.errors.sort(key=lambda error: error.line)
    return total


def import_homes(
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, readable=True, help="a homes CSV")
    ],
) -> None:
    """Import a stock file into the asset register, 1,000 rows a transaction. Bad rows
    are listed with their line and reason; the rest go in; the same file again changes
    nothing."""
    from hearth_kit.problems import ProblemError

    try:
        result = asyncio.run(_import(file))
    except ProblemError as exc:
        typer.echo(f"hearth: {exc.detail}", err=True)
        raise typer.Exit(1) from exc
    typer.echo(
        f"read {result.rows} rows: registered {result.registered}, updated {result.updated}, "
        f"unchanged {result.unchanged}, refused {result.rejected}"
    )
    for error in result.errors[:MAX_ERRORS_SHOWN]:
        typer.echo(f"  line {error.line}: {error.field or 'row'}: {error.reason}", err=True)
    if len(result.errors) > MAX_ERRORS_SHOWN:
        typer.echo(f"  ... and {len(result.errors) - MAX_ERRORS_SHOWN} more", err=True)
    if result.rejected:
        raise typer.Exit(2)


async def _sweep() -> dict[str, int]:
    from compliance.app import scheduled_jobs
    from compliance.checks.service import ProgrammeService
    from compliance.settings import settings_from_env
    from hearth_kit.db import Database
    from hearth_kit.scheduler import run_until_done

    settings = settings_from_env()
    db = Database(settings.database_url)
    try:
        return {
            job.name: await run_until_done(db, job, service="compliance")
            for job in scheduled_jobs(ProgrammeService(settings.programme))
        }
    finally:
        await db.dispose()


def sweep() -> None:
    """Run the daily sweep and the no-access ladder now, to the end (each event is still
    raised once: the scheduled run finds nothing left)."""
    for name, handled in asyncio.run(_sweep()).items():
        typer.echo(f"{name}: {handled} handled")


def register(root: typer.Typer, imports: typer.Typer) -> None:
    """The compliance commands on `hearth`."""
    imports.command("homes")(import_homes)
    root.command("compliance-sweep")(sweep)
