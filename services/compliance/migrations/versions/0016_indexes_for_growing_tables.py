"""compliance_check, gas_safety_record, tenant_copy: the indexes their reads need

An audit of the statements compliance runs on its tables that grow without bound,
planned by PostgreSQL with sequential scans off (tests/test_query_plans.py), found reads
no index served:

- a home's checks (its compliance read, the home overview's gas; when a cycle began)
  filtered compliance_check by uprn, which only the open checks' unique index held:
  every completed cycle of every home was read. ix_compliance_check_home (uprn,
  check_type, completed_on).
- GET /v1/checks sorted all open checks by (due_by, id) for each page;
  ix_compliance_check_open_due holds the open ones in that order, and
  ix_compliance_check_contractor_due a contractor's (the contractor's list).
- GET /v1/gas-safety-records (no filter, or a contractor's) read every record and
  sorted them: ix_gas_safety_record_recorded (recorded_at, id) and
  ix_gas_safety_record_contractor.
- the household's copy of a record (tenant-copy-sent, a re-test) read every copy:
  ix_tenant_copy_record.

Plain CREATE INDEX inside the migration's transaction, like every index before it: it
blocks writes to each table (not reads) while it builds; see docs/runbooks/upgrading.md.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 02:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "completed_at IS NULL"
OPEN_ASSIGNED = "completed_at IS NULL AND contractor_id IS NOT NULL"
ASSIGNED = "contractor_id IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("compliance_check", schema=None) as batch_op:
        batch_op.create_index(
            "ix_compliance_check_home", ["uprn", "check_type", "completed_on"], unique=False
        )
        batch_op.create_index(
            "ix_compliance_check_open_due",
            ["due_by", "id"],
            unique=False,
            postgresql_where=sa.text(OPEN),
            sqlite_where=sa.text(OPEN),
        )
        batch_op.create_index(
            "ix_compliance_check_contractor_due",
            ["contractor_id", "due_by", "id"],
            unique=False,
            postgresql_where=sa.text(OPEN_ASSIGNED),
            sqlite_where=sa.text(OPEN_ASSIGNED),
        )
    with op.batch_alter_table("gas_safety_record", schema=None) as batch_op:
        batch_op.create_index("ix_gas_safety_record_recorded", ["recorded_at", "id"], unique=False)
        batch_op.create_index(
            "ix_gas_safety_record_contractor",
            ["contractor_id", "recorded_at", "id"],
            unique=False,
            postgresql_where=sa.text(ASSIGNED),
            sqlite_where=sa.text(ASSIGNED),
        )
    with op.batch_alter_table("tenant_copy", schema=None) as batch_op:
        batch_op.create_index("ix_tenant_copy_record", ["record_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("tenant_copy", schema=None) as batch_op:
        batch_op.drop_index("ix_tenant_copy_record")
    with op.batch_alter_table("gas_safety_record", schema=None) as batch_op:
        batch_op.drop_index("ix_gas_safety_record_contractor")
        batch_op.drop_index("ix_gas_safety_record_recorded")
    with op.batch_alter_table("compliance_check", schema=None) as batch_op:
        batch_op.drop_index("ix_compliance_check_contractor_due")
        batch_op.drop_index("ix_compliance_check_open_due")
        batch_op.drop_index("ix_compliance_check_home")
