"""compliance_check.escalate_on: the day after the anniversary, not the anniversary

DOMAIN.md escalates a check overdue "over 3 months"; escalate_on was the day 3 months
after its due date, on which it has been overdue exactly 3 months (ADR 0195). New
checks now take the day after (compliance.checks.rules.escalate_on); the open checks
not yet escalated are given it here, so none is escalated a day early once this
release runs. An escalated or completed check keeps its day (raised once, or history).

Downgrade: the same rows go back a day (the day the release before computes), so a
check opened under this release is escalated by the old release as the old ones were.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOT_YET_ESCALATED = "completed_at IS NULL AND escalated_at IS NULL"


def _move(days: int) -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        moved = f"escalate_on + {days}"
    else:
        moved = f"date(escalate_on, '{days:+d} day')"
    bind.execute(
        sa.text(f"UPDATE compliance_check SET escalate_on = {moved} WHERE {_NOT_YET_ESCALATED}")
    )


def upgrade() -> None:
    _move(1)


def downgrade() -> None:
    _move(-1)
