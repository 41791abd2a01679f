"""court_hearing: possession hearings of an arrears case, a row each, with the outcome

DOMAIN.md: letter 1 is sent only when no notice, arrangement or court date is in
place, and the ladder ends at the court application. Income recorded neither the
hearing nor what the court decided. A hearing is now recorded on the case (the day it
is listed for) and later its outcome and the day the court decided (ADR 0067). At most
one hearing of a case is undecided at a time: a partial unique index on account_id
where outcome IS NULL. Outcome values are VARCHAR (text_enum).

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-30 23:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNDECIDED = "outcome IS NULL"


def upgrade() -> None:
    op.create_table(
        "court_hearing",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("account_id", sa.Uuid(), nullable=False),
        sa.Column("listed_for", sa.Date(), nullable=False),
        sa.Column("listed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("listed_by", sa.String(length=64), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "adjourned",
                "adjourned_on_terms",
                "suspended_possession_order",
                "postponed_possession_order",
                "outright_possession_order",
                "dismissed",
                "withdrawn",
                name="courtoutcome",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("decided_on", sa.Date(), nullable=True),
        sa.Column("outcome_recorded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome_recorded_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["arrears_case.account_id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("court_hearing", schema=None) as batch_op:
        batch_op.create_index(
            "ix_court_hearing_account", ["account_id", "listed_for"], unique=False
        )
        batch_op.create_index(
            "uq_court_hearing_one_undecided",
            ["account_id"],
            unique=True,
            postgresql_where=sa.text(UNDECIDED),
            sqlite_where=sa.text(UNDECIDED),
        )


def downgrade() -> None:
    with op.batch_alter_table("court_hearing", schema=None) as batch_op:
        batch_op.drop_index("uq_court_hearing_one_undecided")
        batch_op.drop_index("ix_court_hearing_account")
    op.drop_table("court_hearing")
