"""ix_arrears_case_worklist: open arrears cases by how long they have stood at their step

GET /v1/arrears-cases (an income officer's worklist) pages through the open cases (a
step of the ladder: stage other than none) longest at their step first, by
(stage_changed_at, account_id); this partial index is that order, so a page after a
cursor starts at its position. An index only: no data to move.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 05:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = "stage <> 'none'"


def upgrade() -> None:
    with op.batch_alter_table("arrears_case", schema=None) as batch_op:
        batch_op.create_index(
            "ix_arrears_case_worklist",
            ["stage_changed_at", "account_id"],
            unique=False,
            postgresql_where=sa.text(OPEN),
            sqlite_where=sa.text(OPEN),
        )


def downgrade() -> None:
    with op.batch_alter_table("arrears_case", schema=None) as batch_op:
        batch_op.drop_index("ix_arrears_case_worklist")
