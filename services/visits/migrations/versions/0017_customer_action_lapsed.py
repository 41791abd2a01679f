"""customer_action.lapsed_at and lapsed_with_tenancy_id: a customer action still open
when the household it was promised to leaves (tenancy-ended, tenancy-withdrawn) lapses,
so it is no longer outstanding (the programme's factor, the next visit's briefing).

Data: the open actions of households that left before this migration lapse now, by the
same rule the handlers apply, from the tenancies visits already holds ended (`ended_on`;
a withdrawn one is kept ended the day before its start): those promised at a visit with
the tenancy, and those at a visit that named none made while it ran (from its first London
day, when known, to the start of the day after its last). Each is dated the start of the
day after the tenancy's last (a withdrawn tenancy's: its first day, the withdrawal's
moment being in no table). RULES_REVISION 9 has the programme-rescore job work every
stored score out again once deployed, so no lapsed action stays counted.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 10:40:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LONDON = ZoneInfo("Europe/London")


def _london_midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=LONDON).astimezone(UTC)


def upgrade() -> None:
    op.add_column("customer_action", sa.Column("lapsed_at", sa.DateTime(timezone=True)))
    op.add_column("customer_action", sa.Column("lapsed_with_tenancy_id", sa.Uuid()))
    bind = op.get_bind()
    tenancy = sa.table(
        "tenancy",
        sa.column("tenancy_id", sa.Uuid()),
        sa.column("uprn", sa.String()),
        sa.column("start_date", sa.Date()),
        sa.column("ended_on", sa.Date()),
    )
    action = sa.table(
        "customer_action",
        sa.column("id", sa.Uuid()),
        sa.column("uprn", sa.String()),
        sa.column("visit_id", sa.Uuid()),
        sa.column("promised_at", sa.DateTime(timezone=True)),
        sa.column("closed_at", sa.DateTime(timezone=True)),
        sa.column("lapsed_at", sa.DateTime(timezone=True)),
        sa.column("lapsed_with_tenancy_id", sa.Uuid()),
    )
    visit = sa.table(
        "visit",
        sa.column("id", sa.Uuid()),
        sa.column("uprn", sa.String()),
        sa.column("tenancy_id", sa.Uuid()),
    )
    open_at_home = sa.select(action.c.id).where(
        action.c.uprn == tenancy.c.uprn,
        action.c.closed_at.is_(None),
        action.c.lapsed_at.is_(None),
    )
    ended = bind.execute(
        sa.select(tenancy.c.tenancy_id, tenancy.c.uprn, tenancy.c.start_date, tenancy.c.ended_on)
        .where(tenancy.c.ended_on.is_not(None), open_at_home.exists())
        .order_by(tenancy.c.ended_on, tenancy.c.tenancy_id)
    ).all()
    for tenancy_id, uprn, start, ended_on in ended:
        left_at = _london_midnight(ended_on + timedelta(days=1))
        promised_to = action.c.visit_id.in_(
            sa.select(visit.c.id).where(visit.c.uprn == uprn, visit.c.tenancy_id == tenancy_id)
        )
        if start is not None:
            promised_to = sa.or_(
                promised_to,
                sa.and_(
                    action.c.visit_id.in_(
                        sa.select(visit.c.id).where(
                            visit.c.uprn == uprn, visit.c.tenancy_id.is_(None)
                        )
                    ),
                    action.c.promised_at >= _london_midnight(start),
                    action.c.promised_at < left_at,
                ),
            )
        bind.execute(
            action.update()
            .where(
                action.c.uprn == uprn,
                action.c.closed_at.is_(None),
                action.c.lapsed_at.is_(None),
                promised_to,
            )
            .values(lapsed_at=left_at, lapsed_with_tenancy_id=tenancy_id)
        )


def downgrade() -> None:
    op.drop_column("customer_action", "lapsed_with_tenancy_id")
    op.drop_column("customer_action", "lapsed_at")
