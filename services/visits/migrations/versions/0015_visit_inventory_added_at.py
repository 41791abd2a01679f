"""visit.inventory_added_at: when the visit's officer added the room inventory of a full
visit completed without one (the one-shot report takes no rooms), after the report
(ADR 0113). Null for every visit before it: their inventory, if any, came with the
report.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 10:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("inventory_added_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_column("inventory_added_at")
