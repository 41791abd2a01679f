"""complaint_stage: the stages of a period indexed for the figures (CH01, CH02)

GET /v1/engagement/figures counts, for each stage, the stages requested in the period
(CH01) and those answered in it (CH02), but complaint_stage had no index on either
moment: its primary key (complaint_id, stage) was read end to end for `stage = ...`,
every complaint ever made, at every request for the figures (tests/test_query_plans.py).
ix_complaint_stage_stage_requested_at and ix_complaint_stage_stage_responded_at (partial:
answered stages only) find a period's stages of one stage by their range. Indexes only: the figures are unchanged.

Plain CREATE INDEX inside the migration's transaction, like every index before it: it
blocks writes to the table (not reads) while it builds; see docs/runbooks/upgrading.md.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("complaint_stage", schema=None) as batch_op:
        batch_op.create_index(
            "ix_complaint_stage_stage_requested_at", ["stage", "requested_at"], unique=False
        )
        batch_op.create_index(
            "ix_complaint_stage_stage_responded_at",
            ["stage", "responded_at"],
            unique=False,
            postgresql_where=sa.text("responded_at IS NOT NULL"),
            sqlite_where=sa.text("responded_at IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("complaint_stage", schema=None) as batch_op:
        batch_op.drop_index("ix_complaint_stage_stage_responded_at")
        batch_op.drop_index("ix_complaint_stage_stage_requested_at")
