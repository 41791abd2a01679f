"""rent_change: a tenancy's weekly rent and service charge from a rent week on

There was no way to change a tenancy's rent (the April rent change): the rent run
charged the rent as at the start for ever. Each change is a row; the rent in force for
a week is the latest change from that week or before, else the tenancy's own
weekly_rent_pence / weekly_service_charge_pence (the rent at its start), so existing
tenancies need no rows.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rent_change",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenancy_id", sa.Uuid(), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("weekly_rent_pence", sa.BigInteger(), nullable=False),
        sa.Column("weekly_service_charge_pence", sa.BigInteger(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenancy_id"], ["tenancy.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("rent_change", schema=None) as batch_op:
        batch_op.create_index(
            "uq_rent_change_tenancy_effective_from", ["tenancy_id", "effective_from"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("rent_change", schema=None) as batch_op:
        batch_op.drop_index("uq_rent_change_tenancy_effective_from")
    op.drop_table("rent_change")
