"""index for the home overview's read: a home's residents in registration order

It replaces the index on uprn alone, which the new one's first column serves.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 01:50:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_resident_uprn_registered_at_id", "resident", ["uprn", "registered_at", "id"]
    )
    op.drop_index("ix_resident_uprn", table_name="resident")


def downgrade() -> None:
    op.create_index("ix_resident_uprn", "resident", ["uprn"])
    op.drop_index("ix_resident_uprn_registered_at_id", table_name="resident")
