"""work_order.follow_on_required_by: when the follow-on a completion of an emergency made
safe asked for is due (docs/adr/0235), so that the repair is overdue while that follow-on
is past its target and not raised, or raised and cancelled, as it is while a follow-on
raised is open past it. Set at each such completion from now on; NULL on every row
before, and on a completion that asked for nothing: a follow-on asked for before this
release and never raised is not counted overdue (its target counts in the repairs
calendar's working days, which SQL cannot count; docs/runbooks/upgrading.md).

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-02 09:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hearth_kit.db import AwareDateTime

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # In place, not by a batch copy: SQLite adds (and drops) a plain nullable column
    # itself, and a copy of work_order, which other tables refer to, fails with SQLite's
    # foreign keys on.
    op.add_column("work_order", sa.Column("follow_on_required_by", AwareDateTime(), nullable=True))


def downgrade() -> None:
    """The column goes. Nothing is lost that a record needs: the due day is worked out
    from the completion's `completed_at` and the repairs calendar, and the release
    before never counted a follow-on not raised. Upgraded again, those rows hold NULL,
    as every row from before this release does."""
    op.drop_column("work_order", "follow_on_required_by")
