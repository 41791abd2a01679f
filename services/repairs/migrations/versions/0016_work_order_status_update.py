"""work_order_status_update: every job status update a contractor sends, kept as sent

Updates arrive out of order (contractors' systems send from queues and retry; two
calls can overtake each other). The work order's status is now its latest update by
`at`, and a late one is kept here without moving the status back (docs/adr/0054).
Updates received before this revision were not kept: a work order's history starts
with its next update (its status and status_changed_at are as they were).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 21:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "work_order_status_update",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("work_order_id", sa.Uuid(), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("variation_pence", sa.BigInteger(), nullable=True),
        sa.Column("appointment_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("appointment_end", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["work_order_id"], ["work_order.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_work_order_status_update_order_at",
        "work_order_status_update",
        ["work_order_id", "at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_work_order_status_update_order_at", table_name="work_order_status_update")
    op.drop_table("work_order_status_update")
