"""appointment, awaab_case: the indexes their reads need

An audit of the statements repairs runs on its tables that grow without bound, planned
by PostgreSQL with sequential scans off (tests/test_query_plans.py), found two reads no
index served:

- GET /v1/appointments (no filter, or after a cursor) read every appointment and
  sorted them by (window_start, id): ix_appointment_window_start_id holds that order.
- a complaint about damp and mould (complaint-received) looks for the
  complaint's Awaab's Law case by complaint_id, reading every case:
  ix_awaab_case_complaint_id.

Plain CREATE INDEX inside the migration's transaction, like every index before it: it
blocks writes to each table (not reads) while it builds; see docs/runbooks/upgrading.md.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 02:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_appointment_window_start_id", ["window_start", "id"], unique=False
        )
    with op.batch_alter_table("awaab_case", schema=None) as batch_op:
        batch_op.create_index("ix_awaab_case_complaint_id", ["complaint_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("awaab_case", schema=None) as batch_op:
        batch_op.drop_index("ix_awaab_case_complaint_id")
    with op.batch_alter_table("appointment", schema=None) as batch_op:
        batch_op.drop_index("ix_appointment_window_start_id")
