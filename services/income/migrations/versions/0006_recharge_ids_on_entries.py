"""recharge and repair ids on recharge entries

A recharge's ledger entry keeps repairs' recharge id and repair id, so a payment landing
on the sundry account can say which recharge it paid (recharge-paid). Recharges invoiced
before this migration have neither: payments still pay them off oldest first, but no
recharge-paid is raised for them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29 22:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('recharge_id', sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column('repair_id', sa.Uuid(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_column('repair_id')
        batch_op.drop_column('recharge_id')
