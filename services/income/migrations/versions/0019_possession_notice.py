"""possession_notice: every notice of seeking possession served, a row each

Income kept only the latest notice (arrears_case.nosp_served_at): a second notice
overwrote the first, so a notice live on a trial's last day was lost once another was
served (ADR 0059's consequences). Each notice is now a row of its own; the case's
column stays the latest. The notices already on cases are copied in (one each: the
earlier ones were never kept).

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-30 23:45:00.000000
"""

import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    notice = op.create_table(
        "possession_notice",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("served_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["arrears_case.account_id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("possession_notice", schema=None) as batch_op:
        batch_op.create_index(
            "ix_possession_notice_account", ["account_id", "served_at"], unique=False
        )
    case = sa.table(
        "arrears_case",
        sa.column("account_id", sa.Uuid()),
        sa.column("nosp_served_at", sa.DateTime(timezone=True)),
    )
    served = op.get_bind().execute(
        sa.select(case.c.account_id, case.c.nosp_served_at).where(
            case.c.nosp_served_at.is_not(None)
        )
    )
    rows = [
        {"id": uuid.uuid4(), "account_id": account_id, "served_at": served_at}
        for account_id, served_at in served
    ]
    if rows:
        op.bulk_insert(notice, rows)


def downgrade() -> None:
    with op.batch_alter_table("possession_notice", schema=None) as batch_op:
        batch_op.drop_index("ix_possession_notice_account")
    op.drop_table("possession_notice")
