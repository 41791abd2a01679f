"""Repairs' `hearth` commands, against repairs' own database (from its settings,
HEARTH_REPAIRS_DATABASE_URL).

    uv run hearth import sor schedule-of-rates.csv

Imports the landlord's Schedule of Rates, a batch at a time with a progress bar. A bad
row is reported with its line number and does not stop the rest; importing the same
file twice changes nothing. Exit status 1 when any row was bad.

    uv run hearth webhooks undelivered [--contractor plumbfast]
    uv run hearth webhooks retry --contractor plumbfast   (or --id <delivery id>, repeated)

Contractors' webhook messages not yet taken, oldest first (what each was, how often it
was tried, the contractor's last answer; never the message itself), and bringing their
next attempt forward once the contractor has fixed their end, rather than waiting out
the back-off (docs/runbooks/contractor-webhooks.md).

    uv run hearth repairs end-no-access-left-booked [--apply]

Once, upgrading from before docs/adr/0057: booked appointments whose window has passed
and within which a contractor's no_access was kept on one of their work orders (it then
left the appointment booked) are listed, and with --apply ended as that no access, as
staff's outcome would (docs/runbooks/upgrading.md).

Registered through the `hearth.commands` entry point (repairs/pyproject.toml).
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from hearth_kit.db import Database
    from repairs.models import Appointment, WebhookDelivery
    from repairs.sor.service import ImportReport

# The service's modules are imported by the commands that use them, so that loading
# these commands (every `hearth` run does, whichever command it runs) costs nothing.

console = Console(stderr=True)

LEFT_BOOKED_BATCH = 500
"""Booked appointments `end-no-access-left-booked` reads at a time, by default."""


def _database() -> Database:
    from hearth_kit.db import Database
    from repairs.settings import settings_from_env

    return Database(settings_from_env().database_url)


async def _import(path: Path) -> ImportReport:
    from rich.progress import Progress

    from repairs.sor.service import BATCH, ImportReport, parse, save_batch

    with path.open(newline="", encoding="utf-8-sig") as file:
        good, bad = parse(file)
    report = ImportReport(bad_rows=bad)
    db = _database()
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


ContractorOption = Annotated[
    str | None, typer.Option(help="one contractor's messages only (its contractor id)")
]


async def _undelivered(contractor: str | None, limit: int) -> list[WebhookDelivery]:
    from repairs.webhooks import repository as webhook_deliveries

    db = _database()
    try:
        async with db.sessionmaker() as session:
            return await webhook_deliveries.undelivered(session, contractor, limit)
    finally:
        await db.dispose()


def list_undelivered(
    contractor: ContractorOption = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="at most this many rows")] = 50,
) -> None:
    """Contractors' webhook messages not yet taken, oldest first."""
    rows = asyncio.run(_undelivered(contractor, limit))
    table = Table(title=f"Undelivered webhook messages ({len(rows)} shown)")
    for heading in (
        "delivery id",
        "contractor",
        "work order",
        "event",
        "queued",
        "attempts",
        "last answer",
        "next attempt",
    ):
        table.add_column(heading, overflow="fold")  # ids wrapped, never cut short
    for row in rows:
        table.add_row(
            str(row.id),
            row.contractor_id,
            str(row.work_order_id),
            row.event_type,
            row.created_at.isoformat(timespec="seconds"),
            str(row.attempts),
            "no answer" if row.last_status == 0 else str(row.last_status or "-"),
            row.next_attempt_at.isoformat(timespec="seconds"),
        )
    Console().print(table)


async def _retry(ids: list[uuid.UUID] | None, contractor: str | None) -> int:
    from repairs.webhooks import repository as webhook_deliveries

    db = _database()
    try:
        async with db.sessionmaker() as session, session.begin():
            return await webhook_deliveries.make_due(
                session, datetime.now(UTC), ids=ids, contractor_id=contractor
            )
    finally:
        await db.dispose()


