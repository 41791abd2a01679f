"""a complaint as a repair's source (with its complaint id); SOR items say whether they
are ordered in whole units

`repair_request.source` is a VARCHAR already: `complaint` needs no change to it.
`sor_item.whole_units` starts from the item's unit: items counted (each, nr, no, item,
pair, set) stay whole; measured ones (m, m2, hour, ...) take up to two decimal places.
A later import with a `whole_units` column overrides it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29 23:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("repair_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("complaint_id", sa.Uuid(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_repair_request_complaint_id"), ["complaint_id"], unique=False
        )
    with op.batch_alter_table("sor_item", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("whole_units", sa.Boolean(), nullable=False, server_default=sa.true())
        )
    op.execute(
        "UPDATE sor_item SET whole_units = lower(trim(unit)) IN "
        "('each', 'ea', 'nr', 'no', 'no.', 'item', 'items', 'pair', 'set', 'unit')"
    )


def downgrade() -> None:
    with op.batch_alter_table("sor_item", schema=None) as batch_op:
        batch_op.drop_column("whole_units")
    with op.batch_alter_table("repair_request", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_repair_request_complaint_id"))
        batch_op.drop_column("complaint_id")
