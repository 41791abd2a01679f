"""a resident's tenancy keeps its start date (which tenancy is newer) and its end
(income's tenancy-ended); tenancy_end keeps the ends engagement was told of

Existing residents start without either, and income does not announce a tenancy
again: 0012 fills the start dates from engagement's tenancy table, and says how ends
from before this migration (tenancy-ended events engagement ignored) are recovered.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("resident") as batch:
        batch.add_column(sa.Column("tenancy_started_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("tenancy_ended_on", sa.Date(), nullable=True))
    op.create_table(
        "tenancy_end",
        sa.Column("tenancy_id", sa.Uuid(), nullable=False),
        sa.Column("uprn", sa.String(length=12), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("as_of", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("tenancy_id"),
    )


def downgrade() -> None:
    op.drop_table("tenancy_end")
    with op.batch_alter_table("resident") as batch:
        batch.drop_column("tenancy_ended_on")
        batch.drop_column("tenancy_started_on")
