"""recharge written off: income's write-off of a recharge (docs/adr/0179)

Income's recharge-paid now says when a write-off of former tenant arrears took a
recharge off the books (`settled_by` write_off) and when that write-off was undone.
recharge_payment.written_off keeps whether the latest event was such a write-off, and a
recharge it leaves owing nothing takes the status `written_off` (a text enum, no type to
migrate): neither owed nor collected.

No backfill: before this release income published nothing for a write-off, so no row
holds one; a recharge written off then stays `raised` (docs/runbooks/upgrading.md).

The downgrade stops while any recharge is written off: the release before this one
knows no status `written_off` (reading such a row fails, a 500 for whatever returns it),
so the rows are settled first (docs/runbooks/upgrading.md). It names how many, never
which.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-01 15:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hearth_kit.migrations import refuse_downgrade_while_stored

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "recharge_payment",
        sa.Column("written_off", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    refuse_downgrade_while_stored(
        "recharge",
        "status",
        ("written_off",),
        rows="recharge(s) are written off",
        what="a status",
        revision="0033",
        service="repairs",
    )
    with op.batch_alter_table("recharge_payment") as batch:
        batch.drop_column("written_off")
