"""home.alarms_noted_at: when the register's smoke and CO alarm lists were last told

A gas engineer's alarm tests now change the register's alarm lists (ADR 0121): a
tested alarm is fitted, one reported missing is not. A record can arrive days after its
visit, so the lists follow it only when nothing told the register about the alarms
after the visit (a PATCH of the lists, or a later visit's record): this keeps when that
was. Homes before this migration have none (null): the first record after it is
followed.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("home", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("alarms_noted_at", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("home", schema=None) as batch_op:
        batch_op.drop_column("alarms_noted_at")
