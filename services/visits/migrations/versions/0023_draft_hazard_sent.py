"""report_draft_piece.hazard_id and identified_at: an emergency hazard piece of a draft
is sent to repairs (hazard-identified) when it is saved, not when the report is
submitted (ADR 0182); the piece keeps the hazard id it was sent with, so the report's
hazard keeps it and submit sends no second, and the clock it was sent with. Pieces kept
before hold null (not sent: submit sends them, as before).

The downgrade stops while a draft holds a hazard sent so: the release before would send
it again at submit under a new id, and repairs would open a second Awaab's Law case for
it (docs/adr/0152: submit those drafts first).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("report_draft_piece") as batch:
        batch.add_column(sa.Column("hazard_id", sa.Uuid(), nullable=True))
        batch.add_column(sa.Column("identified_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    piece = sa.table("report_draft_piece", sa.column("hazard_id", sa.Uuid()))
    count = (
        op.get_bind()
        .execute(
            sa.select(sa.func.count()).select_from(piece).where(piece.c.hazard_id.is_not(None))
        )
        .scalar_one()
    )
    if count:
        raise RuntimeError(
            f"{count} draft report piece(s) hold an emergency hazard already sent to "
            "repairs, which the release before 0023 would send again at submit (a second "
            "Awaab's Law case): submit those reports first (docs/runbooks/upgrading.md, "
            "visits' 0023)"
        )
    with op.batch_alter_table("report_draft_piece") as batch:
        batch.drop_column("identified_at")
        batch.drop_column("hazard_id")
