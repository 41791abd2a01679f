"""court_hearing.terms_*: the court's terms on an order or adjournment, and their breach

A hearing's outcome that is an order or an adjournment on terms may carry the terms (the
current rent plus an instalment towards the arrears: the instalment, its frequency and
its first day) and the arrears they are on (the account's on the day the court decided);
the ladder job sets `terms_broken_on` when an instalment is not paid within the grace
arrangements have (ADR 0084). All nullable: no terms (outcomes recorded before this
migration had none recorded). No data to move.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = (
    "terms_arrears_instalment_pence",
    "terms_frequency",
    "terms_first_instalment_on",
    "terms_arrears_pence",
    "terms_broken_on",
)


def upgrade() -> None:
    with op.batch_alter_table("court_hearing", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("terms_arrears_instalment_pence", sa.BigInteger(), nullable=True)
        )
        batch_op.add_column(sa.Column("terms_frequency", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("terms_first_instalment_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("terms_arrears_pence", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("terms_broken_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("court_hearing", schema=None) as batch_op:
        for name in reversed(COLUMNS):
            batch_op.drop_column(name)
