"""tenancy.balance_brought_forward_pence and _as_at: a balance brought forward at load

A tenancy loaded from the landlord's old system (a go-live) may carry the balance that
system held and the day it was struck (ADR 0132): the rent weeks up to that day are the
old system's, so neither the rent run nor the charge back of a late-recorded tenancy
(ADR 0112) charges them again. Both null for every tenancy before: none was brought
forward this way. No data to move.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-01 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tenancy", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("balance_brought_forward_pence", sa.BigInteger(), nullable=True)
        )
        batch_op.add_column(sa.Column("balance_brought_forward_as_at", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tenancy", schema=None) as batch_op:
        batch_op.drop_column("balance_brought_forward_as_at")
        batch_op.drop_column("balance_brought_forward_pence")
