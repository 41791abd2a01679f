"""home.no_access_noted_on: when the latest failure to give access was noted

DOMAIN.md starts the checks earlier (90 days, not 60) for households with a history of
not giving access. The history was a flag on the home, set by a failed attempt or a
visit not let in and never cleared, so every household after one that did not give
access was started early, as if it had the history itself. The day of the latest
failure is now kept, and a household has the history when it is on or after its
tenancy's first day (compliance.checks.rules.household_no_access_history).

Backfill: a home with the flag is given the day of this migration (London), as though
its failures were noted now: the household living there keeps the history it was given
(as before), and it passes to no tenancy that starts later. The flag is kept as it was.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 13:00:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

home = sa.table(
    "home",
    sa.column("no_access_history", sa.Boolean),
    sa.column("no_access_noted_on", sa.Date),
)


def upgrade() -> None:
    with op.batch_alter_table("home", schema=None) as batch_op:
        batch_op.add_column(sa.Column("no_access_noted_on", sa.Date(), nullable=True))
    today = datetime.now(UTC).astimezone(ZoneInfo("Europe/London")).date()
    op.get_bind().execute(
        home.update().where(home.c.no_access_history == sa.true()).values(no_access_noted_on=today)
    )


def downgrade() -> None:
    with op.batch_alter_table("home", schema=None) as batch_op:
        batch_op.drop_column("no_access_noted_on")
