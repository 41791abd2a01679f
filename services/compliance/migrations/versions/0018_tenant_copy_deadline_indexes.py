"""tenant_copy: indexes in the tenant copies list's cursor order

GET /v1/compliance/tenant-copies pages by (copy_by, id), but the only index on the
deadline was ix_tenant_copy_copy_by (copy_by, sent_at): a page after a cursor read every
copy after it, or every copy before it, and sorted them (tests/test_query_plans.py). It
is replaced by:

- ix_tenant_copy_deadline (copy_by, id): the list in its cursor's order (every copy,
  sent on time or late), seeking to the cursor; the figures' copies due in a period.
- ix_tenant_copy_unsent_deadline (copy_by, id) where sent_at IS NULL: the owed and
  overdue lists, and the overdue count the idle sweep and the figures take, read only
  the copies not sent; on (copy_by, sent_at) the overdue list and count read every
  copy whose deadline had passed, sent or not.

Plain CREATE INDEX inside the migration's transaction, like every index before it: it
blocks writes to tenant_copy (not reads) while it builds; see docs/runbooks/upgrading.md.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 03:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNSENT = "sent_at IS NULL"


def upgrade() -> None:
    with op.batch_alter_table("tenant_copy", schema=None) as batch_op:
        batch_op.create_index("ix_tenant_copy_deadline", ["copy_by", "id"], unique=False)
        batch_op.create_index(
            "ix_tenant_copy_unsent_deadline",
            ["copy_by", "id"],
            unique=False,
            postgresql_where=sa.text(UNSENT),
            sqlite_where=sa.text(UNSENT),
        )
        batch_op.drop_index("ix_tenant_copy_copy_by")


def downgrade() -> None:
    with op.batch_alter_table("tenant_copy", schema=None) as batch_op:
        batch_op.create_index("ix_tenant_copy_copy_by", ["copy_by", "sent_at"], unique=False)
        batch_op.drop_index("ix_tenant_copy_unsent_deadline")
        batch_op.drop_index("ix_tenant_copy_deadline")
