"""tenancy.backdated_weeks_charged: the rent weeks charged when a tenancy was recorded

A tenancy recorded with its start in the past, within the configured weeks, is charged
the rent weeks from its start to the current one when it is recorded (ADR 0112): how
many is kept on the tenancy, shown on it, and tells the arrears ladder to watch the
tenancy from the day it was recorded (its household was asked for that rent then, not
earlier). 0 for every tenancy before: none was charged back.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-01 10:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tenancy", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("backdated_weeks_charged", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("tenancy", schema=None) as batch_op:
        batch_op.drop_column("backdated_weeks_charged")
