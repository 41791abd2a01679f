"""tenancy_start: each tenancy announced at a home, by its id, and its withdrawal

A tenancy withdrawn before its first day (income's tenancy-withdrawn, ADR 0111) made
compliance forget the home's one tenancy start (home.tenancy_start_date), so the
household still living there lost its first day: the no-access history rule then counted
every failure ever noted at the home as its own. And a tenancy-started of a withdrawn
tenancy handled late (a dead letter replayed) raised the first-day alarm check and asked
copies for tenants who never moved in. Compliance now keeps each tenancy's start and
withdrawal: a withdrawal gives the home back its newest start not withdrawn, and a
later start of a withdrawn tenancy changes nothing.

Empty: tenancies announced before this migration are not known by id (their start is
still the home's, as before); a withdrawal of one leaves the home with no start known,
as before.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenancy_start",
        sa.Column("tenancy_id", sa.Uuid(), nullable=False),
        sa.Column("uprn", sa.String(length=12), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("tenancy_id"),
    )
    op.create_index("ix_tenancy_start_uprn", "tenancy_start", ["uprn"])


def downgrade() -> None:
    op.drop_index("ix_tenancy_start_uprn", table_name="tenancy_start")
    op.drop_table("tenancy_start")
