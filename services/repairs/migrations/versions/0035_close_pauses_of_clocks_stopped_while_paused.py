"""close the pauses of Awaab's Law clocks stopped while paused (6e915321)

Before 6e915321 a clock stopped while paused had its deadline moved on by the time
paused, as a resume does (due_at + stopped_at - paused_at), and its paused_at cleared,
but its last pause was left without its "to": the record showed a pause still running
on a stopped clock. The pause ended at the stop, and due_at already moved by exactly
that, so each such pause is closed at the clock's `stopped_at`, as the stop does now:
nothing else changes, no deadline, breach or figure. Only a stopped clock that is not
paused is read (a running clock's open pause is a pause running), and only its last
pause, when it has no "to" (a resume and, since 6e915321, the stop write one); found
with a LIKE on the JSON's text, the same on PostgreSQL and SQLite, then changed in
Python a row at a time (few rows: clocks paused and then stopped).

The downgrade changes nothing: the release before this one reads a pause with its "to"
as it reads a resumed one (the same shape), and a pause closed here cannot be told from
one its stop closed since 6e915321; opening them again would only put the fault back.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-01 18:00:00.000000
"""

from collections.abc import Sequence
from datetime import UTC

import sqlalchemy as sa
from alembic import op

from hearth_kit.db import AwareDateTime

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

awaab_clock = sa.table(
    "awaab_clock",
    sa.column("id", sa.Uuid()),
    sa.column("paused_at", AwareDateTime()),
    sa.column("stopped_at", AwareDateTime()),
    sa.column("pauses", sa.JSON()),
)


def upgrade() -> None:
    connection = op.get_bind()
    stopped_after_a_pause = connection.execute(
        sa.select(awaab_clock.c.id, awaab_clock.c.stopped_at, awaab_clock.c.pauses).where(
            awaab_clock.c.stopped_at.is_not(None),
            awaab_clock.c.paused_at.is_(None),
            sa.cast(awaab_clock.c.pauses, sa.Text).like('%"from"%'),
        )
    ).all()
    for clock_id, stopped_at, pauses in stopped_after_a_pause:
        if not pauses or "to" in pauses[-1]:
            continue
        closed = [*pauses[:-1], {**pauses[-1], "to": stopped_at.astimezone(UTC).isoformat()}]
        connection.execute(
            awaab_clock.update().where(awaab_clock.c.id == clock_id).values(pauses=closed)
        )


def downgrade() -> None:
    """Nothing to undo: see the module's docstring."""
