"""caseload_assignment, programme_score: the indexes the scheduled jobs' selections need

An audit of the statements visits runs on its tables, planned by PostgreSQL with
sequential scans off (tests/test_query_plans.py), found the two daily jobs reading
every row to find the few due:

- the caseload review sweep (caseload-review-overdue) looks for sustainable tenancy
  referrals past their review date not yet raised, by review date:
  ix_caseload_assignment_review_due (caseload, review_on, tenancy_id), over the rows
  still to raise only.
- the programme re-score looks for scores a date has moved or another configuration
  made: rescore_on had an index, but `configuration != ...` could not use one, so the
  whole OR read every score. The repository now says it as before-or-after, and
  ix_programme_score_configuration serves both ranges.

Plain CREATE INDEX inside the migration's transaction, like every index before it: it
blocks writes to each table (not reads) while it builds; see docs/runbooks/upgrading.md.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 02:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TO_RAISE = "review_overdue_raised_at IS NULL AND review_on IS NOT NULL"


def upgrade() -> None:
    with op.batch_alter_table("caseload_assignment", schema=None) as batch_op:
        batch_op.create_index(
            "ix_caseload_assignment_review_due",
            ["caseload", "review_on", "tenancy_id"],
            unique=False,
            postgresql_where=sa.text(TO_RAISE),
            sqlite_where=sa.text(TO_RAISE),
        )
    with op.batch_alter_table("programme_score", schema=None) as batch_op:
        batch_op.create_index("ix_programme_score_configuration", ["configuration"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("programme_score", schema=None) as batch_op:
        batch_op.drop_index("ix_programme_score_configuration")
    with op.batch_alter_table("caseload_assignment", schema=None) as batch_op:
        batch_op.drop_index("ix_caseload_assignment_review_due")
