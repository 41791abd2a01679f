"""court_outcome_correction: a court hearing's outcome corrected, and what it was

An officer who keyed a hearing's outcome wrongly (or whose court amended its order)
corrects it through the API; the hearing then holds the corrected outcome, and each
correction is kept here, never changed: who made it, when, why (a code from a fixed
list, no free text) and the outcome as it was recorded before, with its day, its terms
and whether they had been broken (ADR 0086). A new table: no data to move.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 05:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "court_outcome_correction",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("hearing_id", sa.Uuid(), nullable=False),
        sa.Column("reason", sa.String(length=32), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("corrected_by", sa.String(length=64), nullable=False),
        sa.Column("previous_outcome", sa.String(length=32), nullable=False),
        sa.Column("previous_decided_on", sa.Date(), nullable=False),
        sa.Column("previous_recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("previous_recorded_by", sa.String(length=64), nullable=False),
        sa.Column("previous_terms_arrears_instalment_pence", sa.BigInteger(), nullable=True),
        sa.Column("previous_terms_frequency", sa.String(length=32), nullable=True),
        sa.Column("previous_terms_first_instalment_on", sa.Date(), nullable=True),
        sa.Column("previous_terms_arrears_pence", sa.BigInteger(), nullable=True),
        sa.Column("previous_terms_broken_on", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(["hearing_id"], ["court_hearing.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_court_outcome_correction_hearing",
        "court_outcome_correction",
        ["hearing_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_court_outcome_correction_hearing", table_name="court_outcome_correction")
    op.drop_table("court_outcome_correction")
