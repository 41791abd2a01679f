"""introductory_ends_on (tenancy, caseload_assignment) is the day the trial ends (the
first day off it): a date that was cut back to a shorter month's last day moves to the
1st of the next

The trial is "the period of one year beginning with" the start (Housing Act 1996
s.125(2); 18 months once extended, s.125A): a tenancy started on 29 February 2024 is on
trial to the end of 28 February 2025 and secure from 1 March, but visits stored 28
February (12 months from the start, a day the month lacks becoming its last day), as
income did. Data only: a date that is its month's last day and earlier in the month
than the tenancy's start day moves on one day to the 1st of the next month; every other
stored date is already the first day off trial (ADR 0059). caseload_assignment has no
start date: the tenancy's is read from the tenancy table.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 23:00:00.000000
"""

import calendar
from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
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
        sa.column("tenancy_id", sa.Uuid()),
        sa.column("start_date", sa.Date()),
        sa.column("introductory_ends_on", sa.Date()),
    )
    assignment = sa.table(
        "caseload_assignment",
        sa.column("tenancy_id", sa.Uuid()),
        sa.column("introductory_ends_on", sa.Date()),
    )
    queries = [
        (
            tenancy,
            sa.select(
                tenancy.c.tenancy_id, tenancy.c.start_date, tenancy.c.introductory_ends_on
            ).where(tenancy.c.introductory_ends_on.is_not(None)),
        ),
        (
            assignment,
            sa.select(
                assignment.c.tenancy_id, tenancy.c.start_date, assignment.c.introductory_ends_on
            )
            .join(tenancy, tenancy.c.tenancy_id == assignment.c.tenancy_id)
            .where(assignment.c.introductory_ends_on.is_not(None)),
        ),
    ]
    for table, query in queries:
        for tenancy_id, start, ends_on in bind.execute(query).all():
            if start is not None and _cut_back(start, ends_on):
                bind.execute(
                    table.update()
                    .where(table.c.tenancy_id == tenancy_id)
                    .values(introductory_ends_on=ends_on + timedelta(days=1))
                )


def downgrade() -> None:
    """Nothing to undo: the moved dates are the trials' true ends; the code before read
    the date as the trial's last day, one day longer, whichever way it was stored."""
