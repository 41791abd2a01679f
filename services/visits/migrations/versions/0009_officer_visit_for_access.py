"""officer_visit_for_access: a safety check's no-access procedure that reached its
housing officer visit step (compliance's access-escalated), so the programme puts the
home on the visit officers' list until the check is done or a full visit is made.

Every programme score worked out from this revision on names the factor
`officer_visit_for_check_access` in its `factors` (true or false) and, when it holds, in
its `reasons`: the release before this one reads neither (its factors refuse a key they
do not know, its reasons a factor), so its programme answers 500 for every such score.
The downgrade puts the stored scores back into the older shape: the key and the reason
go, and the reason's points come off the score (what the release before works out,
which has no such factor). A score is derived, not decided by anyone, so it is
rewritten rather than refused (docs/adr/0152); the release before rescores every home
anyway, its weights' fingerprint being another.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "officer_visit_for_access",
        sa.Column("check_id", sa.Uuid(), nullable=False),
        sa.Column("uprn", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column(
            "check_type",
            sa.Enum(
                "gas_safety",
                "electrical",
                "smoke_co_alarms",
                "fire_risk_assessment",
                "asbestos",
                "water",
                "lift",
                name="checktype",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("check_id"),
    )
    op.create_index(
        op.f("ix_officer_visit_for_access_uprn"),
        "officer_visit_for_access",
        ["uprn"],
        unique=False,
    )


FACTOR = "officer_visit_for_check_access"


def downgrade() -> None:
    bind = op.get_bind()
    score = sa.table(
        "programme_score",
        sa.column("uprn", sa.String()),
        sa.column("score", sa.Integer()),
        sa.column("reasons", sa.JSON()),
        sa.column("factors", sa.JSON()),
    )
    older = []
    for uprn, points, reasons, factors in bind.execute(
        sa.select(score.c.uprn, score.c.score, score.c.reasons, score.c.factors).where(
            sa.cast(score.c.factors, sa.Text()).like(f"%{FACTOR}%")
        )
    ):
        kept = [reason for reason in reasons or [] if reason.get("factor") != FACTOR]
        gone = sum(int(reason["points"]) for reason in reasons or [] if reason not in kept)
        older.append(
            {
                "key": uprn,
                "score": points - gone,
                "reasons": kept,
                "factors": {name: value for name, value in factors.items() if name != FACTOR},
            }
        )
    if older:
        bind.execute(
            score.update()
            .where(score.c.uprn == sa.bindparam("key"))
            .values(
                score=sa.bindparam("score"),
                reasons=sa.bindparam("reasons", type_=sa.JSON()),
                factors=sa.bindparam("factors", type_=sa.JSON()),
            ),
            older,
        )
    op.drop_index(op.f("ix_officer_visit_for_access_uprn"), table_name="officer_visit_for_access")
    op.drop_table("officer_visit_for_access")
