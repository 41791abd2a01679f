"""a payment's own reference, unique per account and method

A payment may carry the bank's, the direct debit's or the benefit schedule's reference:
one payment per account, method and reference, so a payment file imported twice posts
each payment once. Entries without a reference (every entry so far) are unaffected
(NULLs are distinct in a unique index).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 13:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reference", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "uq_ledger_entry_payment_reference",
            ["account_id", "payment_method", "reference"],
            unique=True,
        )


def downgrade() -> None:
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_index("uq_ledger_entry_payment_reference")
        batch_op.drop_column("reference")
