"""compliance_check.version: the version of a check's contractor assignment, its ETag

Two members of staff assigning a check from the same stale view overwrote each other
silently. PUT /v1/compliance/checks/{check_id}/contractor now needs If-Match with the
check's ETag (`"<version>"`); every check starts at version 1.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "compliance_check",
        sa.Column("version", sa.Integer(), nullable=False, server_default="1"),
    )


def downgrade() -> None:
    op.drop_column("compliance_check", "version")
