"""appointment: why a booking split a visit's work (split_reason)

A visit's repairs go into one follow-on appointment where trades allow (DOMAIN.md);
booking some of an appointment request's work without the rest the same contractor
could do in it is refused unless staff give a reason code, kept here
(docs/adr/0145). A text enum: no type to migrate.

No backfill: appointments booked before this were never asked why (null).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-01 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "appointment",
        sa.Column(
            "split_reason",
            sa.Enum(
                "resident_request",
                "materials_lead_time",
                "no_joint_slot",
                name="splitreason",
                native_enum=False,
                length=32,
            ),
            nullable=True,
        ),
    )


def downgrade() -> None:
    with op.batch_alter_table("appointment") as batch:
        batch.drop_column("split_reason")
