"""starter tenancies get their trial period's end (12 months after the start)

Starter tenancies (housing associations) have the same trial period as introductory
ones (DOMAIN.md), but were started without `introductory_ends_on`. Data only: each
starter tenancy still without one gets the day 12 months after its start (a day the
later month lacks becomes its last day, as the service counts it).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 13:10:00.000000
"""

import calendar
from collections.abc import Sequence
from datetime import date

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _twelve_months_after(start: date) -> date:
    year, month = start.year + 1, start.month
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def upgrade() -> None:
    bind = op.get_bind()
    tenancy = sa.table(
        "tenancy",
        sa.column("id", sa.Uuid()),
        sa.column("start_date", sa.Date()),
        sa.column("tenancy_type", sa.String()),
        sa.column("introductory_ends_on", sa.Date()),
    )
    rows = bind.execute(
        sa.select(tenancy.c.id, tenancy.c.start_date).where(
            tenancy.c.tenancy_type == "starter", tenancy.c.introductory_ends_on.is_(None)
        )
    ).all()
    for tenancy_id, start_date in rows:
        bind.execute(
            tenancy.update()
            .where(tenancy.c.id == tenancy_id)
            .values(introductory_ends_on=_twelve_months_after(start_date))
        )


def downgrade() -> None:
    """Nothing to undo: the end dates are true for starter tenancies either way."""
