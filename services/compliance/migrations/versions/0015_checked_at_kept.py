"""gas_safety_record.checked_at, certificate_record.checked_at: when the check was done,
kept and read back

A record or certificate may say when the check was done (`checked_at`, ADR 0039); it
dated the findings and was then dropped, so a contractor could not read back the time
kept and a record re-read later could not say when the check was done. It is now kept
on the record (ADR 0040). Nullable, no backfill: a record kept before this revision, or
one that gave no time, has none (its findings count from the start of its day, and each
defect keeps its own `found_at`). The downgrade drops the columns.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 19:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "gas_safety_record",
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "certificate_record",
        sa.Column("checked_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_column("certificate_record", "checked_at")
    op.drop_column("gas_safety_record", "checked_at")
