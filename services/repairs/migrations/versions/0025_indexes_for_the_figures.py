"""appointment, recharge, awaab_clock: the indexes the figures of a period need

GET /v1/repairs/figures read every appointment and every recharge ever made on each
request (no WHERE on the period: a sequential scan), and counted the Awaab's Law
breaches of a period through ix_awaab_clock_due's `stopped_at IS NOT NULL`, that is
every clock ever stopped. The figures now read only the period's rows:

- ix_appointment_outcome_at: the appointments whose outcome (kept, missed) fell in the
  period; those booked in it already had ix_appointment_booked_at.
- ix_recharge_raised_at: the recharges raised in the period.
- ix_recharge_awaiting_approval: the recharges held for a manager's approval now (a
  figure of now, whatever the period), a partial index holding only those.
- ix_awaab_clock_breached_deadline: the clocks whose deadline, the one breached
  (coalesce(breached_due_at, due_at), docs/adr/0092), fell in the period.

Plain CREATE INDEX inside the migration's transaction, like every index before it: it
blocks writes to each table (not reads) while it builds; see docs/runbooks/upgrading.md.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

AWAITING_APPROVAL = sa.text("status = 'awaiting_approval'")


def upgrade() -> None:
    op.create_index("ix_appointment_outcome_at", "appointment", ["outcome_at"], unique=False)
    op.create_index("ix_recharge_raised_at", "recharge", ["raised_at"], unique=False)
    op.create_index(
        "ix_recharge_awaiting_approval",
        "recharge",
        ["requested_at"],
        unique=False,
        postgresql_where=AWAITING_APPROVAL,
        sqlite_where=AWAITING_APPROVAL,
    )
    op.create_index(
        "ix_awaab_clock_breached_deadline",
        "awaab_clock",
        [sa.text("coalesce(breached_due_at, due_at)")],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_awaab_clock_breached_deadline", table_name="awaab_clock")
    op.drop_index("ix_recharge_awaiting_approval", table_name="recharge")
    op.drop_index("ix_recharge_raised_at", table_name="recharge")
    op.drop_index("ix_appointment_outcome_at", table_name="appointment")
