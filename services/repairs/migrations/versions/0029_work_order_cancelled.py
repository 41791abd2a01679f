"""work_order: staff's cancellation of a work order raised in error

A repair was completed by the first of its work orders to complete without a follow-on,
while others were still open; now it is completed when its last open work order is
closed (docs/adr/0141). A work order raised in error would then hold its repair open
for ever, so staff may cancel one whose work has not started: status `cancelled` (a
text enum, no type to migrate) with when, by whom and why (cancelled_at, cancelled_by,
cancellation_reason).

No backfill: no work order was cancelled before this.

The downgrade stops while any work order is cancelled: the release before this one
knows no status `cancelled` (reading such a row fails, a 500 for whatever lists it) and
has none that says what the work order is, so the rows are settled first
(docs/runbooks/upgrading.md). It names how many, never which.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from hearth_kit.migrations import refuse_downgrade_while_stored

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "work_order", sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "work_order",
        sa.Column("cancelled_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    )
    op.add_column(
        "work_order",
        sa.Column(
            "cancellation_reason",
            sa.Enum(
                "raised_in_error",
                "duplicate",
                "not_needed",
                "wrong_contractor",
                name="workordercancellation",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
    )


def downgrade() -> None:
    refuse_downgrade_while_stored(
        "work_order",
        "status",
        ("cancelled",),
        rows="work order(s) are cancelled",
        what="a status",
        revision="0029",
        service="repairs",
    )
    with op.batch_alter_table("work_order") as batch:
        batch.drop_column("cancellation_reason")
        batch.drop_column("cancelled_by")
        batch.drop_column("cancelled_at")
