"""work_order: the follow-on a work order was raised for (follow_on_of)

A completion asking for a follow-on kept its repair open until any later completion
of the repair, which work raised alongside before the follow-on was asked for also
was: the repair completed, was surveyed and counted in RP02 with the follow-on never
raised (docs/adr/0147). Now a work order raised as a follow-on names the work order
that asked for it (follow_on_of, same repair), and only its completion does that
follow-on.

Backfill: follow-ons asked for before this were never linked (nothing said which later
work order was the follow-on), so each completed work order that asked for one is
marked follow_on_before_links and keeps the old rule (any later completion of its
repair does it): its repair completes as it would have, none is held open for a link
it could not have. Every other row starts false.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-01 14:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("work_order") as batch:
        batch.add_column(sa.Column("follow_on_of", sa.Uuid(), nullable=True))
        batch.add_column(
            sa.Column(
                "follow_on_before_links", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )
        batch.create_foreign_key(
            "fk_work_order_follow_on_of_work_order", "work_order", ["follow_on_of"], ["id"]
        )
        batch.create_index("ix_work_order_follow_on_of", ["follow_on_of"])
    op.execute(
        "UPDATE work_order SET follow_on_before_links = true WHERE follow_on_required = true"
    )


def downgrade() -> None:
    with op.batch_alter_table("work_order") as batch:
        batch.drop_index("ix_work_order_follow_on_of")
        batch.drop_constraint("fk_work_order_follow_on_of_work_order", type_="foreignkey")
        batch.drop_column("follow_on_before_links")
        batch.drop_column("follow_on_of")
