"""repair_request.made_safe_at: an emergency is made safe by its first work order completed

DOMAIN.md's emergency target is to make safe within 24 hours; the follow-on work that
keeps the repair open is not measured against it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 18:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "repair_request", sa.Column("made_safe_at", sa.DateTime(timezone=True), nullable=True)
    )
    # Emergencies a work order already completed: made safe at the first completion.
    op.execute(
        """
        UPDATE repair_request SET made_safe_at = (
            SELECT min(work_order.completed_at) FROM work_order
            WHERE work_order.repair_id = repair_request.id
              AND work_order.completed_at IS NOT NULL
        )
        WHERE priority = 'emergency'
        """
    )


def downgrade() -> None:
    op.drop_column("repair_request", "made_safe_at")
