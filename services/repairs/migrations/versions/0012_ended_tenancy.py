"""ended tenancies: a former household's vulnerability flags stop counting for the home

income's tenancy-ended is kept per tenancy; a flag of an ended tenancy (or one without a
tenancy recorded before a tenancy at the home ended) no longer holds the recharges of
the household living there now.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 15:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ended_tenancy",
        sa.Column("tenancy_id", sa.Uuid(), nullable=False),
        sa.Column("uprn", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("over_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenancy_id"),
    )
    op.create_index(op.f("ix_ended_tenancy_uprn"), "ended_tenancy", ["uprn"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_ended_tenancy_uprn"), table_name="ended_tenancy")
    op.drop_table("ended_tenancy")
