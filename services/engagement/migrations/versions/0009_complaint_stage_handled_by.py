"""who acknowledged and who answered each complaint stage (the caller's subject), so
stage 2 is refused to stage 1's person

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 13:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("complaint_stage") as batch:
        batch.add_column(sa.Column("acknowledged_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("responded_by", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("complaint_stage") as batch:
        batch.drop_column("responded_by")
        batch.drop_column("acknowledged_by")
