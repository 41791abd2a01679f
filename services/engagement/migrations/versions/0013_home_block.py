"""home.block_id: the block each home is in, so a communal repair's survey reaches the
block's households

The asset register's property-registered and property-updated always carried the
block's UPRN (`block_id`); engagement's copy of a home kept the tenure and dropped it,
so a communal repair-completed (its `uprn` the block's) invited the residents of the
block's own UPRN, where nobody lives. Kept now under the tenure's version (`as_of`),
and indexed: a communal repair's households are read by block (docs/adr/0044).

Existing homes have no block until the next event about the home: `hearth compliance
republish-homes` announces them all again (docs/runbooks/backfill-property-events.md).
Until then a communal repair completed at their block invites none of them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "home",
        sa.Column("block_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    )
    op.create_index("ix_home_block_id", "home", ["block_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_home_block_id", table_name="home")
    op.drop_column("home", "block_id")
