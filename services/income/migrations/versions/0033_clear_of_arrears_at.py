"""arrears_case.clear_of_arrears_at: when the ladder last found the account clear

The pre-action protocol's steps (the tenant contacted, an arrangement offered, rent
statements given, benefit issues pursued, vulnerability considered) count for the
arrears a claim is for: a step dated before the ladder last found the account clear of
arrears was for earlier arrears (ADR 0133). Null for every case before: the ladder
stamps it at its next look that finds the account clear, and until then every step
recorded counts, as before. No data to move.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-01 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("arrears_case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("clear_of_arrears_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("arrears_case", schema=None) as batch_op:
        batch_op.drop_column("clear_of_arrears_at")
