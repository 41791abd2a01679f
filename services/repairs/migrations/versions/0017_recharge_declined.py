"""recharge.declined_by, declined_at, decline_reason: a held recharge a manager declines

A recharge held for a household's recorded vulnerability could only be approved, so one
a manager decided not to recharge waited `awaiting_approval` for ever. A decline now
records who, when and why (a code, never free text; docs/adr/0056) and the status
`declined` (a VARCHAR enum, no type to alter). Existing recharges were never declined:
the columns start null.

The downgrade stops while any recharge is declined: the release before this one knows
no status `declined` (reading such a row fails, a 500 for the recharge and every list
holding it) and has none that says the recharge will never be raised, so the rows are
settled first (docs/runbooks/upgrading.md, docs/adr/0152). It names how many, never
which.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-30 21:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hearth_kit.migrations import refuse_downgrade_while_stored

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("recharge", sa.Column("declined_by", sa.String(length=200), nullable=True))
    op.add_column("recharge", sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column("recharge", sa.Column("decline_reason", sa.String(length=32), nullable=True))


def downgrade() -> None:
    refuse_downgrade_while_stored(
        "recharge",
        "status",
        ("declined",),
        rows="recharge(s) are declined",
        what="a status",
        revision="0017",
        service="repairs",
    )
    op.drop_column("recharge", "decline_reason")
    op.drop_column("recharge", "declined_at")
    op.drop_column("recharge", "declined_by")
