"""tenancy.withdrawn_at, tenancy.withdrawn_by: a tenancy withdrawn before its first day

A tenancy recorded ahead whose offer fell through is withdrawn (status `withdrawn`,
ADR 0111): when, and by whom, is kept on the tenancy. Null for every tenancy before,
and for those never withdrawn. The status is a VARCHAR of the enum's values (no
database enum type), so `withdrawn` needs no change to it.

The release before this one does not know `withdrawn` (reading such a tenancy fails, a
500 for it and every list holding it), so the downgrade stops while any tenancy is
withdrawn, naming how many, never which (docs/runbooks/upgrading.md, docs/adr/0152).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-01 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hearth_kit.migrations import refuse_downgrade_while_stored

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tenancy", schema=None) as batch_op:
        batch_op.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("withdrawn_by", sa.String(length=64), nullable=True))


def downgrade() -> None:
    refuse_downgrade_while_stored(
        "tenancy",
        "status",
        ("withdrawn",),
        rows="tenancy(ies) are withdrawn",
        what="a status",
        revision="0029",
        service="income",
    )
    with op.batch_alter_table("tenancy", schema=None) as batch_op:
        batch_op.drop_column("withdrawn_by")
        batch_op.drop_column("withdrawn_at")
