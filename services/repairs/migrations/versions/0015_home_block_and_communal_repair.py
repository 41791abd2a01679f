"""home.block_id and repair_request.communal: the block a home is in, and repairs to a
block's communal areas

The asset register's property-registered and property-updated always carried the
block's UPRN (`block_id`); repairs' copy of a home dropped it. Kept now, a communal
issue shows the block of the home it was reported from and the list is read by block,
and a repair a manager raises at a block's UPRN is communal, which repair-completed
says (docs/adr/0044). Existing homes start without a block until the next event about
the home: `hearth compliance republish-homes` announces them all again
(docs/runbooks/backfill-property-events.md). Existing repairs stay not communal, as
repair-completed said of them.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-30 21:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "home",
        sa.Column("block_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )
    op.create_index("ix_home_block_id", "home", ["block_id"], unique=False)
    op.add_column(
        "repair_request",
        sa.Column("communal", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("repair_request", "communal")
    op.drop_index("ix_home_block_id", table_name="home")
    op.drop_column("home", "block_id")
