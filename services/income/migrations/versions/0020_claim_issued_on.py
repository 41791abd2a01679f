"""court_hearing.claim_issued_on, and trial_settlement: a trial the job settled

The trial rule decided whether possession proceedings were brought in a notice's six
months (Housing Act 1996 s.130(2)(c)) by the day a court hearing was recorded, not the
day the claim was issued: a claim issued on the six months' last days and recorded a
little later settled a tenancy that was, in law, still on trial. A hearing now keeps
the date of issue on the claim form (nullable: an adjournment's relisting need not
repeat it, and hearings recorded before have none; the rule reads the day recorded
then, as before). `trial_settlement` keeps each trial the trial-end job settled (its
legal day and when it ran), so a claim issued in time and recorded after the job is
shown to the officer rather than silently reversing the settlement (ADR 0075). No data
to move: existing hearings have no date of issue, and earlier settlements are not
known (their events were published; income kept no record of them).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 02:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("court_hearing", schema=None) as batch_op:
        batch_op.add_column(sa.Column("claim_issued_on", sa.Date(), nullable=True))
    op.create_table(
        "trial_settlement",
        sa.Column("tenancy_id", sa.Uuid(), nullable=False),
        sa.Column("settled_on", sa.Date(), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["tenancy_id"], ["tenancy.id"]),
        sa.PrimaryKeyConstraint("tenancy_id"),
    )


def downgrade() -> None:
    op.drop_table("trial_settlement")
    with op.batch_alter_table("court_hearing", schema=None) as batch_op:
        batch_op.drop_column("claim_issued_on")
