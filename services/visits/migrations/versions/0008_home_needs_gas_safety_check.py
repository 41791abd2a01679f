"""home_profile.needs_gas_safety_check: compliance's own decision whether the home gets
an annual gas safety check, as property-registered and property-updated now say it, so
the programme's "no annual gas visit" factor follows compliance's rule (a capped supply
with a landlord gas appliance still gets the check) instead of the gas supply alone.
Existing rows stay null until the home's next property event; until then the gas
supply decides, as before.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "home_profile", sa.Column("needs_gas_safety_check", sa.Boolean(), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("home_profile", "needs_gas_safety_check")
