"""visit: ix_visit_resident_id, for engagement's resident-merged

A merged resident's duplicate id is re-keyed to the kept one on every visit where it
confirmed the household's details (ADR 0142). No index held visit.resident_id, so each
merge would read every visit ever made; the merges are few, the visits many.

Plain CREATE INDEX inside the migration's transaction, like every index before it: it
blocks writes to the table (not reads) while it builds; see docs/runbooks/upgrading.md.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 13:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.create_index("ix_visit_resident_id", ["resident_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_index("ix_visit_resident_id")
