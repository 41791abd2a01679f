"""leasehold and shared ownership homes leave the landlord's EICR programme

checks.rules.checks_for_home gave every home an EICR every 5 years, whatever its tenure.
In a leasehold or shared ownership home the electrical installation inside the home is
the leaseholder's (the Electrical Safety Standards regulations of 2020 leave out long
leases and shared ownership leases, as the gas regulations do: see 0011 and ADR 0028);
the block's communal electrics keep their own check. This closes the open EICR of every
such home as withdrawn (completed_at now, no record), as a PATCH that makes a home
leasehold now does, so the electrical figures from today on leave them out; figures
for days before today still count them (the check was held then). Nothing is
published: a withdrawal never is. The downgrade does not reopen them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30 16:40:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LEASED = ("leasehold", "shared_ownership")

check = sa.table(
    "compliance_check",
    sa.column("uprn", sa.String()),
    sa.column("check_type", sa.String()),
    sa.column("subject", sa.String()),
    sa.column("completed_at", sa.DateTime(timezone=True)),
)
home = sa.table("home", sa.column("uprn", sa.String()), sa.column("tenure", sa.String()))


def upgrade() -> None:
    leased = sa.select(home.c.uprn).where(home.c.tenure.in_(LEASED))
    op.execute(
        check.update()
        .where(
            check.c.check_type == "electrical",
            check.c.subject == "home",
            check.c.completed_at.is_(None),
            check.c.uprn.in_(leased),
        )
        .values(completed_at=datetime.now(UTC))
    )


def downgrade() -> None:
    pass
