"""kit tables v4: one dead letter per (message, consumer group) for a message without a valid event id

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 13:00:00.000000
"""

from collections.abc import Sequence

from hearth_kit.kit_schema import downgrade_kit_tables_v4, upgrade_kit_tables_v4

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    upgrade_kit_tables_v4()


def downgrade() -> None:
    downgrade_kit_tables_v4()
