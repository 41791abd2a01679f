"""block.version and block.updated_at: a block's entry can be corrected (PATCH)

A block could be registered and read but never changed: a name mistyped, the wrong
estate, a communal boiler taken out or a lift put in stayed as registered, and with
them the block's communal checks (a withdrawn boiler's gas check overdue for good, a new
lift never inspected). PATCH /v1/blocks/{uprn} corrects it as a home's PATCH does, with
the block's version as its ETag (If-Match). Every block held starts at version 1, never
updated.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("block", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("block", schema=None) as batch_op:
        batch_op.drop_column("updated_at")
        batch_op.drop_column("version")
