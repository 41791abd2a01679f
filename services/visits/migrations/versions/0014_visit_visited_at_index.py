"""visit: ix_visit_visited_at, for the figures of a period

The headline figures (GET /v1/visits/figures) count the visits made in a period, by
visited_at. No index held it, so each request read every visit ever made, and every
repair and hazard finding (counted over the whole table, then joined). The figures now
find the period's visits in this index and count each one's findings by its id.

Plain CREATE INDEX inside the migration's transaction, like every index before it: it
blocks writes to the table (not reads) while it builds; see docs/runbooks/upgrading.md.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-01 07:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.create_index("ix_visit_visited_at", ["visited_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_visited_at")
