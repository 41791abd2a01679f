"""kit tables v5: an index on inbox_event.handled_at for the inbox retention job

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 02:30:00.000000
"""

from collections.abc import Sequence

from hearth_kit.kit_schema import downgrade_kit_tables_v5, upgrade_kit_tables_v5

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    upgrade_kit_tables_v5()


def downgrade() -> None:
    downgrade_kit_tables_v5()
