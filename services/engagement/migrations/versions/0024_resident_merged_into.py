"""resident.merged_into, merged_at: a second record of one person merged into the
resident kept

Staff could see a resident flagged as perhaps a second record of a tenant (ADR 0118)
but not merge it. A merge (POST /v1/residents/{resident_id}/merge, ADR 0124) re-keys
everything engagement holds under the duplicate's id to the kept resident and keeps the
duplicate's row, marked with the id it was merged into and when, so a request naming the
old id is told which resident to use instead.

Existing residents: none merged (null). Two nullable columns added, no table rewritten,
so the upgrade holds the table only for a moment.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hearth_kit.db import AwareDateTime

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("resident", sa.Column("merged_into", sa.Uuid(), nullable=True))
    op.add_column("resident", sa.Column("merged_at", AwareDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("resident") as batch:
        batch.drop_column("merged_at")
        batch.drop_column("merged_into")
