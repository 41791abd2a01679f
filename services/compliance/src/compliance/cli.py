"""The compliance commands on `hearth`:

    uv run hearth import homes stock.csv     # the stock file, batch by batch, with progress
    uv run hearth compliance-sweep           # run the daily sweep now, to the end
    uv run hearth compliance republish-homes # every home's property-updated again
    uv run hearth compliance announce-withdrawn-checks  # check-withdrawn for each again

All talk to compliance's own database (HEARTH_COMPLIANCE_DATABASE_URL). The service's
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
    nothing. Imports take turns: while another import's batch is applying, this one's
    waits for it (ADR 0083)."""
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


REPUBLISH_BATCH = 500


async def _republish(after: str | None, batch_size: int) -> tuple[int, int]:
    """(homes announced, homes the register held from `after` on when the run began)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from compliance.homes.service import homes_in_register, republish_homes
    from compliance.settings import settings_from_env
    from hearth_kit.db import Database

    db = Database(settings_from_env().database_url)
    announced = 0
    cursor = after
    try:
        async with db.sessionmaker() as session:
            held = await homes_in_register(session, after=after)
        with Progress(
            TextColumn("announcing homes"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
        ) as progress:
            task = progress.add_task("", total=held)
            while True:
                async with db.sessionmaker() as session, session.begin():
                    uprns = await republish_homes(session, after=cursor, limit=batch_size)
                if not uprns:
                    break
                announced += len(uprns)
                cursor = uprns[-1]
                progress.update(task, advance=len(uprns), description=f"up to UPRN {cursor}")
    except BaseException:
        if cursor is not None:
            typer.echo(
                f"hearth: stopped; every home up to UPRN {cursor} was announced: "
                f"resume with --after-uprn {cursor}",
                err=True,
            )
        raise
    finally:
        await db.dispose()
    return announced, held


def republish_homes(
    after_uprn: Annotated[
        str | None,
        typer.Option(help="start after this UPRN (resume a run that stopped after it)"),
    ] = None,
    batch_size: Annotated[
        int, typer.Option(min=1, max=10_000, help="homes per transaction")
    ] = REPUBLISH_BATCH,
) -> None:
    """Announce every home in the asset register again: one property-updated per home,
    with its whole current entry and compliance's decision on its annual gas check
    (`needs_gas_safety_check`), built as a PATCH builds it. A backfill: homes registered
    before the events carried the decision hold null in every consumer's copy (visits
    then falls back to the gas supply) until compliance says something new about them.

    The homes go in UPRN order, `--batch-size` (500) a transaction, each batch's events
    written to the outbox in the same transaction that read the homes, so the relay
    publishes them exactly once. A run that stops keeps every batch it committed; the
    last committed UPRN is printed, and `--after-uprn` resumes after it. Running it again
    from the start is harmless too: the same facts, the same time. The count at the end
    is the homes announced, beside the homes the register held when the run began.

    The time the event carries (`updated_at`) is when the home's entry last changed
    (its last update, else its registration), not now. Consumers keep a home's copy
    versioned by that time (visits' home_profile.property_as_of, repairs' home register
    entry: `upsert_newer`, which replaces the copy unless it holds a LATER time; of equal
    times the one arriving later wins). So:
    - a consumer's copy was written by the last real event, whose time is exactly this
      one (every path that changes the entry stamps the home and its event with the same
      time), so the equal time replaces it: the same facts, now with the decision;
    - a real change made after this command read the home carries a later time, and wins
      whichever of the two arrives first. Dated `now`, a republished entry read just
      before a PATCH but stamped just after it would be "newer" than the PATCH and
      would put the old facts back in every consumer;
    - a batch that read a home before a PATCH and its appliances after it sends a mixed
      entry under the older time, which the PATCH's own event replaces.
    No lock is taken, so the register stays open to changes while the command runs.
    Visits, repairs and engagement consume property-updated (repairs keeps the address,
    unchanged; engagement the tenure, for CH01's homes); income keeps homes from
    property-registered only. The envelope's time is when the event was written; it
    orders nothing here."""
    announced, held = asyncio.run(_republish(after_uprn, batch_size))
    start = f" after UPRN {after_uprn}" if after_uprn is not None else ""
    typer.echo(
        f"announced {announced} homes{start} (property-updated); "
        f"the register held {held}{start} when the run began"
    )


async def _announce_withdrawn(batch_size: int) -> int:
    from compliance.checks.service import ProgrammeService
    from compliance.settings import settings_from_env
    from hearth_kit.db import Database

    settings = settings_from_env()
    programme = ProgrammeService(settings.programme)
    db = Database(settings.database_url)
    announced = 0
    after = None
    try:
        while True:
            async with db.sessionmaker() as session, session.begin():
                ids = await programme.announce_withdrawn(session, after=after, limit=batch_size)
            if not ids:
                return announced
            announced += len(ids)
            after = ids[-1]
    finally:
        await db.dispose()


def announce_withdrawn_checks(
    batch_size: Annotated[
        int, typer.Option(min=1, max=10_000, help="checks per transaction")
    ] = REPUBLISH_BATCH,
) -> None:
    """Announce every withdrawn check (check-withdrawn, dated when it was withdrawn):
    once after deploying the event, for the checks migrations 0011 to 0013 withdrew
    without a word, so visits stops pairing visits with them and closes the officer
    visits asked for their access. Running it again is harmless (visits keeps the
    first)."""
    announced = asyncio.run(_announce_withdrawn(batch_size))
    typer.echo(f"announced {announced} withdrawn checks (check-withdrawn)")


def register(root: typer.Typer, imports: typer.Typer) -> None:
    """The compliance commands on `hearth`."""
    imports.command("homes")(import_homes)
    root.command("compliance-sweep")(sweep)
    compliance = typer.Typer(help="Compliance's operations commands.", no_args_is_help=True)
    compliance.command(
        "republish-homes",
        help="Announce every home in the asset register again (property-updated with its "
        "current entry and needs_gas_safety_check, dated when the entry last changed), "
        "500 homes a transaction in UPRN order; --after-uprn resumes a run that stopped.",
    )(republish_homes)
    compliance.command(
        "announce-withdrawn-checks",
        help="Announce every withdrawn check (check-withdrawn, dated when it was "
        "withdrawn), 500 a transaction: once, for the checks the migrations withdrew "
        "before the event existed. Harmless to run again.",
    )(announce_withdrawn_checks)
    root.add_typer(compliance, name="compliance")
