"""kit tables v2: outbox parking, one dead letter per event and group, idempotency expiry

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 17:30:00.000000
"""

from collections.abc import Sequence

from hearth_kit.kit_schema import downgrade_kit_tables_v2, upgrade_kit_tables_v2

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    upgrade_kit_tables_v2()


def downgrade() -> None:
    downgrade_kit_tables_v2()
