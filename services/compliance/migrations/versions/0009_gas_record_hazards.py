"""gas_safety_record.hazards: the hazards (damp and mould above all) the engineer saw at
the check, each published as hazard-found for repairs' Awaab's Law case. Null on the
records kept before.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 13:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("gas_safety_record", sa.Column("hazards", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("gas_safety_record", "hazards")
