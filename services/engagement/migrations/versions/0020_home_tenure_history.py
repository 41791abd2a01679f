"""home_tenure: each home's tenure with the moment each took effect, so CH01 counts the
homes let at a period's end and TP01 to TP12 judge a response by its home's tenure when
it was given (docs/adr/0085)

`home.tenure` kept the newest tenure only: a right to buy sale after a period took the
home, and its responses, out of that period's published figures. Every property-registered
and property-updated now adds its tenure at the event's own moment.

Existing homes: the tenure each has now is kept as held since ever (the moment
`SINCE_EVER`, 0001-01-01 UTC), not from `home.as_of`. `as_of` is the newest event's
moment, which a block corrected or `hearth compliance republish-homes` moves; it is not
when the tenure began, and dating it there would count every leasehold home as let
(unknown) in every earlier period, changing published figures at the upgrade. Since ever,
every period's figures are the same after the upgrade as before it; a sale already kept
before the upgrade still leaves earlier periods as it did (ADR 0085). Homes of unknown
tenure (kept before migration 0011, not yet republished) get no entry: unknown counts as
let, as before.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 05:00:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from hearth_kit.db import AwareDateTime

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SINCE_EVER = datetime(1, 1, 1, tzinfo=UTC)
"""engagement.models.SINCE_EVER, as it was at this revision."""


def upgrade() -> None:
    op.create_table(
        "home_tenure",
        sa.Column("uprn", sa.String(length=12), nullable=False),
        sa.Column("effective_from", sa.DateTime(timezone=True), nullable=False),
        sa.Column(
            "tenure",
            sa.Enum(
                "general_needs",
                "sheltered",
                "shared_ownership",
                "leasehold",
                name="tenure",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("uprn", "effective_from"),
    )
    # Bound as the model binds it: on SQLite the stored text is what a later comparison
    # with a bound moment sorts by.
    op.execute(
        sa.text(
            "INSERT INTO home_tenure (uprn, effective_from, tenure) "
            "SELECT uprn, :since_ever, tenure FROM home WHERE tenure IS NOT NULL"
        ).bindparams(sa.bindparam("since_ever", SINCE_EVER, type_=AwareDateTime()))
    )


def downgrade() -> None:
    op.drop_table("home_tenure")
