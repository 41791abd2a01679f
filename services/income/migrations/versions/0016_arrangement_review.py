"""arrangement_review: an arrangement's reviews, a row each; ix_arrangement_review_due

DOMAIN.md: an arrangement is reviewed every 3 to 6 months. Income stored a review_on
and nothing drove it. A review is now recorded (POST /v1/arrangements/{id}/review) as a
row of its own, never overwriting the one before, for audit: the outcome, the
instalment and review date before, the new instalment and next review date. Live
arrangements are listed by review date (GET /v1/arrangements/reviews-due): a partial
index on (review_on, id) over live ones only is that list's order. Status values are
VARCHAR (text_enum), so the new status `ended` needs no change.

The release before this one does not know `ended` (reading such an arrangement fails, a
500 for it and every list holding it), so the downgrade stops while any arrangement is
ended, naming how many, never which (docs/runbooks/upgrading.md, docs/adr/0152).

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-30 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from hearth_kit.migrations import refuse_downgrade_while_stored

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LIVE = "status = 'active'"


def upgrade() -> None:
    op.create_table(
        "arrangement_review",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("arrangement_id", sa.Uuid(), nullable=False),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "continue",
                "change_instalment",
                "end",
                name="reviewoutcome",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("arrears_pence", sa.BigInteger(), nullable=False),
        sa.Column("instalment_pence_before", sa.BigInteger(), nullable=False),
        sa.Column("instalment_pence", sa.BigInteger(), nullable=True),
        sa.Column("first_instalment_on", sa.Date(), nullable=True),
        sa.Column("weekly_income_pence", sa.BigInteger(), nullable=True),
        sa.Column("weekly_expenditure_pence", sa.BigInteger(), nullable=True),
        sa.Column("review_on_before", sa.Date(), nullable=False),
        sa.Column("next_review_on", sa.Date(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(["arrangement_id"], ["arrangement.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("arrangement_review", schema=None) as batch_op:
        batch_op.create_index(
            "ix_arrangement_review_arrangement", ["arrangement_id", "reviewed_at"], unique=False
        )
    with op.batch_alter_table("arrangement", schema=None) as batch_op:
        batch_op.create_index(
            "ix_arrangement_review_due",
            ["review_on", "id"],
            unique=False,
            postgresql_where=sa.text(LIVE),
            sqlite_where=sa.text(LIVE),
        )


def downgrade() -> None:
    refuse_downgrade_while_stored(
        "arrangement",
        "status",
        ("ended",),
        rows="arrangement(s) are ended",
        what="a status",
        revision="0016",
        service="income",
    )
    with op.batch_alter_table("arrangement", schema=None) as batch_op:
        batch_op.drop_index("ix_arrangement_review_due")
    with op.batch_alter_table("arrangement_review", schema=None) as batch_op:
        batch_op.drop_index("ix_arrangement_review_arrangement")
    op.drop_table("arrangement_review")
