"""index for the home overview's read: a home's tenancies by status in reference order

It replaces the index on uprn alone, which the new one's first column serves.

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
    op.create_index(
        "ix_tenancy_uprn_status_reference", "tenancy", ["uprn", "status", "tenancy_reference"]
    )
    op.drop_index("ix_tenancy_uprn", table_name="tenancy")


def downgrade() -> None:
    op.create_index("ix_tenancy_uprn", "tenancy", ["uprn"])
    op.drop_index("ix_tenancy_uprn_status_reference", table_name="tenancy")