def retry_undelivered(
    delivery_id: Annotated[
        list[uuid.UUID] | None,
        typer.Option("--id", help="a delivery id from `hearth webhooks undelivered`"),
    ] = None,
    contractor: ContractorOption = None,
) -> None:
    """Send undelivered messages at the job's next round (every 10 s), not after their
    back-off. Each still waits behind an older message about its work order."""
    if not delivery_id and contractor is None:
        typer.echo("Name the messages: --id (repeatable) or --contractor", err=True)
        raise typer.Exit(2)
    count = asyncio.run(_retry(delivery_id or None, contractor))
    typer.echo(f"{count} undelivered message(s) will be sent at the next round")


LEFT_BOOKED_COLUMNS = ("appointment_id", "window_start", "window_end", "no_access_at")


def _left_booked_row(appointment: Appointment, at: datetime) -> str:
    return "\t".join(
        (
            str(appointment.id),
            appointment.window_start.isoformat(),
            appointment.window_end.isoformat(),
            at.isoformat(),
        )
    )


async def _end_left_booked(apply: bool, batch_size: int) -> int:
    from repairs.appointments.service import end_left_booked, left_booked

    db = _database()
    now = datetime.now(UTC)
    count = 0
    after: uuid.UUID | None = None
    try:
        while True:
            async with db.sessionmaker() as session:
                found, after = await left_booked(session, now, after, batch_size)
            if after is None:
                return count
            for appointment, at in found:
                if apply:
                    # one transaction per appointment, judged again under its locks
                    async with db.sessionmaker() as session, session.begin():
                        ended = await end_left_booked(session, appointment.id, now)
                    if ended is None:
                        continue
                    appointment, at = ended
                typer.echo(_left_booked_row(appointment, at))
                count += 1
    finally:
        await db.dispose()


def end_no_access_left_booked(
    apply: Annotated[
        bool,
        typer.Option("--apply", help="end them as no access (default: list them, change nothing)"),
    ] = False,
    batch_size: Annotated[
        int, typer.Option(min=1, max=10_000, help="booked appointments read at a time")
    ] = LEFT_BOOKED_BATCH,
) -> None:
    """Find booked appointments whose window has passed and within which a contractor's
    no_access was kept on one of their work orders: before docs/adr/0057 that update
    counted its visit on its work order but left the appointment booked.

    By default a dry run: one tab-separated line per appointment (its id, window, the
    contractor's no_access moment), nothing changed. With --apply each is ended in a
    transaction of its own, under repairs' lock order (the appointment, then its work
    orders), judged again on the locked rows, as staff's no_access outcome ends one: no
    access at the contractor's `at` (the earliest in the window), a visit counted only
    on its work orders without the contractor's no_access in the window,
    appointment-missed published once, a booked appointment request pending again. The
    contractor is not sent schedule-repair (the no_access was its own). Running it
    again changes nothing."""
    typer.echo("\t".join(LEFT_BOOKED_COLUMNS))
    count = asyncio.run(_end_left_booked(apply, batch_size))
    if apply:
        typer.echo(f"ended {count} appointment(s) as no access (appointment-missed each)")
    else:
        typer.echo(
            f"dry run, nothing changed: {count} appointment(s) a contractor's no_access "
            "left booked; --apply ends them as no access"
        )


def register(root: typer.Typer, imports: typer.Typer) -> None:
    """Add repairs' commands: `hearth import sor FILE`, `hearth webhooks undelivered`,
    `hearth webhooks retry` and `hearth repairs end-no-access-left-booked`."""
    imports.command("sor")(import_sor)
    webhooks = typer.Typer(help="Contractors' webhook messages not yet taken", no_args_is_help=True)
    webhooks.command("undelivered")(list_undelivered)
    webhooks.command("retry")(retry_undelivered)
    root.add_typer(webhooks, name="webhooks")
    repairs = typer.Typer(help="Repairs' operations commands.", no_args_is_help=True)
    repairs.command(
        "end-no-access-left-booked",
        help="List booked appointments whose window has passed and within which a "
        "contractor's no_access was kept (before ADR 0057 it left them booked); --apply "
        "ends each as that no access, as staff's outcome would, one transaction per "
        "appointment. Harmless to run again.",
    )(end_no_access_left_booked)
    root.add_typer(repairs, name="repairs")
