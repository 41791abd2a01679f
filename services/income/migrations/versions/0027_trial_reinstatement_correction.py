"""trial_reinstatement.correction_id: a trial put back because the court outcome its
settlement rested on was corrected

A correction of a hearing's outcome that takes away what the trial-end job settled the
tenancy on (a dismissal keyed in error for a possession order) puts the trial back in
the same transaction (ADR 0093); the reinstatement names the correction that called for
it. Null for the reinstatements an officer makes (ADR 0081), and for every row before.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-01 08:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("trial_reinstatement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("correction_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            "fk_trial_reinstatement_correction",
            "court_outcome_correction",
            ["correction_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("trial_reinstatement", schema=None) as batch_op:
        batch_op.drop_constraint("fk_trial_reinstatement_correction", type_="foreignkey")
        batch_op.drop_column("correction_id")
