"""recharge payments: income's recharge-paid, kept per recharge (newest payment wins)

Recharges paid in full count as collected in the figures, in the period of the payment
that cleared them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recharge_payment",
        sa.Column("recharge_id", sa.Uuid(), nullable=False),
        sa.Column("repair_id", sa.Uuid(), nullable=False),
        sa.Column("uprn", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("outstanding_pence", sa.BigInteger(), nullable=False),
        sa.Column("paid_in_full", sa.Boolean(), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("recharge_id"),
    )
    op.create_index(
        op.f("ix_recharge_payment_paid_at"), "recharge_payment", ["paid_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_recharge_payment_paid_at"), table_name="recharge_payment")
    op.drop_table("recharge_payment")
