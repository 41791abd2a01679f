"""Income's commands on `hearth` (entry point group hearth.commands).

    uv run hearth rent-run --week 2026-11-30

charges every current rent account the rent week starting on that Monday, batch by
batch with a progress bar, against income's own database (its settings). Safe to run
again, or alongside the scheduler: each account is charged once a week whatever
happens (see income.rent_run.service). The week is the current rent week or an earlier
one (a week left uncharged): a week not yet begun is refused."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Annotated

import typer


async def _rent_run(week: date) -> int:
    # Imported here, not at the top: every `hearth` command loads every service's
    # register(), and only this command needs the service.
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from hearth_kit.db import Database
    from income.rent_run.service import RentRun
    from income.settings import IncomeSettings

    settings = IncomeSettings()
    run = RentRun(settings)
    db = Database(settings.database_url)
    try:
        async with db.sessionmaker() as session:
            to_charge = await run.to_charge(session, week, datetime.now(UTC))
        total = 0
        with Progress(
            TextColumn(f"Rent week {week.isoformat()}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        ) as progress:
            task = progress.add_task("charging", total=to_charge)
            while True:
                async with db.sessionmaker() as session, session.begin():
                    handled = await run.charge_batch(session, week, datetime.now(UTC))
                if handled == 0:
                    break
                total += handled
                progress.advance(task, handled)
        return total
    finally:
        await db.dispose()


def rent_run(
    week: Annotated[
        datetime,
        typer.Option(
            formats=["%Y-%m-%d"],
            help="The rent week's Monday, 2026-11-30: this week's or an earlier one",
        ),
    ],
) -> None:
    """Charge every current rent account the rent week starting on WEEK (a Monday),
    once, even if run again or stopped in the middle."""
    monday = week.date()
    if monday.weekday() != 0:
        typer.echo("hearth: --week names a rent week by its Monday", err=True)
        raise typer.Exit(2)
    from hearth_kit.working_days import london_day
    from income.accounts.rules import rent_week_of

    current = rent_week_of(london_day(datetime.now(UTC)))
    if monday > current:
        typer.echo(
            f"hearth: --week {monday.isoformat()} has not begun; the current rent week is "
            f"from {current.isoformat()} (rent is charged on or after its week's Monday)",
            err=True,
        )
        raise typer.Exit(2)
    charged = asyncio.run(_rent_run(monday))
    typer.echo(f"Charged {charged} rent accounts for the week from {monday.isoformat()}")


def register(root: typer.Typer, imports: typer.Typer) -> None:
    """Income's commands on `hearth`."""
    root.command("rent-run")(rent_run)
