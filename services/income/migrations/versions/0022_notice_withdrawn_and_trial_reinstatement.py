"""possession_notice.withdrawn_on, trial_settlement.trial_ended_on, trial_reinstatement

A notice of proceedings withdrawn no longer keeps an introductory (or starter) tenancy on
trial (Housing Act 1996 s.130(2)(a)): a notice keeps the day it was withdrawn, who
recorded it and when (nullable: not withdrawn). A settlement keeps the day the trial
ended (its `introductory_ends_on` before the job cleared it), so that an officer who
puts a wrongly settled tenancy back on trial restores the trial as it was, extension
and all (nullable: settlements made before this migration did not keep it, and the
year from the start is read for them). `trial_reinstatement` keeps each such
correction, the settlement it undid and who made it, for audit; the settlement row is
removed with it so that the job can settle the trial again when the proceedings end
(ADR 0081). No data to move.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 04:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("possession_notice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_by", sa.String(length=64), nullable=True))
    with op.batch_alter_table("trial_settlement", schema=None) as batch_op:
        batch_op.add_column(sa.Column("trial_ended_on", sa.Date(), nullable=True))
    op.create_table(
        "trial_reinstatement",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenancy_id", sa.Uuid(), nullable=False),
        sa.Column("settled_on", sa.Date(), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trial_ended_on", sa.Date(), nullable=False),
        sa.Column("reinstated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reinstated_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["tenancy_id"], ["tenancy.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_trial_reinstatement_tenancy", "trial_reinstatement", ["tenancy_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_trial_reinstatement_tenancy", table_name="trial_reinstatement")
    op.drop_table("trial_reinstatement")
    with op.batch_alter_table("trial_settlement", schema=None) as batch_op:
        batch_op.drop_column("trial_ended_on")
    with op.batch_alter_table("possession_notice", schema=None) as batch_op:
        batch_op.drop_column("withdrawn_by")
        batch_op.drop_column("withdrawn_at")
        batch_op.drop_column("withdrawn_on")
