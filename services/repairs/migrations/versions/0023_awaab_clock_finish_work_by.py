"""awaab_clock.finish_work_by and revised_summaries: the day to finish the work, set or
moved by a revised written summary (docs/adr/0092)

A complete_work clock held its day only in due_at (the start of the London day after
it, moved on by every pause). The day is now kept as set, and each revised written
summary that set or moved it is kept with the day and deadline it replaced.

complete_work clocks started before this revision get the day back from due_at: the
start of the London day after the day, moved on by the time of each ended pause
(rules.resumed_due; a pause still running has not moved it yet).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 07:10:00.000000
"""

from collections.abc import Sequence
from datetime import datetime, timedelta
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
    sa.column("finish_work_by", sa.Date()),
)


def _paused(pauses: list[dict[str, str]]) -> timedelta:
    return sum(
        (
            max(timedelta(0), datetime.fromisoformat(p["to"]) - datetime.fromisoformat(p["from"]))
            for p in pauses
            if "to" in p
        ),
        timedelta(0),
    )


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
        sa.select(clocks.c.id, clocks.c.due_at, clocks.c.pauses).where(
            clocks.c.milestone == "complete_work"
        )
    ).all()
    for row in rows:
        day_after = (row.due_at - _paused(row.pauses or [])).astimezone(LONDON).date()
        bind.execute(
            clocks.update()
            .where(clocks.c.id == row.id)
            .values(finish_work_by=day_after - timedelta(days=1))
        )


def downgrade() -> None:
    with op.batch_alter_table("awaab_clock") as batch:
        batch.drop_column("revised_summaries")
        batch.drop_column("finish_work_by")
