"""tenancy.withdrawal_reason: why a tenancy was withdrawn before its first day

The officer may say why the offer fell through (ADR 0111, amended): a code in the
landlord's words (offer_refused, applicant_withdrew, offer_made_in_error, other), never
free text about the household, stored as its value in a VARCHAR (no database enum
type). Null for every tenancy before, withdrawn or not: nobody said.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-01 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tenancy", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawal_reason", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("tenancy", schema=None) as batch_op:
        batch_op.drop_column("withdrawal_reason")
