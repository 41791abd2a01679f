"""recharge payments: kept by when income posted them (posted_at), not the day paid

A cheque received yesterday but posted after today's payment is the latest word on its
recharge, though its paid_at (yesterday's start) is older. Rows kept before this column
take their paid_at, the version they were kept by: recharge-paid without posted_at counts
as posted at its paid_at.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 15:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "recharge_payment", sa.Column("posted_at", sa.DateTime(timezone=True), nullable=True)
    )
    op.execute("UPDATE recharge_payment SET posted_at = paid_at")
    with op.batch_alter_table("recharge_payment") as table:
        table.alter_column("posted_at", existing_type=sa.DateTime(timezone=True), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("recharge_payment") as table:
        table.drop_column("posted_at")
