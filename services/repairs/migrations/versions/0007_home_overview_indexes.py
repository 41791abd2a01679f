"""indexes for the home overview's reads: a home's repairs by status in id order, and
its appointment requests in id order

Each replaces the index on uprn alone, which the new one's first column serves.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 01:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_repair_request_uprn_status_id", "repair_request", ["uprn", "status", "id"])
    op.drop_index("ix_repair_request_uprn", table_name="repair_request")
    op.create_index("ix_appointment_request_uprn_id", "appointment_request", ["uprn", "id"])
    op.drop_index("ix_appointment_request_uprn", table_name="appointment_request")


def downgrade() -> None:
    op.create_index("ix_appointment_request_uprn", "appointment_request", ["uprn"])
    op.drop_index("ix_appointment_request_uprn_id", table_name="appointment_request")
    op.create_index("ix_repair_request_uprn", "repair_request", ["uprn"])
    op.drop_index("ix_repair_request_uprn_status_id", table_name="repair_request")
