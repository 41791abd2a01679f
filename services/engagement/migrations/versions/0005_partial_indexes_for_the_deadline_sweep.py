"""partial indexes for the complaint-deadline sweep

The sweep reads stages still waiting for an acknowledgement or an answer whose breach
is not raised yet; partial indexes keep stamped and finished stages out of its way.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 20:35:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNACKNOWLEDGED = "acknowledged_at IS NULL AND acknowledge_breach_raised_at IS NULL"
UNANSWERED = "responded_at IS NULL AND respond_breach_raised_at IS NULL"


def upgrade() -> None:
    op.drop_index("ix_complaint_stage_acknowledge_by", table_name="complaint_stage")
    op.drop_index("ix_complaint_stage_respond_by", table_name="complaint_stage")
    op.create_index(
        "ix_complaint_stage_unacknowledged",
        "complaint_stage",
        ["acknowledge_by"],
        postgresql_where=sa.text(UNACKNOWLEDGED),
        sqlite_where=sa.text(UNACKNOWLEDGED),
    )
    op.create_index(
        "ix_complaint_stage_unanswered",
        "complaint_stage",
        ["respond_by"],
        postgresql_where=sa.text(UNANSWERED),
        sqlite_where=sa.text(UNANSWERED),
    )


def downgrade() -> None:
    op.drop_index("ix_complaint_stage_unanswered", table_name="complaint_stage")
    op.drop_index("ix_complaint_stage_unacknowledged", table_name="complaint_stage")
    op.create_index("ix_complaint_stage_respond_by", "complaint_stage", ["respond_by"])
    op.create_index("ix_complaint_stage_acknowledge_by", "complaint_stage", ["acknowledge_by"])
