"""home_tenure: each home's tenure from a moment on, as compliance's property-registered
(registered_at) and property-updated (updated_at) said it, so the figures of a past period
count a home and its visits by the tenure in force then, not today's (ADR 0130).

Data: visits kept only each home's tenure today (home_profile.tenure, migration 0016),
never when it took effect. A home with one known gets it from the start of time
(`effective_from` 0001-01-01, models.SINCE_EVER, as engagement's 0020): its past
periods are counted as
before this migration, and the property events that come next add the changes from their
own moments. A home whose tenure visits has not heard (null) gets no row: in the
programme, as before, until an event says it (its first row then stands for the time
before it too).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 12:20:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TENURE = sa.Enum(
    "general_needs",
    "sheltered",
    "shared_ownership",
    "leasehold",
    name="tenure",
    native_enum=False,
    length=32,
)
SINCE_EVER = datetime(1, 1, 1, tzinfo=UTC)


def upgrade() -> None:
    op.create_table(
        "home_tenure",
        sa.Column("uprn", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column("tenure", TENURE, nullable=False),
        sa.PrimaryKeyConstraint("uprn", "effective_from"),
    )
    profile = sa.table("home_profile", sa.column("uprn", sa.String()), sa.column("tenure", TENURE))
    history = sa.table(
        "home_tenure",
        sa.column("uprn", sa.String()),
        sa.column("effective_from", sa.DateTime(timezone=True)),
        sa.column("tenure", TENURE),
    )
    op.get_bind().execute(
        history.insert().from_select(
            ["uprn", "effective_from", "tenure"],
            sa.select(
                profile.c.uprn,
                sa.literal(SINCE_EVER, sa.DateTime(timezone=True)),
                profile.c.tenure,
            ).where(profile.c.tenure.is_not(None)),
        )
    )


def downgrade() -> None:
    op.drop_table("home_tenure")
