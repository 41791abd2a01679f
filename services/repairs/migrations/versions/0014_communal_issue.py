"""communal_issue: communal issues noticed on visits, awaiting a repairs manager's triage

visits' communal-issue-found is kept once per issue_id; a manager raises a repair at
the UPRN they name or closes it with a reason (docs/adr/0044).

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-30 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "communal_issue",
        sa.Column("issue_id", sa.Uuid(), nullable=False),
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("uprn", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column(
            "issue",
            sa.Enum(
                "cleaning",
                "lighting",
                "door_entry",
                "lift",
                "fire_safety",
                "fly_tipping",
                "graffiti",
                "grounds_maintenance",
                "parking",
                "other",
                name="communalissuetype",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "repair_raised",
                "closed",
                name="communalissuestatus",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("repair_id", sa.Uuid(), nullable=True),
        sa.Column(
            "closed_because",
            sa.Enum(
                "duplicate",
                "not_landlords",
                "already_reported",
                name="communalissueclosure",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("triaged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("triaged_by", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.ForeignKeyConstraint(["repair_id"], ["repair_request.id"]),
        sa.PrimaryKeyConstraint("issue_id"),
    )
    op.create_index(
        "ix_communal_issue_status_found_at_issue_id",
        "communal_issue",
        ["status", "found_at", "issue_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_communal_issue_status_found_at_issue_id", table_name="communal_issue")
    op.drop_table("communal_issue")
