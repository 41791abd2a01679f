"""arrangements of tenancies already ended are closed, as ending a tenancy now does

Ending a tenancy left its live arrangement `active`, so the figures counted it as kept
for ever. Data only: each active arrangement whose tenancy has ended becomes
`completed` when its account owes nothing, else `tenancy_ended`, ended at the
tenancy's last day.

`tenancy_ended` is a status the release before this one does not know (reading such an
arrangement fails, a 500 for it and every list holding it), so the downgrade stops while
any arrangement holds it, naming how many, never which (docs/runbooks/upgrading.md,
docs/adr/0152).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 13:40:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime, time

import sqlalchemy as sa
from alembic import op

from hearth_kit.migrations import refuse_downgrade_while_stored

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    arrangement = sa.table(
        "arrangement",
        sa.column("id", sa.Uuid()),
        sa.column("account_id", sa.Uuid()),
        sa.column("status", sa.String()),
        sa.column("ended_at", sa.DateTime(timezone=True)),
    )
    account = sa.table("account", sa.column("id", sa.Uuid()), sa.column("tenancy_id", sa.Uuid()))
    tenancy = sa.table(
        "tenancy",
        sa.column("id", sa.Uuid()),
        sa.column("status", sa.String()),
        sa.column("end_date", sa.Date()),
    )
    entry = sa.table(
        "ledger_entry",
        sa.column("account_id", sa.Uuid()),
        sa.column("amount_pence", sa.BigInteger()),
    )
    balance = (
        sa.select(sa.func.coalesce(sa.func.sum(entry.c.amount_pence), 0))
        .where(entry.c.account_id == arrangement.c.account_id)
        .scalar_subquery()
    )
    rows = bind.execute(
        sa.select(arrangement.c.id, tenancy.c.end_date, balance)
        .join(account, account.c.id == arrangement.c.account_id)
        .join(tenancy, tenancy.c.id == account.c.tenancy_id)
        .where(arrangement.c.status == "active", tenancy.c.status == "ended")
    ).all()
    for arrangement_id, end_date, owed in rows:
        bind.execute(
            arrangement.update()
            .where(arrangement.c.id == arrangement_id)
            .values(
                status="completed" if owed <= 0 else "tenancy_ended",
                ended_at=datetime.combine(end_date, time(23, 59), tzinfo=UTC)
                if end_date is not None
                else datetime.now(UTC),
            )
        )


def downgrade() -> None:
    """Closed arrangements stay closed: their tenancies have ended either way. Those
    `completed` the release before reads; those `tenancy_ended` it cannot, so none may
    be left."""
    refuse_downgrade_while_stored(
        "arrangement",
        "status",
        ("tenancy_ended",),
        rows="arrangement(s) are tenancy_ended",
        what="a status",
        revision="0012",
        service="income",
    )
