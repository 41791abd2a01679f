"""officer_visit_for_access: a safety check's no-access procedure that reached its
housing officer visit step (compliance's access-escalated), so the programme puts the
home on the visit officers' list until the check is done or a full visit is made.

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


def downgrade() -> None:
    op.drop_index(op.f("ix_officer_visit_for_access_uprn"), table_name="officer_visit_for_access")
    op.drop_table("officer_visit_for_access")
