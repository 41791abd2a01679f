"""recharge: tenancy_id, the household a held recharge is for

A recharge held for a manager's approval (the household has a recorded vulnerability)
was raised, and so invoiced by income, as of the approval: income charges the
household in the home on the day a recharge is raised, and by then it may be the next
household. The recharge now keeps the tenancy its household's flags name when it is
held, and recharge-raised carries it (docs/adr/0105).

No backfill: a recharge held before this has no tenancy_id and is raised as before.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("recharge", sa.Column("tenancy_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    op.drop_column("recharge", "tenancy_id")
