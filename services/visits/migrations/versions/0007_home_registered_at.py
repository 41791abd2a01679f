"""home_profile.registered_at: when the home joined the asset register, so a home with
no visit recorded counts its visit intervals from then (or from its tenancy's start)
instead of being due on whatever day it is scored. Existing rows stay null until the
home's property-registered is seen again (a projection rebuild); they keep the
tenancy start.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 13:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "home_profile", sa.Column("registered_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("home_profile", "registered_at")
