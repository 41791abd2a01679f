"""visit_room.components: the components of a room a full visit's inventory rates one by
one (component, condition rating, photo references), as DOMAIN.md's room-by-room
inventory of components holds them. Rooms inspected before hold none (an empty list): they
were rated whole, and stay so.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 12:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # the default fills the rooms kept before, then goes: the service always writes it
    with op.batch_alter_table("visit_room") as batch:
        batch.add_column(
            sa.Column("components", sa.JSON(), nullable=False, server_default=sa.text("'[]'"))
        )
    with op.batch_alter_table("visit_room") as batch:
        batch.alter_column("components", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("visit_room") as batch:
        batch.drop_column("components")
