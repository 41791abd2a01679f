"""money in BIGINT pence; known homes keep the asset register's time (as_of)

INTEGER stops at 2**31 - 1 pence (about 21.4 million pounds), below the contracts'
bound on an amount (hearth_contracts.values.MAX_PENCE): a value the API accepted would
fail as a database overflow. BIGINT holds every amount the API accepts. as_of lets the
projection upsert ignore older events.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-29 18:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("home", schema=None) as batch_op:
        batch_op.add_column(sa.Column("as_of", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("rent_account", schema=None) as batch_op:
        batch_op.alter_column(
            "balance_pence",
            existing_type=sa.Integer(),
            type_=sa.BigInteger(),
            existing_nullable=False,
        )
    with op.batch_alter_table("tenancy", schema=None) as batch_op:
        batch_op.alter_column(
            "weekly_rent_pence",
            existing_type=sa.Integer(),
            type_=sa.BigInteger(),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("tenancy", schema=None) as batch_op:
        batch_op.alter_column(
            "weekly_rent_pence",
            existing_type=sa.BigInteger(),
            type_=sa.Integer(),
            existing_nullable=False,
        )
    with op.batch_alter_table("rent_account", schema=None) as batch_op:
        batch_op.alter_column(
            "balance_pence",
            existing_type=sa.BigInteger(),
            type_=sa.Integer(),
            existing_nullable=False,
        )
    with op.batch_alter_table("home", schema=None) as batch_op:
        batch_op.drop_column("as_of")
