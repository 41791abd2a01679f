"""arrears_case.version: the version of a case's pre-action protocol steps, its ETag

Two members of staff recording protocol steps from the same stale view overwrote each
other silently. PATCH .../arrears-case/protocol now needs If-Match with the case's
ETag (`"<version>"`); every case starts at version 1.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "arrears_case",
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    )


def downgrade() -> None:
    op.drop_column("arrears_case", "version")
