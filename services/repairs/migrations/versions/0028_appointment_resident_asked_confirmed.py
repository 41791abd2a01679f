"""appointment: the contractor's word that the household asked for a late move, and
staff's confirmation of it

A contractor's move once the booked window had started misses the booked appointment
(docs/adr/0117); with `resident_asked` it was missed by the resident on the contractor's
word alone, leaving repairs.appointments_kept, the measure the contractor is held to.
Now the word is kept (contractor_said_resident_asked) and the appointment is missed by
the landlord's side until staff confirm it with the household (resident_asked_confirmed_by,
resident_asked_confirmed_at; docs/adr/0129).

No backfill: appointments a contractor's word made missed by the resident before this
stay so (nothing recorded which they were).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-01 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "appointment",
        sa.Column(
            "contractor_said_resident_asked",
            sa.Boolean(),
            nullable=False,
            server_default=sa.false(),
        ),
    )
    op.add_column(
        "appointment",
        sa.Column(
            "resident_asked_confirmed_by",
            sqlmodel.sql.sqltypes.AutoString(length=200),
            nullable=True,
        ),
    )
    op.add_column(
        "appointment",
        sa.Column("resident_asked_confirmed_at", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("appointment") as batch:
        batch.drop_column("resident_asked_confirmed_at")
        batch.drop_column("resident_asked_confirmed_by")
        batch.drop_column("contractor_said_resident_asked")
