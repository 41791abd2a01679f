"""tenancy_of_home, tenant_of_tenancy: which tenancy began at a home, and its tenants

Repairs kept only tenancies' ends, so it could not tell who lived in a home on a day,
and a recharge on a home standing empty, which income charges to the former tenant,
never considered that household's recorded vulnerability (docs/adr/0116). Filled from
income's tenancy-started (v1 and v2: the tenants' person ids only) and
tenancy-withdrawn from now on.

No backfill: tenancies announced before this are unknown, and their homes keep the
rule of docs/adr/0116's fallback until a tenancy of theirs is announced.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 10:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tenancy_of_home",
        sa.Column("tenancy_id", sa.Uuid(), nullable=False),
        sa.Column("uprn", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenancy_id"),
    )
    op.create_index(
        "ix_tenancy_of_home_uprn_start", "tenancy_of_home", ["uprn", "start_date"], unique=False
    )
    op.create_table(
        "tenant_of_tenancy",
        sa.Column("tenancy_id", sa.Uuid(), nullable=False),
        sa.Column("person_id", sa.Uuid(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenancy_id", "person_id"),
    )


def downgrade() -> None:
    op.drop_table("tenant_of_tenancy")
    op.drop_index("ix_tenancy_of_home_uprn_start", table_name="tenancy_of_home")
    op.drop_table("tenancy_of_home")
