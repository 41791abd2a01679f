"""The kit's `hearth` commands for operations (docs/runbooks/operations-cli.md).

    hearth health                                   every process's /readyz in one table
    hearth dead-letters list --service repairs      events a consumer gave up on
    hearth dead-letters show --service repairs 12   one of them, headers and data
    hearth dead-letters replay --service repairs 12 (or --all) once the cause is fixed
    hearth outbox parked --service compliance       rows the broker kept refusing
    hearth outbox retry --service compliance 40     send one again once the cause is fixed
    hearth projection rebuild --service visits      re-apply every consumed event

Dead letters and parked rows go through the service's /admin routes with an admin
token (hearth_kit.admin_client says why); a projection rebuild runs here, against the
service's database and the broker from the service's own settings (HEARTH_<SERVICE>_
DATABASE_URL, KAFKA_BOOTSTRAP_SERVERS, HEARTH_KAFKA_NAMESPACE), through the handlers
of the service's code as installed here.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import click
import httpx
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from hearth_contracts.topics import GATEWAY_DEFAULT_PORT, SERVICES
from hearth_kit.admin_client import AdminClient, OperationFailed, service_url

if TYPE_CHECKING:
    from hearth_kit.event_handlers import EventHandlers
    from hearth_kit.projection_rebuild import RebuildCount
    from hearth_kit.settings import ServiceSettings

# The database and Kafka modules are imported by the command that needs them, so `hearth
# --help` and the HTTP commands start quickly.

console = Console()
errors = Console(stderr=True)

ServiceOption = Annotated[
    str,
    typer.Option(
        click_type=click.Choice(SERVICES),
        # Typer's help shows a Choice given as click_type as "<function>": name them.
        metavar=f"[{'|'.join(SERVICES)}]",
        help="the service to act on",
    ),
]
UrlOption = Annotated[
    str | None,
    typer.Option(
        help="where the service answers (default HEARTH_GATEWAY_<SERVICE>_URL, else local)"
    ),
]
TokenOption = Annotated[
    str | None,
    typer.Option(
        envvar="HEARTH_ADMIN_TOKEN",
        help="an admin token for the service (`hearth admin-token`); default: signed here "
        "with the gateway's key, or the development key in development",
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="print the service's JSON as it is")]


def _print_json(value: object) -> None:
    """JSON as it is, never wrapped at the terminal's width (scripts read it)."""
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False))


def _fail(exc: Exception) -> typer.Exit:
    errors.print(f"hearth: {exc}", markup=False, highlight=False)
    return typer.Exit(1)


# --- health ------------------------------------------------------------------------


def health(
    gateway_url: Annotated[
        str | None,
        typer.Option(help="the gateway (default HEARTH_GATEWAY_URL, else local)"),
    ] = None,
    timeout: Annotated[float, typer.Option(min=0.1, help="seconds to wait for each")] = 3.0,
) -> None:
    """Every process's readiness (/readyz) in one table; exit 1 unless all are ready."""
    targets: dict[str, str] = {
        "gateway": (gateway_url or os.environ.get("HEARTH_GATEWAY_URL"))
        or f"http://127.0.0.1:{GATEWAY_DEFAULT_PORT}",
        **{service: service_url(service) for service in SERVICES},
    }
    answers = asyncio.run(_ask_readiness(targets, timeout))
    console.print(readiness_table(targets, answers))
    if not all(status in READY for status, _ in answers.values()):
        raise typer.Exit(1)


READY = ("ok", "degraded")
"""The /readyz statuses of a process that takes work."""


def readiness_table(
    targets: dict[str, str], answers: dict[str, tuple[str, dict[str, str]]]
) -> Table:
    """Each process's readiness as a table that stays readable where there is no
    terminal (80 columns: `kubectl exec`, a pipe): every column folds, so the url the
    command asked is whole (one given by hostname was cut to "https://api.hearth.exa…",
    leaving the operator to guess which gateway answered) and a check's reason too."""
    table = Table(title="Hearth: readiness")
    for column in ("process", "status", "checks", "url"):
        table.add_column(column, overflow="fold")
    for process, (status, checks) in answers.items():
        colour = {"ok": "green", "degraded": "yellow"}.get(status, "red")
        table.add_row(
            process,
            f"[{colour}]{status}[/{colour}]",
            ", ".join(f"{name} {answer}" for name, answer in checks.items()),
            targets[process].rstrip("/"),
        )
    return table


