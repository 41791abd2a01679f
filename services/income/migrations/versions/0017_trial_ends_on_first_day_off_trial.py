"""tenancy.introductory_ends_on is the day the trial ends (the first day off it): a
date that was cut back to a shorter month's last day moves to the 1st of the next

The trial is "the period of one year beginning with" the start (Housing Act 1996
s.125(2); 18 months once extended, s.125A), so it ends at the end of the day before the
same date a year later, and `introductory_ends_on` now names the day after: the first
day secure (or assured). For almost every tenancy that is the date already stored (12
or 18 months from the start, the same day of the month). A start whose day the later
month lacks (29 February; the 29th to 31st with 18 months) was stored as that month's
last day: 29 February 2024 gave 28 February 2025, but the year beginning with it runs
to the end of 28 February 2025, so the tenancy is secure from 1 March. Data only: such
a date (the month's last day, earlier in the month than the start's day) moves on one
day to the 1st of the next month (ADR 0059).

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 23:00:00.000000
"""

import calendar
from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _cut_back(start: date, ends_on: date) -> bool:
    """A date worked out as the start's day in a month too short for it."""
    month_end = calendar.monthrange(ends_on.year, ends_on.month)[1]
    return ends_on.day == month_end and ends_on.day < start.day


def upgrade() -> None:
    bind = op.get_bind()
    tenancy = sa.table(
        "tenancy",
        sa.column("id", sa.Uuid()),
        sa.column("start_date", sa.Date()),
        sa.column("introductory_ends_on", sa.Date()),
    )
    rows = bind.execute(
        sa.select(tenancy.c.id, tenancy.c.start_date, tenancy.c.introductory_ends_on).where(
            tenancy.c.introductory_ends_on.is_not(None)
        )
    ).all()
    for tenancy_id, start_date, ends_on in rows:
        if _cut_back(start_date, ends_on):
            bind.execute(
                tenancy.update()
                .where(tenancy.c.id == tenancy_id)
                .values(introductory_ends_on=ends_on + timedelta(days=1))
            )


def downgrade() -> None:
    """Nothing to undo: the moved dates are the trials' true ends; the code before read
    the date as the trial's last day, one day longer, whichever way it was stored."""
