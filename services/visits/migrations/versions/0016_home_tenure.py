"""home_profile.tenure: the asset register's tenure, as property-registered and
property-updated carry it, so a leasehold or shared ownership home is left out of the
visit programme, its beyond-interval count and its figures (ADR 0115). A migration cannot
know the tenure of the homes already kept: they stay null, and in the programme as
before, until compliance announces them again (`hearth compliance republish-homes`,
docs/runbooks/upgrading.md step 4), which drops a leased home's stored score.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 10:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "home_profile",
        sa.Column(
            "tenure",
            sa.Enum(
                "general_needs",
                "sheltered",
                "shared_ownership",
                "leasehold",
                name="tenure",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
    )


def downgrade() -> None:
    op.drop_column("home_profile", "tenure")
