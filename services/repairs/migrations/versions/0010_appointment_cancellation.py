"""an appointment's cancellation: why (a code) and when the household asked

Both columns are empty for every appointment that was not cancelled.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "appointment",
        sa.Column(
            "cancellation_reason",
            sa.Enum(
                "resident_requested",
                "work_not_needed",
                name="cancellationreason",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
    )
    op.add_column("appointment", sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    op.drop_column("appointment", "cancelled_at")
    op.drop_column("appointment", "cancellation_reason")
