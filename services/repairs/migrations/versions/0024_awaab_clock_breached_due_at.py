"""awaab_clock.breached_due_at: the deadline a clock breached, so the figures count a
breach in the period it happened in (docs/adr/0092)

The figures counted a breach in the period of the clock's due_at now. A revised written
summary (or a pause) moves due_at on after the breach, so a March breach moved to May
counted in May, and March's published figure changed after the fact. The clock now
keeps the due_at in force when its breach was raised, the deadline that
hazard-deadline-breached named.

Every clock already breached (breach raised, or stopped late by rules.met's
conventions with none raised) gets that deadline back from its record:

- the due_at now, less what moved it after the breach was raised: when a revised
  summary was recorded at or after breach_raised_at, the first such summary's
  earlier_due_at (the deadline it replaced; a revised summary that raised the breach
  itself is recorded at the same moment), and the pauses that began at or after
  breach_raised_at and before that summary (or before now, when none moved the day)
  moved it on by their time (a pause ended by the stop, with no `to`, until the stop;
  one still running has moved nothing). No clock is paused when its breach is raised
  (the job skips paused clocks, the stop ends the pause first, a revised summary is
  refused on a paused clock), so every pause began on one side of the breach: true of
  every row this migration reads (the same release's code raises a breach at a late
  pause and for a clock paused late, ADR 0010 amended 2026-12-01, and sets
  breached_due_at as it raises);
- a clock stopped late with no breach raised (before the stop raised it) never moved
  after it stopped: its due_at.

Clocks not breached keep it null. One update per breached clock, in one executemany.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 07:40:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

clocks = sa.table(
    "awaab_clock",
    sa.column("id", sa.Uuid()),
    sa.column("milestone", sa.String()),
    sa.column("due_at", sa.DateTime(timezone=True)),
    sa.column("pauses", sa.JSON()),
    sa.column("stopped_at", sa.DateTime(timezone=True)),
    sa.column("breach_raised_at", sa.DateTime(timezone=True)),
    sa.column("revised_summaries", sa.JSON()),
    sa.column("breached_due_at", sa.DateTime(timezone=True)),
)


def _aware(moment: datetime | str) -> datetime:
    """A stored moment in UTC (SQLite gives it back without its zone; JSON as text)."""
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _stopped_late(milestone: str, stopped_at: datetime, due_at: datetime) -> bool:
    """rules.met's two conventions: make safe is late only after its 24-hour moment."""
    return stopped_at > due_at if milestone == "make_safe" else stopped_at >= due_at


def breached_deadline(
    due_at: datetime,
    pauses: list[dict[str, str]],
    stopped_at: datetime | None,
    breach_raised_at: datetime | None,
    revised_summaries: list[dict[str, Any]],
) -> datetime:
    """The due_at in force when the breach was raised (see the module's docstring)."""
    if breach_raised_at is None:
        return due_at
    moved = [
        r
        for r in revised_summaries
        if r.get("earlier_due_at") is not None  # the one that started the clock moved none
        and _aware(r["recorded_at"]) >= breach_raised_at
    ]
    deadline = due_at
    until: datetime | None = None
    if moved:
        deadline = _aware(moved[0]["earlier_due_at"])
        until = _aware(moved[0]["at"])
    paused_after = timedelta(0)
    for pause in pauses:
        began = _aware(pause["from"])
        if began < breach_raised_at or (until is not None and began >= until):
            continue
        ended = _aware(pause["to"]) if "to" in pause else stopped_at
        if ended is not None:
            paused_after += max(timedelta(0), ended - began)
    return deadline - paused_after


def upgrade() -> None:
    op.add_column(
        "awaab_clock", sa.Column("breached_due_at", sa.DateTime(timezone=True), nullable=True)
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(
            clocks.c.id,
            clocks.c.milestone,
            clocks.c.due_at,
            clocks.c.pauses,
            clocks.c.stopped_at,
            clocks.c.breach_raised_at,
            clocks.c.revised_summaries,
        ).where(sa.or_(clocks.c.breach_raised_at.is_not(None), clocks.c.stopped_at.is_not(None)))
    ).all()
    updates = []
    for row in rows:
        due_at = _aware(row.due_at)
        stopped_at = None if row.stopped_at is None else _aware(row.stopped_at)
        raised_at = None if row.breach_raised_at is None else _aware(row.breach_raised_at)
        if raised_at is None and not (
            stopped_at is not None and _stopped_late(row.milestone, stopped_at, due_at)
        ):
            continue  # stopped in time: not breached
        deadline = breached_deadline(
            due_at, row.pauses or [], stopped_at, raised_at, row.revised_summaries or []
        )
        updates.append({"clock_id": row.id, "deadline": deadline})
    if updates:
        bind.execute(
            clocks.update()
            .where(clocks.c.id == sa.bindparam("clock_id"))
            .values(breached_due_at=sa.bindparam("deadline")),
            updates,
        )


def downgrade() -> None:
    with op.batch_alter_table("awaab_clock") as batch:
        batch.drop_column("breached_due_at")
