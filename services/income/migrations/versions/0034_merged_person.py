"""merged_person: the person ids income re-keyed at engagement's resident-merged, and the id
kept (docs/adr/0172). The merge handler writes it in the re-keying's transaction and
re-points it at each later merge of the kept id; a merge into a retired id, and an event
naming one, then reach the person kept. A new table, empty: merges handled before this
release are not in it (engagement's topic is not replayed for them; docs/runbooks/upgrading.md).

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-01 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "merged_person",
        sa.Column("duplicate_person_id", sa.Uuid(), nullable=False),
        sa.Column("kept_person_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint("duplicate_person_id"),
    )
    op.create_index("ix_merged_person_kept", "merged_person", ["kept_person_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_merged_person_kept", table_name="merged_person")
    op.drop_table("merged_person")
