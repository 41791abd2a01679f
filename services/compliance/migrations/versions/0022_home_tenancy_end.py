"""home.tenancy_end_date: the last day of the home's latest tenancy to end

A gas check or EICR done while a home stood empty between tenancies owed a copy to "the
household of the day", where there was none: engagement found nobody to send it to, and
the copy stayed overdue for good, in compliance.tenant_copies_overdue, the gauge and its
alert, and against compliance.tenant_copies_on_time. The next tenants are owed their own
copy before moving in (tenant-copy-requested, ADR 0094). Compliance now keeps the end of
the latest tenancy (income's tenancy-ended) and owes no household copy for a record made
after it when no newer tenancy is known.

Null for every home: ends from before this migration are not known, and such a home's
records are owed a copy as before.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("home", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tenancy_end_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("home", schema=None) as batch_op:
        batch_op.drop_column("tenancy_end_date")
