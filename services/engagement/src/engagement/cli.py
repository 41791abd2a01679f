"""The engagement commands on `hearth`:

    uv run hearth engagement-jobs     # raise missed complaint deadlines and send due messages now
    uv run hearth engagement recompute-complaint-deadlines [--apply]
                                      # open complaints due later than the Code (ADR 0041)

It talks to engagement's own database (HEARTH_ENGAGEMENT_DATABASE_URL) with the
channels its settings configure."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from engagement.complaints.service import DeadlineLaterThanTheCode
    from hearth_contracts.events.engagement import ComplaintStage

# The service's modules are imported by the commands that use them, so that loading
# these commands (every `hearth` run does, whichever command it runs) costs nothing.


async def _run_jobs() -> dict[str, int]:
    from engagement.app import build_services
    from engagement.settings import settings_from_env
    from hearth_kit.db import Database
    from hearth_kit.scheduler import run_until_done

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


RECOMPUTE_BATCH = 500
COLUMNS = ("complaint_id", "stage", "deadline", "stored", "code", "note")


def note_on(found: DeadlineLaterThanTheCode) -> str:
    """What the operator needs to know beyond the two dates (no personal data: the
    extension's reason stays in engagement)."""
    notes: list[str] = []
    if found.extended_to is not None:
        kept = f"extended to {found.extended_to.isoformat()}, kept"
        if found.beyond_the_limit and found.extension_limit is not None:
            kept += (
                f"; beyond the limit {found.extension_limit.isoformat()}: for a complaints handler"
            )
        notes.append(kept)
    if found.overdue:
        notes.append("now overdue")
    if found.breach_raised:
        notes.append("breach already raised")
    return "; ".join(notes)


def row_of(found: DeadlineLaterThanTheCode) -> str:
    return "\t".join(
        (
            str(found.complaint_id),
            found.stage.value,
            found.deadline.value,
            found.stored.isoformat(),
            found.code.isoformat(),
            note_on(found),
        )
    )


@dataclass
class Recomputed:
    found: list[DeadlineLaterThanTheCode] = field(default_factory=list)

    @property
    def moving(self) -> list[DeadlineLaterThanTheCode]:
        return [found for found in self.found if found.moves]

    @property
    def complaints(self) -> int:
        return len({found.complaint_id for found in self.moving})

    @property
    def overdue(self) -> int:
        return sum(found.overdue for found in self.moving)

    @property
    def beyond_the_limit(self) -> int:
        return sum(found.beyond_the_limit for found in self.found)


async def _recompute(apply: bool, batch_size: int, emit: Callable[[str], None]) -> Recomputed:
    from engagement.app import build_services
    from engagement.settings import settings_from_env
    from hearth_kit.db import Database

    settings = settings_from_env()
    complaints = build_services(settings).complaints
    db = Database(settings.database_url)
    now = datetime.now(UTC)
    done = Recomputed()
    after: tuple[uuid.UUID, ComplaintStage] | None = None
    try:
        while True:
            async with db.sessionmaker() as session:
                found, after = await complaints.deadlines_later_than_the_code(
                    session, now, after=after, limit=batch_size
                )
            if after is None:
                return done
            if apply:
                # one transaction per complaint, judged again under its locks
                for complaint_id in dict.fromkeys(f.complaint_id for f in found):
                    async with db.sessionmaker() as session, session.begin():
                        found_now = await complaints.bring_deadlines_forward(
                            session, complaint_id, now
                        )
                    for one in found_now:
                        done.found.append(one)
                        emit(row_of(one))
            else:
                for one in found:
                    done.found.append(one)
                    emit(row_of(one))
    finally:
        await db.dispose()


def recompute_complaint_deadlines(
    apply: Annotated[
        bool,
        typer.Option(
            "--apply", help="move the stored dates earlier (default: list them, change nothing)"
        ),
    ] = False,
    batch_size: Annotated[
        int, typer.Option(min=1, max=10_000, help="open stages read at a time")
    ] = RECOMPUTE_BATCH,
) -> None:
    """Find open complaint stages (not acknowledged, or not answered) whose stored
    deadline is later than the Code's, recomputed from the same start (receipt or
    escalation request; the acknowledgement) with the Code's working days: stages
    recorded before docs/adr/0041, whose dates skipped the landlord's closure days.

    By default a dry run: one tab-separated line per stage (complaint id, stage,
    deadline, the stored date, the Code's date, a note), nothing changed. With --apply
    each complaint is changed in a transaction of its own, under the locks engagement
    takes (the complaint, then its stages), judged again on the locked rows: the stored
    date moves earlier to the Code's, never later. An extension a handler agreed keeps
    its date (only code_respond_by, the start of its limit, moves); one now beyond the
    stage's limit is listed for a complaints handler, not changed. A Code date already
    passed is listed "now overdue": the complaint-deadlines job (every 5 minutes, or
    `hearth engagement-jobs`) then raises its breach as for any overdue stage. Nothing
    is published and no letter is written. Running it again changes nothing."""
    typer.echo("\t".join(COLUMNS))
    done = asyncio.run(_recompute(apply, batch_size, typer.echo))
    beyond = (
        f"; {done.beyond_the_limit} agreed extension(s) beyond the limit, kept for a "
        "complaints handler"
    )
    if apply:
        typer.echo(
            f"moved {len(done.moving)} deadline(s) earlier in {done.complaints} complaint(s), "
            f"{done.overdue} now overdue (the complaint-deadlines job raises them){beyond}"
        )
    else:
        typer.echo(
            f"dry run, nothing changed: {len(done.moving)} deadline(s) in {done.complaints} "
            f"complaint(s) later than the Code's, {done.overdue} of them overdue on the "
            f"Code's date{beyond}; --apply moves them"
        )


def register(root: typer.Typer, imports: typer.Typer) -> None:
    """The engagement commands on `hearth`."""
    root.command("engagement-jobs")(run_jobs)
    engagement = typer.Typer(help="Engagement's operations commands.", no_args_is_help=True)
    engagement.command(
        "recompute-complaint-deadlines",
        help="List open complaint stages whose stored deadline is later than the Code's "
        "working days give (recorded before ADR 0041 across a closure); --apply moves "
        "each earlier to the Code's date, one transaction per complaint, never touching "
        "an agreed extension. Harmless to run again.",
    )(recompute_complaint_deadlines)
    root.add_typer(engagement, name="engagement")
