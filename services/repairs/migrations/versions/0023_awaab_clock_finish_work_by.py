"""awaab_clock.finish_work_by and revised_summaries: the day to finish the work, set or
moved by a revised written summary (docs/adr/0092)

A complete_work clock held its day only in due_at (the start of the London day after
it, moved on by every pause). The day is now kept as set, and each revised written
summary that set or moved it is kept with the day and deadline it replaced.

complete_work clocks started before this revision get the day back from due_at: the
start of the London day after the day, moved on by the time of each ended pause
(rules.resumed_due; a pause still running has not moved it yet). A clock stopped while
paused keeps that pause open (no `to`: the stop sets no end on it), yet the stop moved
due_at on by it, from its start to the stop, as a resume at the stop would
(rules.resumed_due(due_at, paused_at, stopped_at)): that pause counts until the stop.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 07:10:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LONDON = ZoneInfo("Europe/London")

clocks = sa.table(
    "awaab_clock",
    sa.column("id", sa.Uuid()),
    sa.column("milestone", sa.String()),
    sa.column("due_at", sa.DateTime(timezone=True)),
    sa.column("pauses", sa.JSON()),
    sa.column("stopped_at", sa.DateTime(timezone=True)),
    sa.column("finish_work_by", sa.Date()),
)


def _aware(moment: datetime | str) -> datetime:
    """A stored moment in UTC (SQLite gives it back without its zone; JSON as text)."""
    value = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _paused(pauses: list[dict[str, str]], stopped_at: datetime | None) -> timedelta:
    """The time due_at was moved on by: each ended pause from its start to its end, and
    on a stopped clock the pause the stop ended (no `to`) from its start to the stop,
    as the stop moved it (never less than nothing, as rules.resumed_due). A pause still
    running on a running clock has moved nothing yet."""
    moved = timedelta(0)
    for pause in pauses:
        ended = _aware(pause["to"]) if "to" in pause else stopped_at
        if ended is not None:
            moved += max(timedelta(0), ended - _aware(pause["from"]))
    return moved


def upgrade() -> None:
    op.add_column("awaab_clock", sa.Column("finish_work_by", sa.Date(), nullable=True))
    op.add_column(
        "awaab_clock",
        sa.Column("revised_summaries", sa.JSON(), nullable=False, server_default="[]"),
    )
    with op.batch_alter_table("awaab_clock") as batch:
        batch.alter_column("revised_summaries", server_default=None)
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(clocks.c.id, clocks.c.due_at, clocks.c.pauses, clocks.c.stopped_at).where(
            clocks.c.milestone == "complete_work"
        )
    ).all()
    for row in rows:
        stopped_at = None if row.stopped_at is None else _aware(row.stopped_at)
        moved = _paused(row.pauses or [], stopped_at)
        day_after = (_aware(row.due_at) - moved).astimezone(LONDON).date()
        bind.execute(
            clocks.update()
            .where(clocks.c.id == row.id)
            .values(finish_work_by=day_after - timedelta(days=1))
        )


def downgrade() -> None:
    with op.batch_alter_table("awaab_clock") as batch:
        batch.drop_column("revised_summaries")
        batch.drop_column("finish_work_by")
