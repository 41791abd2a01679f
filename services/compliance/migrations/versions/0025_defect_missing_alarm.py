"""safety_defect.missing_alarm_id and missing_alarm.repaired_at: a gas record's alarm
finding whose repair is the register's missing alarm's

One missing alarm raises one repair (ADR 0120): a gas engineer's missing (or faulty)
alarm where the register's missing_alarm row raises the repair is kept on the record
with no safety-defect-found of its own, and this names that row. Repairs keeps the row's
id as the repair's safety defect, so its repair-completed marks the record's finding
remedied too. Defects before this migration have none (null).

missing_alarm.repaired_at: when the row's repair was completed (repair-completed under
its id). A gas engineer who then finds the alarm missing found it gone again: a new row
and a new repair, not the completed one's. Rows before this migration have none.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("safety_defect", schema=None) as batch_op:
        batch_op.add_column(sa.Column("missing_alarm_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            "ix_safety_defect_missing_alarm_id",
            ["missing_alarm_id"],
            postgresql_where=sa.text("missing_alarm_id IS NOT NULL"),
            sqlite_where=sa.text("missing_alarm_id IS NOT NULL"),
        )
    with op.batch_alter_table("missing_alarm", schema=None) as batch_op:
        batch_op.add_column(sa.Column("repaired_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("missing_alarm", schema=None) as batch_op:
        batch_op.drop_column("repaired_at")
    with op.batch_alter_table("safety_defect", schema=None) as batch_op:
        batch_op.drop_index("ix_safety_defect_missing_alarm_id")
        batch_op.drop_column("missing_alarm_id")