async def _ask_readiness(
    targets: dict[str, str], timeout: float
) -> dict[str, tuple[str, dict[str, str]]]:
    async with httpx.AsyncClient(timeout=timeout) as client:

        async def ask(url: str) -> tuple[str, dict[str, str]]:
            try:
                response = await client.get(f"{url.rstrip('/')}/readyz")
            except httpx.HTTPError as exc:
                return "unreachable", {"error": type(exc).__name__}
            try:
                body = response.json()
                return str(body.get("status", response.status_code)), dict(body.get("checks", {}))
            except (ValueError, AttributeError):
                return f"HTTP {response.status_code}", {}

        answers = await asyncio.gather(*(ask(url) for url in targets.values()))
    return dict(zip(targets, answers, strict=True))


# --- dead letters ------------------------------------------------------------------

dead_letters = typer.Typer(
    help="Events a service's consumer gave up on: list, show, replay.", no_args_is_help=True
)


@dead_letters.command("list")
def list_dead_letters(
    service: ServiceOption,
    include_replayed: Annotated[bool, typer.Option(help="also those already replayed")] = False,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 200,
    url: UrlOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """A service's dead letters, newest first, and how many wait for a replay."""
    try:
        with AdminClient(service, url=url, token=token) as admin:
            rows = admin.get(
                "/admin/dead-letters", include_replayed=str(include_replayed).lower(), limit=limit
            )
            waiting = admin.get("/admin/dead-letters/count")["unreplayed"]
    except OperationFailed as exc:
        raise _fail(exc) from exc
    if as_json:
        _print_json(rows)
        return
    console.print(dead_letters_table(service, waiting, rows))


def dead_letters_table(service: str, waiting: int, rows: list[dict[str, Any]]) -> Table:
    """The dead letters as a table that stays readable where there is no terminal (80
    columns: `kubectl exec`, a pipe): every column but the error folds, so the event
    type and the origin an operator acts on are whole, never cut to "uk.hear…"; the
    error is one line cut short (`hearth dead-letters show` gives all of it), where
    folded it made each row dozens of lines long."""
    table = Table(title=f"{service}: dead letters ({waiting} waiting for a replay)")
    for column in ("id", "event type", "group", "from", "attempts", "dead-lettered", "replayed"):
        table.add_column(column, overflow="fold")
    table.add_column("error", overflow="ellipsis", no_wrap=True, max_width=16)
    for row in rows:
        table.add_row(
            str(row["id"]),
            row.get("event_type") or "?",
            row["consumer_group"],
            f"{row['topic']}[{row['partition']}]@{row['offset']}",
            str(row["attempts"]),
            row["dead_lettered_at"],
            row.get("replayed_at") or "",
            row["error"],
        )
    return table


@dead_letters.command("show")
def show_dead_letter(
    service: ServiceOption,
    dead_letter_id: Annotated[int, typer.Argument(min=1, help="the dead letter's id")],
    url: UrlOption = None,
    token: TokenOption = None,
) -> None:
    """One dead letter: where it came from, why it failed, its headers and its data."""
    try:
        with AdminClient(service, url=url, token=token) as admin:
            row = admin.get(f"/admin/dead-letters/{dead_letter_id}")
    except OperationFailed as exc:
        raise _fail(exc) from exc
    _print_json(row)


REPLAY_PAGE_SIZE = 1000
"""Dead letters asked for at a time by `replay --all` (the list route's largest page)."""


@dead_letters.command("replay")
def replay_dead_letters(
    service: ServiceOption,
    dead_letter_ids: Annotated[
        list[int] | None, typer.Argument(help="the ids to replay (or --all)")
    ] = None,
    replay_all: Annotated[
        bool, typer.Option("--all", help="every dead letter waiting for a replay")
    ] = False,
    page_size: Annotated[
        int,
        typer.Option(min=1, max=1000, help="with --all: dead letters asked for at a time"),
    ] = REPLAY_PAGE_SIZE,
    url: UrlOption = None,
    token: TokenOption = None,
) -> None:
    """Run dead letters through their handler again, once the cause is fixed. Each is
    replayed in the service (its handler and inbox, one transaction); one that fails
    again stays a dead letter and is reported. With --all, every one waiting, oldest
    first, however many (page by page). Exit 1 if any failed."""
    if bool(dead_letter_ids) == replay_all:
        # typer.BadParameter, not click's UsageError: Typer carries its own click, and
        # an error of the click package is not bad usage to it (a traceback, exit 1).
        raise typer.BadParameter("give the dead letters' ids or --all (not both)")
    attempted = failed = 0
    try:
        with AdminClient(service, url=url, token=token) as admin, _progress() as progress:
            if replay_all:
                waiting = admin.get("/admin/dead-letters/count")["unreplayed"]
                batches = _waiting_dead_letters(admin, page_size)
            else:
                waiting = len(dead_letter_ids or [])
                batches = iter([list(dead_letter_ids or [])])
            task = progress.add_task(f"replaying {service}'s dead letters", total=waiting)
            for batch in batches:
                for dead_letter_id in batch:
                    attempted += 1
                    if attempted > waiting:  # more failed meanwhile: they are replayed too
                        progress.update(task, total=attempted)
                    try:
                        admin.post(f"/admin/dead-letters/{dead_letter_id}/replay")
                    except OperationFailed as exc:
                        failed += 1
                        progress.console.print(f"dead letter {dead_letter_id}: {exc}", markup=False)
                    progress.advance(task)
    except OperationFailed as exc:
        raise _fail(exc) from exc
    console.print(f"replayed {attempted - failed} of {attempted} dead letters of {service}")
    if failed:
        raise typer.Exit(1)


def _waiting_dead_letters(admin: AdminClient, page_size: int) -> Iterator[list[int]]:
    """The ids of every dead letter waiting for a replay, oldest first, a page at a time.
    The cursor is the last id seen, so one that fails again (it stays waiting, its id
    behind the cursor) is not asked for twice: the walk ends however many fail."""
    after = 0
    while page := admin.get("/admin/dead-letters", after=after, limit=page_size):
        ids = [int(row["id"]) for row in page]
        yield ids
        after = ids[-1]


# --- parked outbox rows ------------------------------------------------------------

outbox = typer.Typer(
    help="Outbox rows the broker kept refusing (parked): list them, send one again.",
    no_args_is_help=True,
)


@outbox.command("parked")
def list_parked(
    service: ServiceOption,
    limit: Annotated[int, typer.Option(min=1, max=200)] = 50,
    url: UrlOption = None,
    token: TokenOption = None,
    as_json: JsonOption = False,
) -> None:
    """Parked outbox rows, newest first, each with the rows of its key waiting behind it."""
    try:
        with AdminClient(service, url=url, token=token) as admin:
            rows = admin.get("/admin/outbox/parked", limit=limit)
    except OperationFailed as exc:
        raise _fail(exc) from exc
    if as_json:
        _print_json(rows)
        return
    console.print(parked_table(service, rows))


def parked_table(service: str, rows: list[dict[str, Any]]) -> Table:
    """The parked rows as a table that stays readable where there is no terminal (80
    columns: `kubectl exec`, a pipe): every column but the last error folds, so the
    event type, topic and key an operator retries by are whole, never cut to
    "uk.hear…"; the last error is one line cut short (`--json` gives all of it), where
    folded it made each row a dozen lines long."""
    table = Table(title=f"{service}: parked outbox rows ({len(rows)})")
    for column in ("id", "event type", "topic", "key", "attempts", "parked", "held back"):
        table.add_column(column, overflow="fold")
    table.add_column("last error", overflow="ellipsis", no_wrap=True, max_width=16)
    for row in rows:
        table.add_row(
            str(row["id"]),
            row["event_type"],
            row["topic"],
            row["message_key"],
            str(row["attempts"]),
            row.get("parked_at") or "",
            str(row["held_back"]),
            row.get("last_error") or "",
        )
    return table


@outbox.command("retry")
def retry_parked(
    service: ServiceOption,
    outbox_id: Annotated[int, typer.Argument(min=1, help="the parked row's id")],
    url: UrlOption = None,
    token: TokenOption = None,
) -> None:
    """Unpark one row once its cause is fixed: the relay sends it, then the rows of its
    key that waited behind it, in order."""
    try:
        with AdminClient(service, url=url, token=token) as admin:
            row = admin.post(f"/admin/outbox/{outbox_id}/retry")
    except OperationFailed as exc:
        raise _fail(exc) from exc
    print_unparked(row)


def print_unparked(row: dict[str, Any]) -> None:
    """The retry's answer on one line: it is read where there is no terminal (`kubectl
    exec`, a pipe), where rich wrapped it at 80 columns after "the relay"."""
    console.print(
        f"outbox row {row['id']} ({row['event_type']}) unparked; the relay sends it next",
        soft_wrap=True,
    )


# --- projections -------------------------------------------------------------------

projection = typer.Typer(help="A service's projections of other services' events.")


@projection.command("rebuild")
def rebuild(
    service: ServiceOption,
    topics: Annotated[
        list[str] | None,
        typer.Option(
            "--topic",
            help="only this topic (repeatable; as the service's consumer names it); "
            "default every topic the service consumes",
        ),
    ] = None,
    types: Annotated[
        list[str] | None,
        typer.Option(
            "--type",
            help="only events of this type (repeatable; the CloudEvents type, as the "
            "summary's applied by type names it); default every type the service handles",
        ),
    ] = None,
) -> None:
    """Re-apply every event on the topics the service consumes, from their start, through
    its handlers, with a progress bar; the count read must match the count on the
    topics. Safe while the service runs, and safe to run again (hearth_kit.projection_
    rebuild). --type keeps a rebuild to the events that write the projection, so a
    handler that also reacts (a letter) is not run for events it never reacted to.
    Exit 1 if it stopped early."""
    from hearth_kit.projection_rebuild import RebuildFailed

    # The service's logging writes to stdout; here stdout is the command's answer.
    with contextlib.redirect_stdout(sys.stderr):
        try:
            settings, handlers = service_handlers(service)
        except (ImportError, AttributeError) as exc:
            raise _fail(OperationFailed(f"{service} is not installed here: {exc}")) from exc
        if not handlers:
            raise _fail(OperationFailed(f"{service} consumes no events: nothing to rebuild"))
        unhandled = [t for t in types or [] if t not in handlers]
        if unhandled:
            # A mistyped type would otherwise apply nothing and still say "complete".
            raise _fail(
                OperationFailed(f"{service} handles no events of type {', '.join(unhandled)}")
            )
        try:
            count = asyncio.run(_rebuild(settings, handlers, topics, types))
        except RebuildFailed as exc:
            raise _fail(exc) from exc
    print_summary(service, count)
    if not count.complete:
        raise typer.Exit(1)


def service_handlers(service: str) -> tuple[ServiceSettings, EventHandlers]:
    """The service's settings from the environment, and its handlers as its app wires
    them (the app is built, not started: no relay, consumer or scheduled job runs)."""
    settings: ServiceSettings = importlib.import_module(f"{service}.settings").settings_from_env()
    app = importlib.import_module(f"{service}.app").create_app(settings)
    handlers: EventHandlers = app.state.handlers
    return settings, handlers


async def _rebuild(
    settings: ServiceSettings,
    handlers: EventHandlers,
    topics: Sequence[str] | None,
    types: Sequence[str] | None = None,
) -> RebuildCount:
    from hearth_kit.db import Database
    from hearth_kit.projection_rebuild import rebuild_projection

    settings.refuse_development_defaults()
    db = Database(
        settings.database_url,
        statement_timeout_seconds=settings.database_statement_timeout_seconds,
    )
    try:
        with _progress() as progress:
            task = progress.add_task(f"rebuilding {settings.service_name}", total=None)
            return await rebuild_projection(
                settings,
                handlers,
                db,
                topics=topics,
                types=types,
                on_total=lambda total: progress.update(task, total=total),
                on_progress=lambda read: progress.advance(task, read),
            )
    finally:
        await db.dispose()


def print_summary(service: str, count: RebuildCount) -> None:
    """The rebuild's answer, each line whole: it is read where there is no terminal
    (`kubectl exec`, a Job's log), where rich wrapped it at 80 columns mid-count."""
    console.print(_summary(service, count), soft_wrap=True)


def _summary(service: str, count: RebuildCount) -> str:
    by_type = ", ".join(f"{t} {n}" for t, n in sorted(count.applied_by_type.items()))
    verdict = "complete" if count.complete else "INCOMPLETE"
    return (
        f"{service}: read {count.read} of {count.total} events on {len(count.topics)} "
        f"topic(s) ({verdict}); applied {count.applied}, other types {count.skipped}, "
        f"unreadable {count.unreadable}" + (f"\n  applied by type: {by_type}" if by_type else "")
    )


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=errors,
    )


def register(root: typer.Typer, imports: typer.Typer) -> None:
    """The kit's commands on `hearth`."""
    root.command("health")(health)
    root.add_typer(dead_letters, name="dead-letters")
    root.add_typer(outbox, name="outbox")
    root.add_typer(projection, name="projection")
