"""complaint_stage.superseded_at: a stage escalated from before its answer fell due

A resident may ask for stage 2 once stage 1's acknowledgement is late; stage 1 may be
acknowledged (late) before the escalation is recorded, which gives it an answer date
after the request (ADR 0205). Its answer is owed no more once the complaint is at stage
2, so the breach job must not raise it when that date passes. superseded_at keeps when
the resident asked, on the stage they asked to leave.

Existing stages: none superseded (null): a stage 1 escalated before this migration was
late at the moment of recording, its answer's day already over or never set. One
nullable column added, no table rewritten, so the upgrade holds the table only for a
moment.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 17:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hearth_kit.db import AwareDateTime

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("complaint_stage", sa.Column("superseded_at", AwareDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("complaint_stage") as batch:
        batch.drop_column("superseded_at")
